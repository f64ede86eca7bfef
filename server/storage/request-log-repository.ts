import type { PrismaClient, SqlDialect } from "./db.ts";
import type { RequestLogEntry } from "./log-writer.ts";

/** `(?, ?), (?, ?)` for SQLite, `($1, $2), ($3, $4)` for PostgreSQL (pg has no `?` placeholders). */
function valuesList(dialect: SqlDialect, rows: number, columns: number): string {
  let next = 1;
  const one = () => (dialect === "postgresql" ? `$${next++}` : "?");
  return Array.from(
    { length: rows },
    () => `(${Array.from({ length: columns }, one).join(", ")})`,
  ).join(", ");
}

/** Filters shared by the request log listing and spend queries. */
export interface RequestLogFilter {
  model?: string;
  provider?: string;
  status?: RequestLogEntry["status"];
  teamId?: string;
  apiKeyId?: string;
  from?: Date;
  to?: Date;
}

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
 * await between statements lets requests in.
 */
const rowsPerInsert = 100;

/**
 * Spend counters are kept per scope and UTC day: every budget period (a day, an ISO week, a
 * month, or forever) is a run of whole UTC days, so one set of counters serves any period —
 * and a budget whose period an admin changes is still restored exactly.
 */
const counterUpsertPrefix = `INSERT INTO "SpendCounter" ("scope", "scopeId", "periodStart", "spentNanoUsd", "updatedAt") VALUES`;
const counterUpsertSuffix = `ON CONFLICT ("scope", "scopeId", "periodStart") DO UPDATE SET "spentNanoUsd" = "SpendCounter"."spentNanoUsd" + excluded."spentNanoUsd", "updatedAt" = excluded."updatedAt"`;

/** The counter rows one chunk of logs adds to: [scope, scopeId, day start, nano-USD, updatedAt] per (scope, id, day). */
function counterRows(entries: RequestLogEntry[], updatedAt: Date): unknown[][] {
  const totals = new Map<string, { scope: string; scopeId: string; day: Date; spent: bigint }>();
  const add = (scope: string, scopeId: string | undefined, entry: RequestLogEntry) => {
    if (!scopeId || entry.costNanoUsd === 0n) return;
    const day = new Date(`${entry.createdAt.toISOString().slice(0, 10)}T00:00:00.000Z`);
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

/** The largest value of an INTEGER column on PostgreSQL (int4); SQLite has no such limit. */
const maxInteger = 2_147_483_647;

/**
 * A value as both databases store it. PostgreSQL refuses what SQLite takes — NUL characters in
 * text and JSON, fractions and values past int4 in INTEGER columns — and one refused row would
 * fail its whole batch, spend counters included. So text loses NULs and numbers are whole and
 * in range, on either database.
 */
function storable(value: unknown): unknown {
  if (typeof value === "string")
    return value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
  if (typeof value === "number")
    return Math.min(Math.max(Math.round(value), -maxInteger), maxInteger);
  return value;
}

/** JSON text without NUL characters anywhere (PostgreSQL's jsonb refuses \u0000). */
function storableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "string" ? storable(item) : item,
  );
}

function toRow(entry: RequestLogEntry): unknown[] {
  const row: Partial<Record<(typeof insertColumns)[number], unknown>> = {
    ...entry,
    day: entry.createdAt.toISOString().slice(0, 10),
    attempts: storableJson(entry.attempts),
    metadata: entry.metadata === undefined ? null : storableJson(entry.metadata),
  };
  return insertColumns.map(
    (column) =>
      (column === "attempts" || column === "metadata" ? row[column] : storable(row[column])) ??
      null,
  );
}

/** Reads and writes RequestLog rows; the only code that knows their table shape. */
export function createRequestLogRepository(prisma: PrismaClient, dialect: SqlDialect = "sqlite") {
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
   * ~0.03 ms, and it runs on the hot path's event loop. The driver adapter still converts
   * Dates, booleans and BigInts exactly as Prisma's own writes do.
   */
  async function insertMany(entries: RequestLogEntry[]): Promise<void> {
    for (let start = 0; start < entries.length; start += rowsPerInsert) {
      const chunk = entries.slice(start, start + rowsPerInsert);
      const insertLogs = prisma.$executeRawUnsafe(
        `${insertPrefix} ${valuesList(dialect, chunk.length, insertColumns.length)}`,
        ...chunk.flatMap(toRow),
      );
      const counters = counterRows(chunk, new Date());
      if (counters.length === 0) {
        await insertLogs;
        continue;
      }
      // The logs and what they add to the spend counters commit together: a budget restored
      // from the counters on start always matches the logs.
      const addSpend = prisma.$executeRawUnsafe(
        `${counterUpsertPrefix} ${valuesList(dialect, counters.length, 5)} ${counterUpsertSuffix}`,
        ...counters.flat(),
      );
      await prisma.$transaction([insertLogs, addSpend]);
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

  async function spend(groupBy: SpendGroupBy, filter?: RequestLogFilter): Promise<SpendRow[]> {
    const column = groupColumn[groupBy];
    const where = whereFor(filter);
    // Prisma types groupBy per literal column; the column varies at run time, the shape does not.
    const by = [column] as ["requestedModel"];
    const keyOf = (group: object) => (group as Record<string, unknown>)[column] as string | null;
    const [groups, errorGroups] = await Promise.all([
      prisma.requestLog.groupBy({
        by,
        where,
        _sum: { costNanoUsd: true, promptTokens: true, completionTokens: true },
        _count: { _all: true },
      }),
      filter?.status && filter.status !== "error"
        ? []
        : prisma.requestLog.groupBy({
            by,
            where: { ...where, status: "error" },
            _count: { _all: true },
          }),
    ]);
    const errorsByKey = new Map(errorGroups.map((group) => [keyOf(group), group._count._all]));
    return groups
      .map((group) => ({
        key: keyOf(group),
        requests: group._count._all,
        errors: errorsByKey.get(keyOf(group)) ?? 0,
        promptTokens: group._sum.promptTokens ?? 0,
        completionTokens: group._sum.completionTokens ?? 0,
        costNanoUsd: group._sum.costNanoUsd ?? 0n,
      }))
      .sort((left, right) => (left.key ?? "").localeCompare(right.key ?? ""));
  }

  return { insertMany, list, spend, spendCountersSince, spentSince };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
