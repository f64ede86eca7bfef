/**
 * Batches request logs so the hot path never waits for the database (DESIGN §6): `enqueue`
 * only pushes to memory; a timer or a full batch triggers one write for many entries. A failed
 * write keeps its entries for the next attempt, and `stop()` flushes what is left.
 */

/** The metadata kept for every request, successful or not (prompt and answer only when configured). */
export interface RequestLogEntry {
  id: string;
  createdAt: Date;
  apiKeyId?: string;
  teamId?: string;
  /** Where the request came in; "sdk" is an in-process `createGateway` writing to a configured database. */
  source: "rest" | "graphql" | "graphql-subscription" | "sdk";
  requestedModel: string;
  /** The caller's own `x-request-id` (validated), sent upstream; not stored in the row (`id` is). */
  clientRequestId?: string;
  model?: string;
  provider?: string;
  deployment?: string;
  /** "cache_hit": answered from the response cache (no upstream call, cost 0; deployment is the one that first answered). */
  status: "success" | "error" | "cancelled" | "cache_hit";
  errorCode?: string;
  errorMessage?: string;
  httpStatus?: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costNanoUsd: bigint;
  /** The provider reported no usage; the token counts are estimates. */
  usageEstimated: boolean;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  stream: boolean;
  attempts: Array<{
    deployment: string;
    provider: string;
    status: "success" | "error" | "cancelled";
    errorCode?: string;
    /** The status the caller would have seen (a provider's 5xx is 502). */
    httpStatus?: number;
    /** The provider's own HTTP status, when it answered with one. */
    upstreamStatus?: number;
    /** The provider's own id for the call (its `request-id`, `x-request-id`, … response header). */
    upstreamRequestId?: string;
    latencyMs: number;
  }>;
  /** The caller's tags from the request's `metadata`. */
  metadata?: Record<string, unknown>;
  /** The prompt and the answer, secrets redacted: only when `logging.storeBodies` is on (table RequestBody). */
  body?: RequestBodyRecord;
}

/** What `logging.storeBodies` keeps of a request: the request as received and the answer (or error). */
export interface RequestBodyRecord {
  prompt: unknown;
  answer: unknown;
}

export interface LogWriterOptions {
  write(entries: RequestLogEntry[]): Promise<void>;
  maxBatchSize?: number;
  flushIntervalMs?: number;
  /** Told about failed writes; the entries stay queued. */
  onWriteError?(error: unknown, pendingCount: number): void;
}

export function createLogWriter({
  write,
  maxBatchSize = 500,
  flushIntervalMs = 200,
  onWriteError = () => {},
}: LogWriterOptions) {
  let queue: RequestLogEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  function enqueue(entry: RequestLogEntry): void {
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
