/*
 * RequestLog.attempts is JSON: today an array of { deployment, provider, status, errorCode,
 * httpStatus, upstreamStatus, latencyMs }, but older rows, other versions or a hand-edited
 * database may hold anything. The details panel shows whatever each entry has: the known fields
 * first, in a fixed order, then any others as they come.
 */

/** The fields the gateway writes, in the order the table shows them, with their headings. */
const knownFields: ReadonlyArray<readonly [string, string]> = [
  ["deployment", "Deployment"],
  ["provider", "Provider"],
  ["status", "Status"],
  ["errorCode", "Error code"],
  ["httpStatus", "HTTP status"],
  ["upstreamStatus", "Upstream status"],
  ["latencyMs", "Latency"],
];
const knownHeadings = new Map(knownFields);

export interface AttemptColumn {
  key: string;
  heading: string;
}

export interface AttemptRow {
  /** 1-based, in the order they were tried. */
  number: number;
  /** "success", "error", "cancelled" when the entry says so (for the badge's colour). */
  status?: string;
  /** Each column's value as text ("" when this attempt has none). */
  cells: Record<string, string>;
}

export interface AttemptTable {
  columns: AttemptColumn[];
  rows: AttemptRow[];
}

/** "upstreamStatus" → "Upstream status" for fields the dashboard does not know. */
function headingOf(key: string): string {
  const known = knownHeadings.get(key);
  if (known) return known;
  const words = key
    .replace(/[_-]+/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .trim()
    .toLowerCase();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/** One value as text: milliseconds with their unit, objects as compact JSON. */
export function formatAttemptValue(key: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return /Ms$/.test(key) ? `${value} ms` : String(value);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The entries as objects: a JSON string is parsed, one object is a list of one, a non-object entry becomes { value }. */
function entriesOf(attempts: unknown): Array<Record<string, unknown>> {
  let value = attempts;
  if (typeof attempts === "string") {
    try {
      value = JSON.parse(attempts) as unknown;
    } catch {
      return attempts.trim() ? [{ value: attempts }] : [];
    }
  }
  if (value === null || value === undefined) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((entry) =>
    entry !== null && typeof entry === "object" && !Array.isArray(entry)
      ? (entry as Record<string, unknown>)
      : { value: entry },
  );
}

/** The attempts as a table: a column for each field any attempt has (known ones first), a row per attempt. */
export function attemptTable(attempts: unknown): AttemptTable {
  const entries = entriesOf(attempts);
  const present = new Set<string>();
  for (const entry of entries)
    for (const [key, value] of Object.entries(entry)) if (value !== undefined) present.add(key);
  const known = knownFields.map(([key]) => key).filter((key) => present.has(key));
  const others = [...present].filter((key) => !knownHeadings.has(key));
  const columns = [...known, ...others].map((key) => ({ key, heading: headingOf(key) }));
  const rows = entries.map((entry, index) => {
    const cells: Record<string, string> = {};
    for (const { key } of columns) cells[key] = formatAttemptValue(key, entry[key]);
    const status = typeof entry.status === "string" ? entry.status : undefined;
    return { number: index + 1, status, cells };
  });
  return { columns, rows };
}
