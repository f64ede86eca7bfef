/**
 * Opens the database the config names: migrates it first, then builds the Prisma client on the
 * driver adapter for its URL — better-sqlite3 for `file:` (server/storage/migrate.ts), pg for
 * `postgresql://` (server/storage/migrate-postgresql.ts). Prisma 7 needs no native engine at
 * run time, only the generated clients (server/generated/{sqlite,postgresql}, `npm run generate`).
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "../generated/sqlite/client.ts";
import { busyTimeoutMs, databaseFilePath, migrateDatabase, sqliteCachePragma } from "./migrate.ts";
import {
  openSqliteStatementWriter,
  prismaStatementWriter,
  type StatementWriter,
} from "./statement-writer.ts";

/** How often the planner statistics are refreshed while running. */
const statisticsRefreshMs = 3 * 60 * 60_000;

/**
 * The generated client's type, for repositories and services (they never construct one). The
 * PostgreSQL client has the same models and accepts a superset of these inputs, so code written
 * against this type runs on both.
 */
export type { PrismaClient };

/** Which SQL the database speaks: raw SQL differs (placeholders), Prisma's own queries do not. */
export type SqlDialect = "sqlite" | "postgresql";

/** An open, migrated database. */
export interface Database {
  prisma: PrismaClient;
  dialect: SqlDialect;
  /** The URL it was opened with, as configured. */
  url: string;
  /** Runs raw statements in one transaction (the log batches; statement-writer.ts). */
  writeStatements: StatementWriter;
  /** Disconnects the client; call once, after the last write (the log writer's final flush). */
  close(): Promise<void>;
}

/** True for the URLs served by PostgreSQL (`postgresql://` or `postgres://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Migrates and opens the database at `url`: a SQLite `file:` URL (the file and its folder are
 * created when missing; relative paths are resolved against the working directory) or a
 * PostgreSQL URL (the database must exist; its tables are created and migrated).
 */
export async function openDatabase({ url }: { url: string }): Promise<Database> {
  return isPostgresUrl(url) ? openPostgres(url) : openSqlite(url);
}

async function openPostgres(url: string): Promise<Database> {
  // Loaded only for PostgreSQL: an embedded SQLite gateway never loads pg.
  const [{ migratePostgres }, { PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([
    import("./migrate-postgresql.ts"),
    import("@prisma/adapter-pg"),
    import("../generated/postgresql/client.ts"),
  ]);
  await migratePostgres({ url });
  const prisma = new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    prisma: prisma as unknown as PrismaClient,
    dialect: "postgresql",
    url,
    writeStatements: prismaStatementWriter(prisma as unknown as PrismaClient),
    close: () => prisma.$disconnect(),
  };
}

async function openSqlite(url: string): Promise<Database> {
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
  await prisma.$queryRawUnsafe(`PRAGMA ${sqliteCachePragma}`);
  const refreshStatistics = setInterval(
    () => void prisma.$queryRawUnsafe("PRAGMA optimize").catch(() => {}),
    statisticsRefreshMs,
  ).unref();
  const statements = openSqliteStatementWriter(databaseFilePath(url));
  return {
    prisma,
    dialect: "sqlite",
    url,
    writeStatements: statements.write,
    async close() {
      clearInterval(refreshStatistics);
      await prisma.$disconnect();
      statements.close();
    },
  };
}
