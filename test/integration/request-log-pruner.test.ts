import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../server/storage/db.ts";
import { createRequestLogPruner } from "../../server/storage/request-log-pruner.ts";
import { createRequestLogRepository } from "../../server/storage/request-log-repository.ts";
import { logEntry } from "../support/log-entries.ts";
import { testDatabaseUrl } from "../support/test-database.ts";

const now = Date.parse("2026-03-20T15:00:00Z");

function entry(id: string, createdAt: string) {
  return logEntry({
    id,
    createdAt: new Date(createdAt),
    teamId: "team-1",
    apiKeyId: "key-1",
    body: { prompt: { messages: [{ role: "user", content: id }] }, answer: null },
  });
}

describe("request log pruner (SQLite and PostgreSQL)", () => {
  let directory: string;
  let database: Database;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-pruner-"));
    database = await openDatabase({ url: await testDatabaseUrl(directory) });
    const repository = createRequestLogRepository(
      database.prisma,
      database.dialect,
      database.writeStatements,
    );
    // With a 30-day window on March 20, logs before February 18 (midnight UTC) go.
    await repository.insertMany([
      ...["01", "02", "03", "04", "05"].map((day) =>
        entry(`old-${day}`, `2026-01-${day}T10:00:00Z`),
      ),
      entry("edge-before", "2026-02-17T23:59:59.999Z"),
      entry("edge-kept", "2026-02-18T00:00:00.000Z"),
      entry("recent", "2026-03-19T08:00:00Z"),
    ]);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("runs on its own schedule, deleting old logs and bodies in small batches and nothing else", async () => {
    const { prisma } = database;
    const rollupsBefore = await prisma.spendRollup.findMany({
      orderBy: [{ dimension: "asc" }, { day: "asc" }],
    });
    const countersBefore = await prisma.spendCounter.findMany({ orderBy: { periodStart: "asc" } });
    const pruner = createRequestLogPruner({
      prisma,
      dialect: database.dialect,
      requestLogsDays: 30,
      now: () => now,
      batchSize: 2,
      pauseMs: 1,
      firstRunAfterMs: 0,
      intervalMs: 60_000,
    });
    pruner.start();
    try {
      await expect
        .poll(
          async () =>
            (await prisma.requestLog.findMany({ orderBy: { id: "asc" } })).map((row) => row.id),
          { timeout: 10_000 },
        )
        .toEqual(["edge-kept", "recent"]);
      expect(
        (await prisma.requestBody.findMany({ orderBy: { id: "asc" } })).map((row) => row.id),
      ).toEqual(["edge-kept", "recent"]);
      expect(
        await prisma.spendRollup.findMany({ orderBy: [{ dimension: "asc" }, { day: "asc" }] }),
      ).toEqual(rollupsBefore);
      expect(await prisma.spendCounter.findMany({ orderBy: { periodStart: "asc" } })).toEqual(
        countersBefore,
      );
      expect(await pruner.pruneOnce()).toEqual({
        logs: 0,
        bodies: 0,
        responses: 0,
        before: new Date("2026-02-18T00:00:00.000Z"),
      });
    } finally {
      await pruner.stop();
    }
  });
});
