import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/*
 * The committed migrations as both runners read them (migrate.ts for SQLite,
 * migrate-postgresql.ts for PostgreSQL), and the check of what a database recorded.
 */

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** A migration's row in _prisma_migrations (as much as the check needs). */
export interface MigrationRow {
  checksum: string;
  finished_at: unknown;
}

/** Migration folders in name order (their UTC timestamp prefix makes that creation order). */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
  if (!existsSync(migrationsDir)) throw new Error(`Migrations folder not found: ${migrationsDir}`);
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, "migration.sql");
      if (!existsSync(file)) throw new Error(`Migration ${name} has no migration.sql (${file})`);
      const content = await readFile(file);
      // Prisma's checksum: SHA-256 of the file's bytes, hex; it detects edited migrations.
      return {
        name,
        sql: content.toString("utf8"),
        checksum: createHash("sha256").update(content).digest("hex"),
      };
    }),
  );
}

/** Throws unless a recorded migration is finished and still has the committed content. */
export function checkRecorded(migration: MigrationFile, row: MigrationRow): void {
  if (row.finished_at === null) {
    throw new Error(
      `Migration ${migration.name} is recorded as started but not finished in _prisma_migrations; repair the database by hand`,
    );
  }
  if (row.checksum !== migration.checksum) {
    throw new Error(
      `Migration ${migration.name} was modified after it was applied: its checksum in _prisma_migrations (${row.checksum}) differs from migration.sql (${migration.checksum}). Restore the file and add a new migration instead.`,
    );
  }
}
