/**
 * Opens the database the config names: migrates it first (server/storage/migrate.ts), then
 * builds the Prisma client on the better-sqlite3 driver adapter. Prisma 7 needs no native
 * engine at run time, only the generated client (server/generated/sqlite, `npm run generate`).
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/sqlite/client.ts";
import { busyTimeoutMs, databaseFilePath, migrateDatabase } from "./migrate.ts";

/** How often the planner statistics are refreshed while running. */
const statisticsRefreshMs = 3 * 60 * 60_000;

/** The generated client's type, for repositories and services (they never construct one). */
export type { PrismaClient };

/** An open, migrated database. */
export interface Database {
  prisma: PrismaClient;
  /** The URL it was opened with, as configured. */
  url: string;
  /** Disconnects the client; call once, after the last write (the log writer's final flush). */
  close(): Promise<void>;
}

/**
 * Migrates and opens the database at `url`. Only SQLite `file:` URLs are supported so far;
 * the file and its folder are created when missing. Relative paths are resolved against the
 * working directory.
 */
export async function openDatabase({ url }: { url: string }): Promise<Database> {
  await migrateDatabase({ url });
  const adapter = new PrismaBetterSqlite3({
    // The adapter strips "file:" itself but resolves nothing, so hand it the absolute path.
    url: databaseFilePath(url),
    // better-sqlite3's busy timeout: writes wait this long for another connection's lock
    // (a second instance, or a backup tool) instead of failing at once with SQLITE_BUSY.
    timeout: busyTimeoutMs,
  });
  const prisma = new PrismaClient({ adapter });
  // Statistics go stale as logs pile up in a long-running process; SQLite advises running
  // optimize every few hours on long-lived connections (it does nothing when nothing changed).
  await prisma.$queryRawUnsafe("PRAGMA analysis_limit = 1000");
  const refreshStatistics = setInterval(
    () => void prisma.$queryRawUnsafe("PRAGMA optimize").catch(() => {}),
    statisticsRefreshMs,
  ).unref();
  return {
    prisma,
    url,
    async close() {
      clearInterval(refreshStatistics);
      await prisma.$disconnect();
    },
  };
}
