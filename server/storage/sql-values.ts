import { dayKey, startOfUtcDay } from "../modules/spend/spend-ranges.ts";
import type { SqlDialect } from "./db.ts";

/*
 * Values and placeholders for the raw multi-row statements the log batch writes (logs, spend
 * counters, rollups, bodies): the same on SQLite and PostgreSQL.
 */

/** Built lists by dialect, rows and columns: a batch's statements repeat a few row counts. */
const builtValuesLists = new Map<string, string>();
const builtValuesListsLimit = 1_024;

/** `(?, ?), (?, ?)` for SQLite, `($1, $2), ($3, $4)` for PostgreSQL (pg has no `?` placeholders). */
export function valuesList(dialect: SqlDialect, rows: number, columns: number): string {
  const key = `${dialect} ${rows} ${columns}`;
  let list = builtValuesLists.get(key);
  if (list === undefined) {
    let next = 1;
    const one = () => (dialect === "postgresql" ? `$${next++}` : "?");
    list = Array.from(
      { length: rows },
      () => `(${Array.from({ length: columns }, one).join(", ")})`,
    ).join(", ");
    if (builtValuesLists.size >= builtValuesListsLimit) builtValuesLists.clear();
    builtValuesLists.set(key, list);
  }
  return list;
}

const msPerDay = 86_400_000;
/** The last day `utcDayOf` formatted: a batch's requests almost always share it. */
let lastDay = { startMs: Number.NaN, text: "" };

/** The UTC calendar day of `date` as YYYY-MM-DD (the `day` columns of the logs and rollups). */
export function utcDayOf(date: Date): string {
  const ms = date.getTime();
  if (ms >= lastDay.startMs && ms < lastDay.startMs + msPerDay) return lastDay.text;
  const midnight = startOfUtcDay(date);
  lastDay = { startMs: midnight.getTime(), text: dayKey(midnight) };
  return lastDay.text;
}

/** The largest value of an INTEGER column on PostgreSQL (int4); SQLite has no such limit. */
const maxInteger = 2_147_483_647;

/** A count as an INTEGER column on both databases keeps it: whole and within int4. */
export function storableCount(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(Math.max(Math.round(value), -maxInteger), maxInteger);
}

/**
 * A value as both databases store it. PostgreSQL refuses what SQLite takes — NUL characters in
 * text and JSON, fractions and values past int4 in INTEGER columns — and one refused row would
 * fail its whole batch, spend counters included. So text loses NULs and numbers are whole and
 * in range, on either database.
 */
export function storable(value: unknown): unknown {
  if (typeof value === "string")
    return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (typeof value === "number") return storableCount(value);
  return value;
}

/** JSON text without NUL characters anywhere (PostgreSQL's jsonb refuses \u0000). */
export function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "string" ? storable(item) : item,
  );
}
