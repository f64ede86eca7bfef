import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { PrismaClient, SqlDialect } from "./db.ts";
import type { RequestRecord } from "../gateway/request-record.ts";
import {
  mergeSpendRows,
  rollupColumns,
  rollupRows,
  rollupUpsertPrefix,
  rollupUpsertSuffix,
  spendFromRollups,
  type SpendGroupBy,
  type SpendRow,
} from "./spend-rollups.ts";
import { startOfUtcDay } from "../modules/spend/spend-ranges.ts";
import { storable, storableJson, utcDayOf, valuesList } from "./sql-values.ts";
import {
  prismaStatementWriter,
  type RawStatement,
  type StatementWriter,
} from "./statement-writer.ts";

export type { SpendGroupBy, SpendRow };

/** What a spend query may be limited to (every one can be answered from the daily rollups). */
export type SpendFilter = Pick<RequestLogFilter, "teamId" | "from" | "to">;

/** Filters of the request log listing. */
export interface RequestLogFilter {
  model?: string;
  provider?: string;
  status?: RequestRecord["status"];
  teamId?: string;
  apiKeyId?: string;
  from?: Date;
  to?: Date;
}

const groupColumn = {
  TEAM: "teamId",
  API_KEY: "apiKeyId",
  MODEL: "requestedModel",
  PROVIDER: "provider",
  DAY: "day",
} as const;

const insertColumns = [
  "id",
  "createdAt",
  "day",
  "apiKeyId",
  "teamId",
  "source",
  "requestedModel",
  "model",
  "provider",
  "deployment",
  "status",
  "errorCode",
  "errorMessage",
  "httpStatus",
  "promptTokens",
  "completionTokens",
  "cachedTokens",
  "reasoningTokens",
  "costNanoUsd",
  "usageEstimated",
  "latencyMs",
  "timeToFirstTokenMs",
  "stream",
  "attempts",
  "metadata",
] as const;
const insertPrefix = `INSERT INTO "RequestLog" (${insertColumns.map((column) => `"${column}"`).join(", ")}) VALUES`;
/**
 * Rows per INSERT. Each statement runs synchronously on the event loop that serves requests;
 * 100 rows keep that under ~10 ms (500 blocked it for ~40 ms and showed in p99), and the
 * yield to the event loop after each one lets requests in.
 */
const rowsPerInsert = 100;

/**
 * The row counts a batch's INSERT into RequestLog is split into: a full 100, else powers of two
 * (37 rows: 32, 4 and 1). The SQLite writer prepares a statement per distinct SQL and keeps it, and
 * SQLite compiles each into a program the size of its rows: one statement for every size from 1
 * to 100, which a server whose load varies meets in time, held ~14 MB (measured with 25 text
 * columns); these eight hold under 1 MB (issue 16).
 */
export function insertRowCounts(rows: number): number[] {
  const counts: number[] = [];
  for (; rows >= rowsPerInsert; rows -= rowsPerInsert) counts.push(rowsPerInsert);
  for (let size = 64; size >= 1; size /= 2)
    if (rows >= size) {
      counts.push(size);
      rows -= size;
    }
  return counts;
}

const bodyInsertPrefix = `INSERT INTO "RequestBody" ("id", "createdAt", "prompt", "answer") VALUES`;

/**
 * Spend counters are kept per scope and UTC day: every budget period (a day, an ISO week, a
 * month, or forever) is a run of whole UTC days, so one set of counters serves any period —
 * and a budget whose period an admin changes is still restored exactly.
 */
const counterUpsertPrefix = `INSERT INTO "SpendCounter" ("scope", "scopeId", "periodStart", "spentNanoUsd", "updatedAt") VALUES`;
const counterUpsertSuffix = `ON CONFLICT ("scope", "scopeId", "periodStart") DO UPDATE SET "spentNanoUsd" = "SpendCounter"."spentNanoUsd" + excluded."spentNanoUsd", "updatedAt" = excluded."updatedAt"`;

/** The counter rows one chunk of logs adds to: [scope, scopeId, day start, nano-USD, updatedAt] per (scope, id, day). */
function counterRows(entries: RequestRecord[], updatedAt: Date): unknown[][] {
  const totals = new Map<string, { scope: string; scopeId: string; day: Date; spent: bigint }>();
  const add = (scope: string, scopeId: string | undefined, entry: RequestRecord) => {
    if (!scopeId || entry.costNanoUsd === 0n) return;
    const day = startOfUtcDay(entry.createdAt);
    const key = `${scope}\u0000${scopeId}\u0000${day.getTime()}`;
    const total = totals.get(key) ?? { scope, scopeId, day, spent: 0n };
    total.spent += entry.costNanoUsd;
    totals.set(key, total);
  };
  for (const entry of entries) {
    add("team", entry.teamId, entry);
    add("apiKey", entry.apiKeyId, entry);
  }
  return [...totals.values()].map(({ scope, scopeId, day, spent }) => [
    scope,
    scopeId,
    day,
    spent,
    updatedAt,
  ]);
}

/** The row's values in `insertColumns` order, appended to `values` (a batch's one array). */
function pushRow(values: unknown[], entry: RequestRecord): void {
  values.push(
    storable(entry.id),
    entry.createdAt,
    utcDayOf(entry.createdAt),
    storable(entry.apiKeyId) ?? null,
    storable(entry.teamId) ?? null,
    storable(entry.source),
    storable(entry.requestedModel),
    storable(entry.model) ?? null,
    storable(entry.provider) ?? null,
    storable(entry.deployment) ?? null,
    storable(entry.status),
    storable(entry.errorCode) ?? null,
    storable(entry.errorMessage) ?? null,
    storable(entry.httpStatus) ?? null,
    storable(entry.promptTokens),
    storable(entry.completionTokens),
    storable(entry.cachedTokens),
    storable(entry.reasoningTokens),
    entry.costNanoUsd,
    entry.usageEstimated,
    storable(entry.latencyMs),
    storable(entry.timeToFirstTokenMs) ?? null,
    entry.stream,
    storableJson(entry.attempts),
    entry.metadata === undefined ? null : storableJson(entry.metadata),
  );
}

function rowValues(entries: RequestRecord[]): unknown[] {
  const values: unknown[] = [];
  for (const entry of entries) pushRow(values, entry);
  return values;
}

/** Reads and writes RequestLog rows; the only code that knows their table shape. */
export function createRequestLogRepository(
  prisma: PrismaClient,
  dialect: SqlDialect = "sqlite",
  writeStatements: StatementWriter = prismaStatementWriter(prisma),
) {
  function whereFor(filter: RequestLogFilter = {}) {
    return {
      requestedModel: filter.model,
      provider: filter.provider,
      status: filter.status,
      teamId: filter.teamId,
      apiKeyId: filter.apiKeyId,
      createdAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
    };
  }

  /**
   * One multi-row INSERT per batch (called by the log writer, never per request). Raw SQL on
   * purpose: Prisma's createMany costs ~0.5 ms of CPU per row here (its query compiler), this
   * ~0.03 ms, and it runs on the hot path's event loop. `writeStatements` stores Dates,
   * booleans and BigInts exactly as Prisma's own writes do.
   */
  async function insertMany(entries: RequestRecord[]): Promise<void> {
    for (let start = 0; start < entries.length; start += rowsPerInsert) {
      const chunk = entries.slice(start, start + rowsPerInsert);
      const statements: RawStatement[] = [];
      let at = 0;
      for (const rows of insertRowCounts(chunk.length))
        statements.push({
          sql: `${insertPrefix} ${valuesList(dialect, rows, insertColumns.length)}`,
          values: rowValues(chunk.slice(at, (at += rows))),
        });
      // The logs and what they add to the spend counters and rollups commit together: a budget
      // restored from the counters, or spend read from the rollups, always matches the logs.
      const counters = counterRows(chunk, new Date());
      if (counters.length > 0)
        statements.push({
          sql: `${counterUpsertPrefix} ${valuesList(dialect, counters.length, 5)} ${counterUpsertSuffix}`,
          values: counters.flat(),
        });
      const rollups = rollupRows(chunk);
      statements.push({
        sql: `${rollupUpsertPrefix} ${valuesList(dialect, rollups.length, rollupColumns.length)} ${rollupUpsertSuffix}`,
        values: rollups.flat().map(storable),
      });
      const bodies = chunk.filter((entry) => entry.body);
      if (bodies.length > 0)
        statements.push({
          sql: `${bodyInsertPrefix} ${valuesList(dialect, bodies.length, 4)}`,
          values: bodies.flatMap(({ id, createdAt, body }) => [
            id,
            createdAt,
            storableJson(body!.prompt ?? null),
            body!.answer === undefined || body!.answer === null ? null : storableJson(body!.answer),
          ]),
        });
      await writeStatements(statements);
      // better-sqlite3 answers synchronously, so the transaction resolves within this turn of
      // the loop: without a real yield a 500-entry flush ran five statements back to back
      // (~40 ms of loop delay under load, issue 16). The requests waiting go first.
      await yieldToEventLoop();
    }
  }

  /** Spend per scope and UTC day since `from` (the counters budgets are rebuilt from on start). */
  async function spendCountersSince(
    from: Date,
  ): Promise<Array<{ scope: string; scopeId: string; day: Date; spentNanoUsd: bigint }>> {
    const rows = await prisma.spendCounter.findMany({ where: { periodStart: { gte: from } } });
    return rows.map((row) => ({
      scope: row.scope,
      scopeId: row.scopeId,
      day: row.periodStart,
      spentNanoUsd: row.spentNanoUsd,
    }));
  }

  /** What one scope has spent from `from` on, by its per-day counters (seeds a shared budget counter). */
  async function spentSince(scope: string, scopeId: string, from: Date): Promise<bigint> {
    const { _sum } = await prisma.spendCounter.aggregate({
      _sum: { spentNanoUsd: true },
      where: { scope, scopeId, periodStart: { gte: from } },
    });
    return _sum.spentNanoUsd ?? 0n;
  }

  /**
   * Newest first, continuing after the row `after` (cursor = row id). `inverted` walks the
   * other way from `before` (backwards pagination); the connection helper re-reverses it.
   * Keyset pagination: the cursor row's time bounds an index range. (Prisma's own `cursor`
   * option took 1.7 s half-way through a million logs; this takes milliseconds anywhere.)
   */
  async function list({
    filter,
    limit,
    after,
    before,
    inverted = false,
  }: {
    filter?: RequestLogFilter;
    limit: number;
    after?: string;
    before?: string;
    inverted?: boolean;
  }) {
    const direction = inverted ? "asc" : "desc";
    const cursorId = inverted ? before : after;
    const cursor = cursorId
      ? await prisma.requestLog.findUnique({ where: { id: cursorId }, select: { createdAt: true } })
      : undefined;
    if (cursorId && !cursor) return [];
    const beyondCursor = cursor
      ? inverted
        ? {
            createdAt: { gte: cursor.createdAt },
            NOT: { createdAt: cursor.createdAt, id: { lte: cursorId } },
          }
        : {
            createdAt: { lte: cursor.createdAt },
            NOT: { createdAt: cursor.createdAt, id: { gte: cursorId } },
          }
      : {};
    return prisma.requestLog.findMany({
      where: { AND: [whereFor(filter), beyondCursor] },
      orderBy: [{ createdAt: direction }, { id: direction }],
      take: limit,
    });
  }

  /** Totals over [from, to) read from the logs themselves (the spend query's partial days). */
  async function spendFromLogs(groupBy: SpendGroupBy, filter: SpendFilter): Promise<SpendRow[]> {
    const column = groupColumn[groupBy];
    const where = whereFor(filter);
    // Prisma types groupBy per literal column; the column varies at run time, the shape does not.
    const by = [column, "status"] as ["requestedModel", "status"];
    const groups = await prisma.requestLog.groupBy({
      by,
      where,
      _sum: { costNanoUsd: true, promptTokens: true, completionTokens: true },
      _count: { _all: true },
    });
    return mergeSpendRows(
      groups.map((group) => ({
        key: (group as Record<string, unknown>)[column] as string | null,
        requests: group._count._all,
        errors: group.status === "error" ? group._count._all : 0,
        promptTokens: group._sum.promptTokens ?? 0,
        completionTokens: group._sum.completionTokens ?? 0,
        costNanoUsd: group._sum.costNanoUsd ?? 0n,
      })),
    );
  }

  /** Totals over whole UTC days [fromDay, toDay) from the daily rollups. */
  function spendFromDays(
    groupBy: SpendGroupBy,
    days: { teamId?: string; fromDay?: string; toDay?: string },
  ): Promise<SpendRow[]> {
    return spendFromRollups(prisma, groupBy, days);
  }

  /** The stored prompts and answers of these requests (those kept), for the RequestLog.body field. */
  function findBodies(ids: readonly string[]) {
    return prisma.requestBody.findMany({ where: { id: { in: [...ids] } } });
  }

  return {
    insertMany,
    list,
    spendFromLogs,
    spendFromDays,
    findBodies,
    spendCountersSince,
    spentSince,
  };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
