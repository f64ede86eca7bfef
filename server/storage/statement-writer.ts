import { setTimeout as sleep } from "node:timers/promises";
import SqliteDatabase from "better-sqlite3";
import type { PrismaClient } from "./db.ts";
import { sqliteCachePragma } from "./migrate.ts";

/** One raw SQL statement with its `?` (SQLite) or `$n` (PostgreSQL) placeholders' values. */
export interface RawStatement {
  sql: string;
  values: unknown[];
}

/** Runs statements in one transaction: all of them or none. */
export type StatementWriter = (statements: RawStatement[]) => Promise<void>;

/** Through Prisma (PostgreSQL; and anything handed only a client). */
export function prismaStatementWriter(prisma: PrismaClient): StatementWriter {
  return async (statements) => {
    await prisma.$transaction(
      statements.map(({ sql, values }) => prisma.$executeRawUnsafe(sql, ...values)),
    );
  };
}

/** How long a batch keeps retrying while another connection holds SQLite's write lock. */
const lockWaitMs = 5_000;
const lockRetryMs = 5;
/** Prepared statements kept: a batch's INSERTs differ only by their row count. */
const preparedLimit = 256;

/**
 * The log batches' own better-sqlite3 connection to a SQLite file, with prepared statements kept
 * between batches. Through Prisma a 100-row INSERT was prepared again for every batch and each of
 * its ~2,500 values went through the client's raw-query pipeline and the adapter's conversion:
 * ~6% of the REST path's CPU (issue 16).
 *
 * A second connection must never wait synchronously: Prisma's interactive transactions hold the
 * write lock across `await`s on the same event loop, so a blocking wait (a busy timeout) would
 * stall the loop that has to finish them. Its busy timeout is 0: a batch that meets the lock
 * (SQLITE_BUSY) is retried every few milliseconds, asynchronously, for up to 5 s (the server's
 * busy timeout), then fails like any write and stays queued. Its own transactions are synchronous
 * — begun and committed in one turn of the loop — so Prisma's connection never waits on them.
 *
 * Values are stored as Prisma's SQLite adapter stores them, so Prisma reads them back unchanged:
 * dates as ISO 8601 text with `+00:00`, booleans as 1 and 0.
 */
export function openSqliteStatementWriter(filePath: string): {
  write: StatementWriter;
  close(): void;
} {
  const connection = new SqliteDatabase(filePath, { timeout: 0 });
  connection.pragma(sqliteCachePragma);
  const prepared = new Map<string, SqliteDatabase.Statement>();
  function statementFor(sql: string): SqliteDatabase.Statement {
    let statement = prepared.get(sql);
    if (!statement) {
      if (prepared.size >= preparedLimit) prepared.delete(prepared.keys().next().value!);
      statement = connection.prepare(sql);
      prepared.set(sql, statement);
    }
    return statement;
  }
  const runAll = connection.transaction((statements: RawStatement[]) => {
    for (const { sql, values } of statements) {
      // In place: the values are this batch's own, and a statement holds ~2,500 of them.
      for (let index = 0; index < values.length; index += 1)
        values[index] = sqliteValue(values[index]);
      statementFor(sql).run(values);
    }
  });
  return {
    async write(statements) {
      for (let waitedMs = 0; ; waitedMs += lockRetryMs) {
        try {
          runAll(statements);
          return;
        } catch (error) {
          if (!isLocked(error) || waitedMs >= lockWaitMs) throw error;
        }
        await sleep(lockRetryMs);
      }
    },
    close: () => connection.close(),
  };
}

function isLocked(error: unknown): boolean {
  return (
    error instanceof SqliteDatabase.SqliteError &&
    (error.code.startsWith("SQLITE_BUSY") || error.code.startsWith("SQLITE_LOCKED"))
  );
}

function sqliteValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString().replace("Z", "+00:00");
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}
