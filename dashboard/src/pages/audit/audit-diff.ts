/*
 * An audit entry's before and after snapshots as a list of changes, one line per field. Nested
 * objects are walked ("budget.limitUsd"); arrays and other values are compared whole, as JSON
 * (an allow-list that lost a model reads better as two lists than as shifted indexes).
 */
import { formatUsd, nanoToUsd } from "../../lib/money";

export type DiffKind = "added" | "removed" | "changed" | "unchanged";

export interface DiffLine {
  /** "budget.limitUsd"; "" when a snapshot is not an object at all. */
  path: string;
  kind: DiffKind;
  /** The value before, as JSON; undefined when the field was not there. */
  before?: string;
  /** The value after, as JSON; undefined when the field is not there any more. */
  after?: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function walk(before: unknown, after: unknown, path: string, lines: DiffLine[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    // Fields in the order they come after the change, then those it removed.
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    for (const key of keys) {
      const childPath = path ? `${path}.${key}` : key;
      if (!(key in before) || before[key] === undefined) {
        if (after[key] !== undefined) added(after[key], childPath, lines);
      } else if (!(key in after) || after[key] === undefined)
        removed(before[key], childPath, lines);
      else walk(before[key], after[key], childPath, lines);
    }
    return;
  }
  const [beforeText, afterText] = [json(before), json(after)];
  lines.push({
    path,
    kind: beforeText === afterText ? "unchanged" : "changed",
    before: beforeText,
    after: afterText,
  });
}

function added(value: unknown, path: string, lines: DiffLine[]): void {
  if (isPlainObject(value) && Object.keys(value).length > 0)
    for (const [key, child] of Object.entries(value))
      added(child, path ? `${path}.${key}` : key, lines);
  else if (value !== undefined) lines.push({ path, kind: "added", after: json(value) });
}

function removed(value: unknown, path: string, lines: DiffLine[]): void {
  if (isPlainObject(value) && Object.keys(value).length > 0)
    for (const [key, child] of Object.entries(value))
      removed(child, path ? `${path}.${key}` : key, lines);
  else if (value !== undefined) lines.push({ path, kind: "removed", before: json(value) });
}

/**
 * The changes from `before` to `after`, field by field. A missing snapshot (null: a creation has
 * no before, a failure no after) makes every field of the other one added or removed.
 */
export function auditDiff(before: unknown, after: unknown): DiffLine[] {
  const lines: DiffLine[] = [];
  const hasBefore = before !== null && before !== undefined;
  const hasAfter = after !== null && after !== undefined;
  if (!hasBefore && !hasAfter) return lines;
  if (!hasBefore) added(after, "", lines);
  else if (!hasAfter) removed(before, "", lines);
  else walk(before, after, "", lines);
  return lines;
}

/** How many fields changed (added, removed or changed), for the row's summary. */
export function countChanges(lines: readonly DiffLine[]): number {
  return lines.filter((line) => line.kind !== "unchanged").length;
}

/**
 * Money in snapshots is kept as nano-USD ("budget.limitNanoUsd": "2000000"); this says what it
 * is in dollars ("$0.002"), or undefined for anything else.
 */
export function nanoUsdNote(path: string, jsonValue: string | undefined): string | undefined {
  if (!jsonValue || !/NanoUsd$/.test(path)) return undefined;
  const digits = /^"?(-?\d+)"?$/.exec(jsonValue)?.[1];
  return digits === undefined ? undefined : formatUsd(nanoToUsd(BigInt(digits)));
}
