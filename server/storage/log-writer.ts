/**
 * Batches request logs so the hot path never waits for the database (DESIGN §6): `enqueue`
 * only pushes to memory; a timer or a full batch triggers one write for many entries. A failed
 * write keeps its entries for the next attempt, and `stop()` flushes what is left.
 */
import type { RequestRecord } from "../gateway/request-record.ts";

export interface LogWriterOptions {
  write(entries: RequestRecord[]): Promise<void>;
  maxBatchSize?: number;
  flushIntervalMs?: number;
  /** Told about failed writes; the entries stay queued. */
  onWriteError?(error: unknown, pendingCount: number): void;
}

export function createLogWriter({
  write,
  // Small enough that queued entries are written before they outlive the young generation
  // (500 got most of them promoted under load: more mark-compact work; issue 16).
  maxBatchSize = 100,
  flushIntervalMs = 200,
  onWriteError = () => {},
}: LogWriterOptions) {
  let queue: RequestRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  function enqueue(entry: RequestRecord): void {
    queue.push(entry);
    if (queue.length >= maxBatchSize) void flush();
    else timer ??= setTimeout(() => void flush(), flushIntervalMs);
  }

  /** Writes everything queued so far; resolves when it is in the database (or the write failed). */
  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (flushing) await flushing.catch(() => {});
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    flushing = (async () => {
      try {
        for (let start = 0; start < batch.length; start += maxBatchSize)
          await write(batch.slice(start, start + maxBatchSize));
      } catch (error) {
        // Keep the entries (ahead of newer ones) so spend is not lost; the next flush retries.
        queue = [...batch, ...queue];
        onWriteError(error, queue.length);
        timer ??= setTimeout(() => void flush(), flushIntervalMs * 5);
        throw error;
      } finally {
        flushing = undefined;
      }
    })();
    await flushing.catch(() => {});
  }

  /** Flushes and stops the timer; entries that still cannot be written are reported, not dropped silently. */
  async function stop(): Promise<void> {
    await flush();
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  return {
    enqueue,
    flush,
    stop,
    get pendingCount() {
      return queue.length;
    },
  };
}

export type LogWriter = ReturnType<typeof createLogWriter>;
