import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Sqlite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMigration,
  diffMigrationsToSchema,
  emptyMigrationScript,
} from "../../scripts/create-migration.ts";
import { openDatabase } from "../../server/storage/db.ts";
import {
  databaseFilePath,
  defaultMigrationsDir,
  migrateDatabase,
} from "../../server/storage/migrate.ts";

const repositoryRoot = path.resolve(import.meta.dirname, "../..");
const migrationNames = readdirSync(defaultMigrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

/** A `file:` URL in a fresh temp dir; the nested folder proves the parent gets created. */
async function temporaryDatabaseUrl(): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), "switchboard-migrations-"));
  directories.push(directory);
  return `file:${path.join(directory, "data", "switchboard.db")}`;
}

/** Runs `read` on a separate plain connection, closed afterwards. */
function inspect<Result>(url: string, read: (database: Sqlite.Database) => Result): Result {
  const database = new Sqlite(databaseFilePath(url));
  try {
    return read(database);
  } finally {
    database.close();
  }
}

describe("migrateDatabase", () => {
  it("creates a new file, applies every migration and records it as Prisma does", async () => {
    const url = await temporaryDatabaseUrl();
    expect(migrationNames[0]).toMatch(/^\d{14}_init$/);

    const { applied } = await migrateDatabase({ url });

    expect(applied).toEqual(migrationNames);
    const tables = inspect(url, (database) =>
      database.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(),
    );
    expect(tables).toEqual(
      expect.arrayContaining([
        "_prisma_migrations",
        "Team",
        "ApiKey",
        "RequestLog",
        "SpendCounter",
        "AuditLog",
      ]),
    );
    const rows = inspect(url, (database) =>
      database.prepare(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`).all(),
    ) as Array<Record<string, unknown>>;
    const initSql = readFileSync(
      path.join(defaultMigrationsDir, migrationNames[0], "migration.sql"),
    );
    expect(rows[0]).toMatchObject({
      migration_name: migrationNames[0],
      checksum: createHash("sha256").update(initSql).digest("hex"),
      finished_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*\+00:00$/),
      rolled_back_at: null,
      applied_steps_count: 1,
    });
    expect(inspect(url, (database) => database.pragma("journal_mode", { simple: true }))).toBe(
      "wal",
    );
  });

  it("applies nothing the second time", async () => {
    const url = await temporaryDatabaseUrl();
    await migrateDatabase({ url });
    expect(await migrateDatabase({ url })).toEqual({ applied: [] });
  });

  it("refuses a database whose recorded migration no longer matches its file", async () => {
    const url = await temporaryDatabaseUrl();
    await migrateDatabase({ url });
    inspect(url, (database) =>
      database
        .prepare(`UPDATE "_prisma_migrations" SET checksum = 'edited' WHERE migration_name = ?`)
        .run(migrationNames[0]),
    );

    await expect(migrateDatabase({ url })).rejects.toThrow(
      `Migration ${migrationNames[0]} was modified after it was applied`,
    );
  });

  it("keeps ON DELETE CASCADE children when a migration rebuilds their parent table", async () => {
    const url = await temporaryDatabaseUrl();
    const migrationsDir = path.join(path.dirname(databaseFilePath(url)), "migrations");
    const write = (name: string, sql: string) =>
      mkdir(path.join(migrationsDir, name), { recursive: true }).then(() =>
        writeFile(path.join(migrationsDir, name, "migration.sql"), sql),
      );
    await write(
      "1_parent_child",
      `CREATE TABLE "Parent" ("id" TEXT PRIMARY KEY, "size" INTEGER);
CREATE TABLE "Child" ("id" TEXT PRIMARY KEY, "parentId" TEXT NOT NULL REFERENCES "Parent" ("id") ON DELETE CASCADE);
INSERT INTO "Parent" VALUES ('parent', NULL); INSERT INTO "Child" VALUES ('child', 'parent');`,
    );
    // The shape Prisma writes for a table rebuild; its PRAGMAs are no-ops inside a transaction.
    await write(
      "2_rebuild_parent",
      `PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Parent" ("id" TEXT PRIMARY KEY, "size" INTEGER NOT NULL DEFAULT 0);
INSERT INTO "new_Parent" SELECT "id", coalesce("size", 0) FROM "Parent";
DROP TABLE "Parent";
ALTER TABLE "new_Parent" RENAME TO "Parent";
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;`,
    );

    expect(await migrateDatabase({ url, migrationsDir })).toEqual({
      applied: ["1_parent_child", "2_rebuild_parent"],
    });
    expect(
      inspect(url, (database) => database.prepare(`SELECT count(*) FROM "Child"`).pluck().get()),
    ).toBe(1);
  });

  it("names the URLs it takes for an unknown scheme, without echoing credentials", async () => {
    const attempt = openDatabase({ url: "mysql://admin:secret@localhost/switchboard" });
    await expect(attempt).rejects.toThrow(
      "Unsupported database URL with scheme mysql:: use a SQLite file: URL or a postgresql:// URL",
    );
    await expect(attempt).rejects.not.toThrow("secret");
  });

  it("resolves relative file: URLs against the working directory", () => {
    expect(databaseFilePath("file:./data/x.db")).toBe(path.resolve(process.cwd(), "data/x.db"));
    expect(databaseFilePath("file:/srv/x.db")).toBe("/srv/x.db");
    expect(databaseFilePath("file:///srv/x.db")).toBe("/srv/x.db");
  });
});

describe("committed migrations", () => {
  // Fails when prisma/schema.prisma changes without `npm run migration:create -- <name>`.
  it("produce exactly prisma/schema.prisma (no drift)", async () => {
    const script = await diffMigrationsToSchema({
      schemaPath: path.join(repositoryRoot, "prisma/schema.prisma"),
      migrationsDir: defaultMigrationsDir,
    });
    expect(script.trim()).toBe(emptyMigrationScript);
  });
});

describe("scripts/create-migration.ts", () => {
  it("writes a migration for a schema change, which then applies over existing rows", async () => {
    const url = await temporaryDatabaseUrl();
    const workspace = path.dirname(databaseFilePath(url));
    const migrationsDir = path.join(workspace, "migrations");
    const schemaPath = path.join(workspace, "schema.prisma");
    await cp(defaultMigrationsDir, migrationsDir, { recursive: true });
    await migrateDatabase({ url, migrationsDir });
    inspect(url, (database) => {
      database
        .prepare(`INSERT INTO "Team" (id, name, updatedAt) VALUES ('team-1', 'research', 0)`)
        .run();
      database
        .prepare(
          `INSERT INTO "ApiKey" (id, teamId, name, prefix, hash, updatedAt) VALUES ('key-1', 'team-1', 'ci', 'sk-sb-1', 'hash-1', 0)`,
        )
        .run();
    });
    // Nullable -> required makes SQLite rebuild "Team" (DROP + RENAME) while ApiKey points at it.
    const schema = (
      await readFile(path.join(repositoryRoot, "prisma/schema.prisma"), "utf8")
    ).replace("rpmLimit            Int?", "rpmLimit            Int       @default(60)");
    await writeFile(schemaPath, schema);

    const folder = await createMigration({
      name: "Require RPM limit",
      schemaPath,
      migrationsDir,
      now: new Date("2030-01-02T03:04:05Z"),
    });

    expect(path.basename(folder ?? "")).toBe("20300102030405_require_rpm_limit");
    expect(await readFile(path.join(folder ?? "", "migration.sql"), "utf8")).toContain(
      'CREATE TABLE "new_Team"',
    );
    expect(await migrateDatabase({ url, migrationsDir })).toEqual({
      applied: ["20300102030405_require_rpm_limit"],
    });
    expect(
      inspect(url, (database) =>
        database.prepare(`SELECT rpmLimit FROM "Team" WHERE id = 'team-1'`).pluck().get(),
      ),
    ).toBe(60);
    expect(await createMigration({ name: "again", schemaPath, migrationsDir })).toBeUndefined();
  });
});

describe("openDatabase", () => {
  it("round-trips BigInt money beyond 2^53 and JSON attempts exactly", async () => {
    const url = await temporaryDatabaseUrl();
    const database = await openDatabase({ url });
    try {
      const costNanoUsd = 2n ** 53n + 12_345n;
      const attempts = [
        {
          deployment: "openai/gpt-4o",
          provider: "openai",
          status: "error",
          errorCode: "rate_limited",
          latencyMs: 12,
        },
        { deployment: "azure/gpt-4o", provider: "azure", status: "success", latencyMs: 340 },
      ];
      const createdAt = new Date("2026-01-02T03:04:05.678Z");
      await database.prisma.requestLog.create({
        data: {
          id: "request-1",
          createdAt,
          day: "2026-01-02",
          source: "rest",
          requestedModel: "gpt-4o",
          status: "success",
          latencyMs: 352,
          costNanoUsd,
          attempts,
        },
      });

      const row = await database.prisma.requestLog.findUniqueOrThrow({
        where: { id: "request-1" },
      });

      expect(row.costNanoUsd).toBe(costNanoUsd);
      expect(row.attempts).toEqual(attempts);
      expect(row.createdAt).toEqual(createdAt);
    } finally {
      await database.close();
    }
  });
});
