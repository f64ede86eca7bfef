import { logsKeptFrom } from "../modules/spend/spend-ranges.ts";
import type { PrismaClient, SqlDialect } from "./db.ts";

/*
 * `retention.requestLogsDays`: request logs (and their stored bodies) older than the window are
 * deleted by a background job (stored Responses API answers with them), a small batch per statement with a pause between, so neither
 * SQLite's single writer nor a PostgreSQL table is held long and requests keep flowing. Spend
 * counters (budgets) and the daily rollups (spend queries) are never touched, so totals stay
 * exact after pruning.
 */

export interface PruneResult {
  logs: number;
  bodies: number;
  /** Stored Responses API answers (StoredResponse), kept as long as the logs. */
  responses: number;
  /** Logs before this moment were deleted (midnight UTC). */
  before: Date;
}

export interface RequestLogPrunerOptions {
  prisma: PrismaClient;
  dialect: SqlDialect;
  requestLogsDays: number;
  now?: () => number;
  /** Rows per DELETE statement. */
  batchSize?: number;
  /** The pause between two statements, when requests may write. */
  pauseMs?: number;
  /** How often the job runs. */
  intervalMs?: number;
  /** The first run after start (later than start, so it never slows start-up). */
  firstRunAfterMs?: number;
  onProblem?: (message: string, error: unknown) => void;
}

type PrunedTable = "RequestLog" | "RequestBody" | "StoredResponse" | "StoredResponseItem";

/** Deletes the oldest rows of one table created before `before`, `batchSize` per statement. */
function deleteStatement(table: PrunedTable, dialect: SqlDialect): string {
  const [before, limit] = dialect === "postgresql" ? ["$1", "$2"] : ["?", "?"];
  // The item index has a two-column key: its rows are picked by (id, responseId).
  const columns = table === "StoredResponseItem" ? `"id", "responseId"` : `"id"`;
  const key = table === "StoredResponseItem" ? `(${columns})` : columns;
  return `DELETE FROM "${table}" WHERE ${key} IN (SELECT ${columns} FROM "${table}" WHERE "createdAt" < ${before} ORDER BY "createdAt" LIMIT ${limit})`;
}

export function createRequestLogPruner({
  prisma,
  dialect,
  requestLogsDays,
  now = Date.now,
  batchSize = 1_000,
  pauseMs = 50,
  intervalMs = 60 * 60_000,
  firstRunAfterMs = 60_000,
  onProblem = () => {},
}: RequestLogPrunerOptions) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<PruneResult> | undefined;
  let stopped = false;

  async function pruneTable(table: PrunedTable, before: Date): Promise<number> {
    const statement = deleteStatement(table, dialect);
    let deleted = 0;
    while (!stopped) {
      const count = await prisma.$executeRawUnsafe(statement, before, batchSize);
      deleted += count;
      if (count < batchSize) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
    return deleted;
  }

  /** One pass over both tables; a pass already under way is joined, not doubled. */
  function pruneOnce(): Promise<PruneResult> {
    running ??= (async () => {
      try {
        const before = logsKeptFrom(now(), requestLogsDays);
        // Bodies first: a body never outlives its log row, even if a pass is cut short.
        const bodies = await pruneTable("RequestBody", before);
        const logs = await pruneTable("RequestLog", before);
        await pruneTable("StoredResponseItem", before);
        const responses = await pruneTable("StoredResponse", before);
        return { logs, bodies, responses, before };
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function runInBackground(): void {
    void pruneOnce().catch((error: unknown) => onProblem("pruning old request logs failed", error));
  }

  return {
    pruneOnce,
    /** Runs the job after `firstRunAfterMs`, then every `intervalMs`, until stop(). */
    start(): void {
      if (timer || stopped) return;
      timer = setTimeout(function tick() {
        runInBackground();
        timer = setTimeout(tick, intervalMs).unref();
      }, firstRunAfterMs).unref();
    },
    /** Stops the schedule and lets a pass under way end after its current statement. */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}

export type RequestLogPruner = ReturnType<typeof createRequestLogPruner>;
