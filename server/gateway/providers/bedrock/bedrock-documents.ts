/**
 * Converse `document` blocks for OpenAI file parts: the format Bedrock wants for a MIME type,
 * and a name Bedrock accepts.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_DocumentBlock.html
 */

export type BedrockDocumentFormat =
  "pdf" | "csv" | "doc" | "docx" | "xls" | "xlsx" | "html" | "txt" | "md";

const documentFormatByMediaType: Record<string, BedrockDocumentFormat> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

/** The Converse document format of a MIME type; undefined for one Bedrock does not read. */
export function bedrockDocumentFormat(mediaType: string): BedrockDocumentFormat | undefined {
  return documentFormatByMediaType[mediaType];
}

/** Bedrock's limit on a document name. */
const maxNameLength = 200;

/**
 * Names for one request's documents. Bedrock refuses the whole request (400 ValidationException)
 * for a name with anything but ASCII letters and digits, single spaces, hyphens, parentheses and
 * square brackets — a period included, so "report.pdf" is refused — for one longer than 200, and
 * for two documents of the same name anywhere in the request. So the filename loses its
 * extension, every other character becomes a space, runs of spaces become one, and a repeat gets
 * " (2)", " (3)", …; without a usable filename the name is "document". The model sees the name,
 * so it stays close to the file's own.
 */
export function createDocumentNamer(): (filename: string | undefined) => string {
  const taken = new Set<string>();
  return function nameDocument(filename) {
    const base =
      (filename ?? "")
        .replace(/\.[a-z0-9]{1,5}$/i, "")
        .replace(/[^A-Za-z0-9\s\-()[\]]/g, " ")
        .replace(/\s+/g, " ")
        .trim()
        .slice(0, maxNameLength)
        .trim() || "document";
    let name = base;
    for (let copy = 2; taken.has(name.toLowerCase()); copy += 1) {
      const suffix = ` (${copy})`;
      name = `${base.slice(0, maxNameLength - suffix.length).trimEnd()}${suffix}`;
    }
    taken.add(name.toLowerCase());
    return name;
  };
}
