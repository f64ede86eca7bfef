import type { PrismaClient } from "./db.ts";
import type { RequestRecord } from "../gateway/request-record.ts";
import { utcDayOf } from "./sql-values.ts";

/*
 * Daily spend rollups (the SpendRollup table): request totals per UTC day, team, status and one
 * request field. Written in the same transaction as the logs they count, so they always agree
 * with them; read by `spend(groupBy: …)` so that a month of spend is a few hundred rows, not
 * millions of logs, and stays exact after old logs are pruned.
 */

/** The request field each rollup dimension counts by; absent values are stored as "". */
const dimensions = {
  model: (entry: RequestRecord) => entry.requestedModel,
  provider: (entry: RequestRecord) => entry.provider,
  apiKey: (entry: RequestRecord) => entry.apiKeyId,
} as const;

type Dimension = keyof typeof dimensions;

export type SpendGroupBy = "TEAM" | "API_KEY" | "MODEL" | "PROVIDER" | "DAY";

export interface SpendRow {
  key: string | null;
  requests: number;
  /** Of `requests`, those that ended in an error (cancelled ones are not errors). */
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costNanoUsd: bigint;
}

/**
 * Where each grouping is read: one dimension's rows, grouped by one column. Every dimension
 * holds every request once, so TEAM and DAY may use any; "provider" has the fewest rows.
 */
const groupSource: Record<
  SpendGroupBy,
  { dimension: Dimension; column: "value" | "teamId" | "day" }
> = {
  MODEL: { dimension: "model", column: "value" },
  PROVIDER: { dimension: "provider", column: "value" },
  API_KEY: { dimension: "apiKey", column: "value" },
  TEAM: { dimension: "provider", column: "teamId" },
  DAY: { dimension: "provider", column: "day" },
};

export const rollupColumns = [
  "dimension",
  "day",
  "teamId",
  "value",
  "status",
  "requests",
  "promptTokens",
  "completionTokens",
  "costNanoUsd",
] as const;

const addedColumns = ["requests", "promptTokens", "completionTokens", "costNanoUsd"];
export const rollupUpsertPrefix = `INSERT INTO "SpendRollup" (${rollupColumns.map((column) => `"${column}"`).join(", ")}) VALUES`;
export const rollupUpsertSuffix = `ON CONFLICT ("dimension", "day", "teamId", "value", "status") DO UPDATE SET ${addedColumns
  .map((column) => `"${column}" = "SpendRollup"."${column}" + excluded."${column}"`)
  .join(", ")}`;

const dimensionEntries = Object.entries(dimensions);

/** The rollup rows a chunk of logs adds to, one per (dimension, day, team, value, status). */
export function rollupRows(entries: RequestRecord[]): unknown[][] {
  const totals = new Map<string, unknown[]>();
  for (const entry of entries) {
    const day = utcDayOf(entry.createdAt);
    const teamId = entry.teamId ?? "";
    const promptTokens = BigInt(Math.max(0, Math.round(entry.promptTokens)));
    const completionTokens = BigInt(Math.max(0, Math.round(entry.completionTokens)));
    for (const [dimension, valueOf] of dimensionEntries) {
      const value = valueOf(entry) ?? "";
      const key = `${dimension}\u0000${day}\u0000${teamId}\u0000${value}\u0000${entry.status}`;
      let total = totals.get(key);
      if (!total) {
        total = [dimension, day, teamId, value, entry.status, 0, 0n, 0n, 0n];
        totals.set(key, total);
      }
      total[5] = (total[5] as number) + 1;
      total[6] = (total[6] as bigint) + promptTokens;
      total[7] = (total[7] as bigint) + completionTokens;
      total[8] = (total[8] as bigint) + entry.costNanoUsd;
    }
  }
  return [...totals.values()];
}

/** Totals over whole UTC days [fromDay, toDay) (YYYY-MM-DD; either may be open), from the rollups. */
export async function spendFromRollups(
  prisma: PrismaClient,
  groupBy: SpendGroupBy,
  { teamId, fromDay, toDay }: { teamId?: string; fromDay?: string; toDay?: string },
): Promise<SpendRow[]> {
  const { dimension, column } = groupSource[groupBy];
  // Prisma types groupBy per literal column; the column varies at run time, the shape does not.
  const by = [column, "status"] as ["value", "status"];
  const groups = await prisma.spendRollup.groupBy({
    by,
    where: {
      dimension,
      teamId,
      day: fromDay || toDay ? { gte: fromDay, lt: toDay } : undefined,
    },
    _sum: { requests: true, promptTokens: true, completionTokens: true, costNanoUsd: true },
  });
  const rows = new Map<string, SpendRow>();
  for (const group of groups) {
    const stored = (group as Record<string, unknown>)[column] as string;
    const row = rows.get(stored) ?? {
      key: stored === "" ? null : stored,
      requests: 0,
      errors: 0,
      promptTokens: 0,
      completionTokens: 0,
      costNanoUsd: 0n,
    };
    const requests = group._sum.requests ?? 0;
    row.requests += requests;
    if (group.status === "error") row.errors += requests;
    row.promptTokens += Number(group._sum.promptTokens ?? 0n);
    row.completionTokens += Number(group._sum.completionTokens ?? 0n);
    row.costNanoUsd += group._sum.costNanoUsd ?? 0n;
    rows.set(stored, row);
  }
  return [...rows.values()];
}

/** Rows with the same key added together, sorted by key (null first), as `spend` returns them. */
export function mergeSpendRows(...lists: SpendRow[][]): SpendRow[] {
  const merged = new Map<string | null, SpendRow>();
  for (const row of lists.flat()) {
    const total = merged.get(row.key);
    if (!total) merged.set(row.key, { ...row });
    else {
      total.requests += row.requests;
      total.errors += row.errors;
      total.promptTokens += row.promptTokens;
      total.completionTokens += row.completionTokens;
      total.costNanoUsd += row.costNanoUsd;
    }
  }
  return [...merged.values()].sort((left, right) =>
    (left.key ?? "").localeCompare(right.key ?? ""),
  );
}
