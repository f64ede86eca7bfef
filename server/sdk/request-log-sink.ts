import { createLogWriter } from "../storage/log-writer.ts";
import type { RequestRecord } from "../gateway/request-record.ts";

/** Where an in-process gateway's finished requests go. */
export interface RequestLogSink {
  /** Settles once storage is open; rejects when it cannot be, and every request then fails with that error. */
  ready: Promise<void>;
  record(entry: RequestRecord): void;
  /** Writes what is queued and closes storage. */
  close(): Promise<void>;
}

/** No database configured: nothing is stored and nothing of storage is loaded. */
export const discardRequestLogs: RequestLogSink = {
  ready: Promise.resolve(),
  record: () => {},
  close: async () => {},
};

/**
 * The request log in the configured database, written in batches as the server writes it (the
 * same tables, so the server on that database shows the SDK's spend). Prisma and the SQLite
 * driver are imported only here, when a database is asked for, so a gateway without one loads
 * neither — and neither needs to be installed.
 */
export function createDatabaseRequestLog({
  url,
  onProblem,
}: {
  url: string;
  onProblem: (message: string, error: unknown) => void;
}): RequestLogSink {
  const opening = (async () => {
    const [{ openDatabase }, { createRequestLogRepository }] = await Promise.all([
      import("../storage/db.ts"),
      import("../storage/request-log-repository.ts"),
    ]);
    const database = await openDatabase({ url });
    return {
      database,
      requestLogs: createRequestLogRepository(
        database.prisma,
        database.dialect,
        database.writeStatements,
      ),
    };
  })();
  const ready = opening.then(() => {});
  // Requests await `ready` and show its failure; until one does, the rejection is not unhandled.
  ready.catch(() => {});
  const logWriter = createLogWriter({
    write: async (entries) => (await opening).requestLogs.insertMany(entries),
    onWriteError: (error, pendingCount) =>
      onProblem(`writing request logs failed; ${pendingCount} kept for retry`, error),
  });

  return {
    ready,
    record: logWriter.enqueue,
    async close() {
      await logWriter.stop();
      if (logWriter.pendingCount > 0)
        onProblem(
          `${logWriter.pendingCount} request logs could not be written before closing`,
          undefined,
        );
      const opened = await opening.catch(() => undefined);
      await opened?.database.close();
    },
  };
}
