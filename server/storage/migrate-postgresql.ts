/**
 * The PostgreSQL twin of migrate.ts: applies prisma/migrations/postgresql/<name>/migration.sql
 * on start, in name order, each in its own transaction, recorded in Prisma's
 * `_prisma_migrations` (so `prisma migrate` can take over a database later). Several instances
 * starting at once must not race: the whole run holds a session advisory lock, with the key
 * Prisma's own migrate commands use, so this runner and `prisma migrate deploy` exclude each
 * other too. The lock needs a direct connection (not PgBouncer in transaction mode).
 */
import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { checkRecorded, readMigrations, type MigrationRow } from "./migration-files.ts";

/** This repository's PostgreSQL migrations; independent of the working directory. */
export const defaultPostgresMigrationsDir = path.resolve(
  import.meta.dirname,
  "../../prisma/migrations/postgresql",
);

/** Prisma's advisory lock key for migrations. */
const advisoryLockKey = 72707369;

/** Prisma's DDL for the table on PostgreSQL (as its schema engine creates it). */
const createMigrationsTableSql = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Applies the migrations `url` has not recorded yet; returns their names. */
export async function migratePostgres({
  url,
  migrationsDir = defaultPostgresMigrationsDir,
}: {
  url: string;
  migrationsDir?: string;
}): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(migrationsDir);
  // One dedicated connection: a session-level advisory lock belongs to it, not to a pool.
  const client = new pg.Client({ connectionString: url, application_name: "switchboard-migrate" });
  await client.connect();
  try {
    // Waits while another instance migrates; it then finds every migration recorded.
    await client.query("SELECT pg_advisory_lock($1)", [advisoryLockKey]);
    try {
      await client.query(createMigrationsTableSql);
      const applied: string[] = [];
      for (const migration of migrations) {
        const { rows } = await client.query<MigrationRow>(
          `SELECT checksum, finished_at FROM "_prisma_migrations" WHERE migration_name = $1 AND rolled_back_at IS NULL ORDER BY started_at DESC LIMIT 1`,
          [migration.name],
        );
        if (rows[0]) {
          checkRecorded(migration, rows[0]);
          continue;
        }
        await client.query("BEGIN");
        try {
          const startedAt = new Date();
          // No parameters: the simple protocol, which runs a file of several statements.
          await client.query(migration.sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
             VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
            [randomUUID(), migration.checksum, migration.name, startedAt],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK").catch(() => {});
          throw new Error(
            `Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`,
            { cause: error },
          );
        }
        applied.push(migration.name);
      }
      return { applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [advisoryLockKey]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}
