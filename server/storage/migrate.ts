/**
 * Applies the committed migrations (prisma/migrations/sqlite/<name>/migration.sql) on start,
 * so a new SQLite file is created and migrated with no manual step and no Prisma CLI (whose
 * migrate commands need a native engine that is not available offline). Progress is recorded
 * in Prisma's own `_prisma_migrations` table, in the shape Prisma writes, so `prisma migrate`
 * can take over a database later. Only SQL files are read here: the WASM schema engine is a
 * development tool (scripts/create-migration.ts) and never runs in the server.
 */
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { checkRecorded, readMigrations, type MigrationRow } from "./migration-files.ts";

/** This repository's SQLite migrations; independent of the working directory. */
export const defaultMigrationsDir = path.resolve(
  import.meta.dirname,
  "../../prisma/migrations/sqlite",
);

/** How long a connection waits for another one's write lock (another instance migrating). */
export const busyTimeoutMs = 5_000;

/**
 * Each long-lived connection's page cache: SQLite's own default (2,000 KiB), set explicitly
 * because better-sqlite3 builds SQLite with 16,000 KiB. The log writer's connection filled its
 * cache with request-log pages it only ever appends to: ~12 MB more resident memory after 100k
 * requests, with no throughput to show for it (issue 16). Reads the cache misses come from the
 * operating system's file cache.
 */
export const sqliteCachePragma = "cache_size = -2000";

// Prisma's exact DDL for SQLite (as the schema engine creates it), so both tools read the table.
const createMigrationsTableSql = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

/**
 * The absolute file path of a SQLite `file:` URL: `file:./data/x.db` (relative to the working
 * directory), `file:/abs/x.db` or `file:///abs/x.db`. Anything else throws, naming only the
 * URL's scheme because a PostgreSQL URL may carry a password.
 */
export function databaseFilePath(url: string): string {
  if (!url.startsWith("file:")) {
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? "(no scheme)";
    throw new Error(
      `Unsupported database URL with scheme ${scheme}: use a SQLite file: URL or a postgresql:// URL`,
    );
  }
  // Prisma-style options after "?" (e.g. ?connection_limit=1) are not part of the path.
  const withoutOptions = url.split("?")[0];
  const filePath = withoutOptions.startsWith("file://")
    ? fileURLToPath(withoutOptions)
    : withoutOptions.slice("file:".length);
  if (!filePath) throw new Error(`Database URL "${url}" names no file`);
  return path.resolve(process.cwd(), filePath);
}

/** Prisma's timestamp text for this table (the schema engine writes `...+00:00`, not `Z`). */
function prismaTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

/**
 * Creates the SQLite file if needed (and its folder), switches it to WAL, and applies every
 * migration not yet recorded in `_prisma_migrations`, in name order, each in its own
 * transaction. Returns the names applied (empty when the database was up to date).
 */
export async function migrateDatabase({
  url,
  migrationsDir = defaultMigrationsDir,
}: {
  url: string;
  migrationsDir?: string;
}): Promise<{ applied: string[] }> {
  const filePath = databaseFilePath(url);
  const migrations = await readMigrations(migrationsDir);
  await mkdir(path.dirname(filePath), { recursive: true });
  const database = new Database(filePath, { timeout: busyTimeoutMs });
  try {
    // WAL lets readers work during the log writer's batches; the mode persists in the file.
    database.pragma("journal_mode = WAL");
    // SQLite ignores `PRAGMA foreign_keys` inside a transaction, so the `foreign_keys=OFF` in
    // Prisma's table rebuilds (DROP + RENAME) does nothing here, and the DROP would run
    // ON DELETE CASCADE on child rows. Enforcement is off for this connection instead, with a
    // foreign_key_check before each commit (SQLite's documented procedure for ALTER TABLE).
    database.pragma("foreign_keys = OFF");
    database.exec(createMigrationsTableSql);
    const findRow = database.prepare<[string], MigrationRow>(
      `SELECT checksum, finished_at FROM "_prisma_migrations" WHERE migration_name = ? AND rolled_back_at IS NULL ORDER BY started_at DESC LIMIT 1`,
    );
    const insertRow = database.prepare(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, 1)`,
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      const recorded = findRow.get(migration.name);
      if (recorded) {
        checkRecorded(migration, recorded);
        continue;
      }
      // IMMEDIATE takes the write lock first, so a second instance starting at the same time
      // waits, then sees the row below and skips instead of applying the migration twice.
      database
        .transaction(() => {
          const raced = findRow.get(migration.name);
          if (raced) return checkRecorded(migration, raced);
          const startedAt = prismaTimestamp(new Date());
          try {
            database.exec(migration.sql);
          } catch (error) {
            throw new Error(
              `Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
              { cause: error },
            );
          }
          const violations = database.pragma("foreign_key_check") as unknown[];
          if (violations.length > 0)
            throw new Error(
              `Migration ${migration.name} leaves foreign key violations: ${JSON.stringify(violations.slice(0, 5))}`,
            );
          insertRow.run(
            randomUUID(),
            migration.checksum,
            prismaTimestamp(new Date()),
            migration.name,
            startedAt,
          );
          applied.push(migration.name);
        })
        .immediate();
    }
    // The query planner picks indexes from statistics (sqlite_stat1, kept in the file). Without
    // them it chose a full index scan for a one-day spend query on a million logs (388 ms
    // instead of 12 ms). analysis_limit samples each index, so this costs ~0.3 s at 1M rows,
    // and optimize re-analyzes only tables never analyzed or grown 25-fold since.
    database.pragma("analysis_limit = 1000");
    database.pragma("optimize = 0x10002");
    return { applied };
  } finally {
    database.close();
  }
}
