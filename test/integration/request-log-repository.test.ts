import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import SqliteDatabase from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openDatabase, type Database } from "../../server/storage/db.ts";
import {
  createRequestLogRepository,
  insertRowCounts,
  type RequestLogRepository,
  type SpendGroupBy,
} from "../../server/storage/request-log-repository.ts";
import { openSqliteStatementWriter } from "../../server/storage/statement-writer.ts";
import { logEntry } from "../support/log-entries.ts";

/** A migrated SQLite database in a temp folder, and the repository writing as the server does. */
async function openLogDatabase() {
  const directory = mkdtempSync(path.join(tmpdir(), "switchboard-logs-"));
  const database = await openDatabase({ url: `file:${path.join(directory, "logs.db")}` });
  const repository = createRequestLogRepository(
    database.prisma,
    database.dialect,
    database.writeStatements,
  );
  return { directory, database, repository };
}

describe("request log repository (batched writes, reads through Prisma)", () => {
  let directory: string;
  let database: Database;
  let repository: RequestLogRepository;

  beforeAll(async () => {
    ({ directory, database, repository } = await openLogDatabase());
    await repository.insertMany([
      logEntry({
        id: "a",
        createdAt: new Date("2026-11-24T23:59:59.999Z"),
        teamId: "team-1",
        apiKeyId: "key-1",
        costNanoUsd: 9_007_199_254_740_993n,
      }),
      logEntry({
        id: "b",
        createdAt: new Date("2026-11-25T00:00:00.000Z"),
        teamId: "team-1",
        status: "error",
        errorCode: "PROVIDER_ERROR",
        errorMessage: "boom",
        httpStatus: 502,
        stream: true,
        timeToFirstTokenMs: 40,
        attempts: [
          {
            deployment: "openai:gpt-4o-mini#0",
            provider: "openai",
            status: "error",
            errorCode: "PROVIDER_ERROR",
            httpStatus: 502,
            latencyMs: 3,
          },
        ],
        usageEstimated: true,
        metadata: { team: "search", feature: "autocomplete" },
      }),
      logEntry({
        id: "c",
        createdAt: new Date("2026-11-25T10:00:00.000Z"),
        requestedModel: "cheap",
        provider: "openai-compatible",
        costNanoUsd: 7n,
      }),
    ]);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("reads back exactly what was written: dates, BigInt money past 2^53, booleans, JSON and nulls", async () => {
    const rows = await repository.list({ limit: 10 });
    expect(rows.map((row) => row.id)).toEqual(["c", "b", "a"]);
    const [, failed, first] = rows;
    expect(first.createdAt).toEqual(new Date("2026-11-24T23:59:59.999Z"));
    expect(first.costNanoUsd).toBe(9_007_199_254_740_993n);
    expect(first).toMatchObject({
      day: "2026-11-24",
      teamId: "team-1",
      apiKeyId: "key-1",
      stream: false,
      usageEstimated: false,
      errorCode: null,
      metadata: null,
      attempts: [],
    });
    expect(failed).toMatchObject({
      day: "2026-11-25",
      stream: true,
      status: "error",
      httpStatus: 502,
      timeToFirstTokenMs: 40,
      usageEstimated: true,
      metadata: { team: "search", feature: "autocomplete" },
    });
    expect(failed.attempts).toEqual([
      {
        deployment: "openai:gpt-4o-mini#0",
        provider: "openai",
        status: "error",
        errorCode: "PROVIDER_ERROR",
        httpStatus: 502,
        latencyMs: 3,
      },
    ]);
  });

  it("filters by time range, model, status and team, and pages with cursors", async () => {
    const ids = async (filter: Parameters<RequestLogRepository["list"]>[0]["filter"]) =>
      (await repository.list({ limit: 10, filter })).map((row) => row.id);
    expect(await ids({ from: new Date("2026-11-25T00:00:00.000Z") })).toEqual(["c", "b"]);
    expect(await ids({ to: new Date("2026-11-25T00:00:00.000Z") })).toEqual(["a"]);
    expect(await ids({ model: "cheap" })).toEqual(["c"]);
    expect(await ids({ status: "error" })).toEqual(["b"]);
    expect(await ids({ teamId: "team-1" })).toEqual(["b", "a"]);
    expect((await repository.list({ limit: 10, after: "c" })).map((row) => row.id)).toEqual([
      "b",
      "a",
    ]);
    expect(
      (await repository.list({ limit: 1, before: "a", inverted: true })).map((row) => row.id),
    ).toEqual(["b"]);
  });

  it("runs SQLite in WAL mode with synchronous=NORMAL (no fsync per log batch)", async () => {
    expect(await database.prisma.$queryRawUnsafe("PRAGMA journal_mode")).toEqual([
      { journal_mode: "wal" },
    ]);
    expect(await database.prisma.$queryRawUnsafe("PRAGMA synchronous")).toEqual([
      { synchronous: 1n },
    ]);
  });

  it("keeps SQLite's own 2,000 KiB page cache on both connections, not better-sqlite3's 16,000", async () => {
    expect(await database.prisma.$queryRawUnsafe("PRAGMA cache_size")).toEqual([
      { cache_size: -2000n },
    ]);
    // The log writer's connection is its own: caught as the writer opens it.
    const pragma = vi.spyOn(SqliteDatabase.prototype, "pragma");
    const writer = openSqliteStatementWriter(path.join(directory, "logs.db"));
    try {
      const connection = pragma.mock.contexts[0] as SqliteDatabase.Database | undefined;
      expect(connection?.pragma("cache_size", { simple: true })).toBe(-2000);
    } finally {
      pragma.mockRestore();
      writer.close();
    }
  });

  // The same totals from the logs (part-days) and from the daily rollups (whole days).
  const spendSources = {
    logs: (groupBy: SpendGroupBy, teamId?: string) => repository.spendFromLogs(groupBy, { teamId }),
    rollups: (groupBy: SpendGroupBy, teamId?: string) =>
      repository.spendFromDays(groupBy, { teamId }),
  };

  it.each(Object.keys(spendSources) as Array<keyof typeof spendSources>)(
    "sums spend exactly per group from the %s",
    async (source) => {
      const spend = spendSources[source];
      expect(await spend("DAY")).toEqual([
        {
          key: "2026-11-24",
          requests: 1,
          errors: 0,
          promptTokens: 10,
          completionTokens: 5,
          costNanoUsd: 9_007_199_254_740_993n,
        },
        {
          key: "2026-11-25",
          requests: 2,
          errors: 1,
          promptTokens: 20,
          completionTokens: 10,
          costNanoUsd: 1_007n,
        },
      ]);
      expect((await spend("MODEL")).map((row) => [row.key, row.requests])).toEqual([
        ["cheap", 1],
        ["gpt-4o-mini", 2],
      ]);
      expect((await spend("PROVIDER")).map((row) => row.key)).toEqual([
        "openai",
        "openai-compatible",
      ]);
      expect((await spend("TEAM")).map((row) => [row.key, row.requests])).toEqual([
        [null, 1],
        ["team-1", 2],
      ]);
      expect((await spend("API_KEY", "team-1")).map((row) => [row.key, row.requests])).toEqual([
        [null, 1],
        ["key-1", 1],
      ]);
    },
  );

  it("adds each batch's spend to per-day counters per team and key, in the same write", async () => {
    const counters = async () =>
      (await repository.spendCountersSince(new Date("2026-11-01T00:00:00Z")))
        .map((row) => [
          row.scope,
          row.scopeId,
          row.day.toISOString().slice(0, 10),
          row.spentNanoUsd,
        ])
        .sort((left, right) => String(left).localeCompare(String(right)));
    expect(await counters()).toEqual([
      ["apiKey", "key-1", "2026-11-24", 9_007_199_254_740_993n],
      ["team", "team-1", "2026-11-24", 9_007_199_254_740_993n],
      ["team", "team-1", "2026-11-25", 1_000n],
    ]);
    await repository.insertMany([
      logEntry({
        id: "d",
        createdAt: new Date("2026-11-25T11:00:00.000Z"),
        teamId: "team-1",
        apiKeyId: "key-1",
        costNanoUsd: 500n,
      }),
      logEntry({
        id: "e",
        createdAt: new Date("2026-11-25T12:00:00.000Z"),
        teamId: "team-2",
        costNanoUsd: 0n,
      }),
    ]);
    expect(await counters()).toEqual([
      ["apiKey", "key-1", "2026-11-24", 9_007_199_254_740_993n],
      ["apiKey", "key-1", "2026-11-25", 500n],
      ["team", "team-1", "2026-11-24", 9_007_199_254_740_993n],
      ["team", "team-1", "2026-11-25", 1_500n],
    ]);
    expect(await repository.spendCountersSince(new Date("2026-11-25T00:00:00Z"))).toHaveLength(2);
  });

  it("pages through rows written at the same millisecond without skipping or repeating one (ties broken by id)", async () => {
    const at = new Date("2026-11-20T08:00:00.000Z");
    await repository.insertMany(
      ["t-1", "t-2", "t-3", "t-4", "t-5"].map((id) =>
        logEntry({ id, createdAt: at, teamId: "ties" }),
      ),
    );
    const page = async (options: { after?: string; before?: string; inverted?: boolean }) =>
      (await repository.list({ limit: 2, filter: { teamId: "ties" }, ...options })).map(
        (row) => row.id,
      );
    expect(await page({})).toEqual(["t-5", "t-4"]);
    expect(await page({ after: "t-4" })).toEqual(["t-3", "t-2"]);
    expect(await page({ after: "t-2" })).toEqual(["t-1"]);
    expect(await page({ before: "t-2", inverted: true })).toEqual(["t-3", "t-4"]);
    expect(await page({ after: "no-such-row" })).toEqual([]);
  });
});

describe("request log repository: batches share the event loop", () => {
  // Each test on a database of its own, written through the server's own statement writer.
  let directory: string;
  let database: Database;
  let repository: RequestLogRepository;
  beforeEach(async () => {
    ({ directory, database, repository } = await openLogDatabase());
  });
  afterEach(async () => {
    await database.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("waits without blocking the event loop while a Prisma transaction holds SQLite's write lock", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    // An interactive transaction holds the write lock across awaits, on this same event loop.
    const transaction = database.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`CREATE TABLE "LockProbe" ("x" INTEGER)`);
      locked();
      await held;
    });
    await lockTaken;
    // A synchronous busy wait would hold this timer (and the transaction) until SQLITE_BUSY.
    const startedAt = performance.now();
    const timerFired = new Promise<number>((resolve) =>
      setTimeout(() => resolve(performance.now() - startedAt), 30),
    );
    let written = false;
    const writing = repository
      .insertMany([logEntry({ id: "while-locked", createdAt: new Date(), teamId: "lock" })])
      .then(() => (written = true));
    const waitedMs = await timerFired;
    expect(waitedMs).toBeLessThan(1_000);
    expect(written).toBe(false);
    release();
    await transaction;
    await writing;
    expect(written).toBe(true);
    expect(await database.prisma.requestLog.count({ where: { teamId: "lock" } })).toBe(1);
  });

  it("writes a batch in INSERTs of a few fixed row counts, so the writer keeps few prepared statements", async () => {
    const rowCounts: number[][] = [];
    const recording = createRequestLogRepository(
      database.prisma,
      database.dialect,
      async (statements) => {
        rowCounts.push(
          statements
            .filter(({ sql }) => sql.startsWith(`INSERT INTO "RequestLog"`))
            .map(({ sql }) => sql.match(/\(\?/g)?.length ?? 0),
        );
        await database.writeStatements(statements);
      },
    );
    const at = new Date("2026-11-20T08:00:00.000Z");
    await recording.insertMany(
      Array.from({ length: 137 }, (_, index) =>
        logEntry({ id: `fixed-${index}`, createdAt: at, teamId: "fixed" }),
      ),
    );
    expect(rowCounts).toEqual([[100], [32, 4, 1]]);
    const rows = await database.prisma.requestLog.findMany({ where: { teamId: "fixed" } });
    expect(new Set(rows.map((row) => row.id)).size).toBe(137);
    // Every count from 1 to 100 is made of the eight, each at most once, adding up.
    const used = new Set<number>();
    for (let count = 1; count <= 100; count += 1) {
      const parts = insertRowCounts(count);
      expect(parts.reduce((sum, part) => sum + part, 0)).toBe(count);
      expect(new Set(parts).size).toBe(parts.length);
      for (const part of parts) used.add(part);
    }
    expect([...used].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64, 100]);
  });

  it("lets waiting callbacks run between its 100-row statements, and writes every row", async () => {
    const at = new Date("2026-11-20T08:00:00.000Z");
    const entries = Array.from({ length: 250 }, (_, index) =>
      logEntry({ id: `share-${index}`, createdAt: at, teamId: "share" }),
    );
    // The driver answers synchronously, so without a yield the three statements would run
    // back to back in one turn of the loop and a request's callback would wait for all of them.
    const order: string[] = [];
    setImmediate(() => order.push("callback"));
    await repository.insertMany(entries).then(() => order.push("written"));
    expect(order).toEqual(["callback", "written"]);
    const rows = await database.prisma.requestLog.count({ where: { teamId: "share" } });
    expect(rows).toBe(250);
  });
});
