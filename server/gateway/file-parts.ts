import { GatewayError } from "./errors.ts";
import type { ChatMessage, ContentPart } from "./spec.ts";

/**
 * OpenAI's `file` content part (PDFs and other documents, as the Vercel AI SDK and OpenAI's own
 * SDKs send them): `{type: "file", file: {filename?, file_data?: "data:<mime>;base64,…", file_id?}}`.
 * Reference: https://platform.openai.com/docs/guides/pdf-files
 */
export interface InlineFile {
  /** The MIME type from the data: URL (or, for bare base64, from the filename's extension). */
  mediaType: string;
  /** The file's bytes, base64. */
  data: string;
  filename?: string;
}

/** Extensions a bare-base64 `file_data` may be typed by (its filename's). */
const mediaTypeByExtension: Record<string, string> = {
  pdf: "application/pdf",
  txt: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
};

/**
 * The file a `file` part carries inline. A `file_id` names a file uploaded to OpenAI, which
 * only OpenAI (and Azure OpenAI, for its own uploads) can read: any other provider is a
 * BAD_REQUEST naming it, never a silent drop. `param` is the part's path
 * (`messages[0].content[1]`).
 */
export function readInlineFile(part: ContentPart, provider: string, param: string): InlineFile {
  const file = (part as { file?: unknown }).file as
    { file_data?: unknown; file_id?: unknown; filename?: unknown } | undefined;
  const filename = typeof file?.filename === "string" ? file.filename : undefined;
  const fileData = file?.file_data;
  if (typeof fileData !== "string") {
    const fileId =
      typeof file?.file_id === "string" ? ` (file_id ${JSON.stringify(file.file_id)})` : "";
    throw new GatewayError(
      "BAD_REQUEST",
      `${param}: ${provider} cannot read OpenAI file ids${fileId}: only OpenAI and Azure OpenAI can resolve them, the gateway cannot; send the file inline as file_data (a base64 data: URL)`,
      { param },
    );
  }
  const dataUrl = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s.exec(fileData);
  if (dataUrl) return { mediaType: dataUrl[1].toLowerCase(), data: dataUrl[2], filename };
  const extension = filename && /\.([a-z0-9]+)$/i.exec(filename)?.[1]?.toLowerCase();
  const byName = extension ? mediaTypeByExtension[extension] : undefined;
  if (byName && !fileData.startsWith("data:"))
    return { mediaType: byName, data: fileData, filename };
  throw new GatewayError(
    "BAD_REQUEST",
    `${param}: file_data must be a base64 data: URL (data:application/pdf;base64,…) for ${provider}`,
    { param },
  );
}

/** A file's text: Anthropic and others take plain-text documents as text, not bytes. */
export function decodeBase64Text(data: string): string {
  return Buffer.from(data, "base64").toString("utf8");
}

/**
 * Throws BAD_REQUEST naming the first `file` part, for a provider whose API reads no files:
 * sending it on would fail upstream with a less clear error, or be read as nothing.
 */
export function rejectFileParts(messages: readonly ChatMessage[], provider: string): void {
  messages.forEach((message, index) => {
    if (!Array.isArray(message.content)) return;
    const partIndex = message.content.findIndex((part) => part.type === "file");
    if (partIndex < 0) return;
    const param = `messages[${index}].content[${partIndex}]`;
    throw new GatewayError(
      "BAD_REQUEST",
      `${param}: ${provider} does not support content parts of type "file" (PDFs and other documents); send the document's text, or use a model of a provider that reads files (openai, azure, anthropic, bedrock, gemini, vertex)`,
      { param },
    );
  });
}
