import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  diffPostgresMigrationsToSchema,
  emptyMigrationScript,
} from "../../scripts/create-migration.ts";
import { openDatabase } from "../../server/storage/db.ts";
import {
  defaultPostgresMigrationsDir,
  migratePostgres,
} from "../../server/storage/migrate-postgresql.ts";
import { readMigrations } from "../../server/storage/migration-files.ts";
import { createRequestLogRepository } from "../../server/storage/request-log-repository.ts";
import { logEntry } from "../support/log-entries.ts";
import { testDatabaseUrl } from "../support/test-database.ts";

/*
 * What only PostgreSQL has to prove (this file runs in the "postgresql" project only): its
 * committed migrations match the schema, instances starting together migrate once, and rows
 * SQLite would take but PostgreSQL refuses are stored instead of failing their batch.
 */
describe("PostgreSQL storage", () => {
  const directories: string[] = [];
  const freshDatabase = async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "switchboard-pg-"));
    directories.push(directory);
    return testDatabaseUrl(directory);
  };
  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  // Fails when prisma/schema.prisma changes without a PostgreSQL migration to match.
  it("committed migrations produce exactly the schema (no drift)", async () => {
    const script = await diffPostgresMigrationsToSchema({ url: await freshDatabase() });
    expect(script.trim()).toBe(emptyMigrationScript);
  });

  it("migrates once when several instances start at the same time (advisory lock)", async () => {
    const url = await freshDatabase();
    const results = await Promise.all([1, 2, 3, 4].map(() => migratePostgres({ url })));
    const committed = (await readMigrations(defaultPostgresMigrationsDir)).length;
    expect(results.map((result) => result.applied.length).sort()).toEqual([0, 0, 0, committed]);
    const database = await openDatabase({ url });
    try {
      const recorded = await database.prisma.$queryRawUnsafe<Array<{ count: bigint }>>(
        `SELECT COUNT(*) AS count FROM "_prisma_migrations"`,
      );
      expect(Number(recorded[0].count)).toBe(committed);
    } finally {
      await database.close();
    }
  });

  describe("request logs", () => {
    let url: string;
    beforeAll(async () => {
      url = await freshDatabase();
    });

    it("stores what PostgreSQL would refuse — NUL characters, fractional and oversized counts — with the rest of the batch and its spend", async () => {
      const database = await openDatabase({ url });
      try {
        const repository = createRequestLogRepository(
          database.prisma,
          database.dialect,
          database.writeStatements,
        );
        const base = { createdAt: new Date("2026-11-24T10:00:00.000Z"), teamId: "team-1" };
        await repository.insertMany([
          logEntry({ ...base, id: "plain" }),
          logEntry({
            ...base,
            id: "odd",
            errorMessage: "bad\u0000byte",
            latencyMs: 12.5,
            promptTokens: 2 ** 31,
            metadata: { note: "nul\u0000inside" },
          }),
        ]);
        const rows = await repository.list({ limit: 10 });
        expect(rows.map((row) => row.id).sort()).toEqual(["odd", "plain"]);
        expect(rows.find((row) => row.id === "odd")).toMatchObject({
          errorMessage: "badbyte",
          latencyMs: 13,
          promptTokens: 2_147_483_647,
          metadata: { note: "nulinside" },
        });
        const counters = await repository.spendCountersSince(new Date("2026-11-01T00:00:00Z"));
        expect(counters).toEqual([
          {
            scope: "team",
            scopeId: "team-1",
            day: new Date("2026-11-24T00:00:00.000Z"),
            spentNanoUsd: 2_000n,
          },
        ]);
      } finally {
        await database.close();
      }
    });
  });
});
