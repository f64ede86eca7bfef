import { Pool } from "undici";
import { openGraphQLWebSocketClient } from "./graphql-ws-client.ts";
import type { RequestSpec } from "./scenarios.ts";

/*
 * The load generator: undici keep-alive pools, one request per connection at a time (no
 * pipelining), every answer read to the end and checked. Times are wall-clock from sending
 * the request to the first body byte and to the last. graphql-ws subscriptions (one socket per
 * connection) go through bench/graphql-ws-client.ts with the same loops and the same numbers.
 */

export interface LatencySummary {
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What one bounded run measured, before summarising (runs of one scenario are merged). */
export interface RawLoad {
  totals: number[];
  firstBytes: number[];
  errors: number;
  firstError?: string;
  elapsedMs: number;
  /** CPU the load generator used meanwhile, microseconds. */
  cpuMicros: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first failure seen, to say why. */
  firstError?: string;
  elapsedMs: number;
  requestsPerSecond: number;
  /** Requests per second of each run merged here (one per round), to show the spread. */
  runsRequestsPerSecond: number[];
  /** Request sent → last byte of the answer. */
  total: LatencySummary;
  /** Request sent → first byte of the body (for SSE: the first chunk). */
  firstByte: LatencySummary;
  /** Share of one core the load generator itself used (near 1 means it may be the bottleneck). */
  loadGeneratorCpu: number;
}

export function summarize(values: number[]): LatencySummary {
  if (values.length === 0)
    return { count: 0, meanMs: NaN, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (quantile: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(quantile * sorted.length) - 1))];
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    meanMs: sum / sorted.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: sorted[sorted.length - 1],
  };
}

/** Merges runs of one scenario: latencies pooled, throughput = all requests / all time. */
export function combine(runs: RawLoad[]): LoadResult {
  const totals = runs.flatMap((run) => run.totals);
  const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  const cpuMicros = runs.reduce((sum, run) => sum + run.cpuMicros, 0);
  return {
    requests: totals.length,
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    firstError: runs.find((run) => run.firstError)?.firstError,
    elapsedMs,
    requestsPerSecond: (totals.length * 1000) / elapsedMs,
    runsRequestsPerSecond: runs.map((run) => (run.totals.length * 1000) / run.elapsedMs),
    total: summarize(totals),
    firstByte: summarize(runs.flatMap((run) => run.firstBytes)),
    loadGeneratorCpu: cpuMicros / 1000 / elapsedMs,
  };
}

export interface Sample {
  ok: boolean;
  totalMs: number;
  firstByteMs: number;
  error?: string;
}

/** Open connections to one target: `send` on connection `worker` (0 … connections − 1). */
export interface LoadClient {
  send(spec: RequestSpec, worker: number): Promise<Sample>;
  close(): Promise<void>;
}

function openHttpClient(origin: string, connections: number): LoadClient {
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  return { send: (spec) => sendOnce(pool, spec), close: () => pool.close() };
}

async function sendOnce(pool: Pool, spec: RequestSpec): Promise<Sample> {
  const started = process.hrtime.bigint();
  try {
    const { statusCode, body } = await pool.request({
      path: spec.path,
      method: "POST",
      headers: spec.headers,
      body: spec.body,
    });
    body.setEncoding("utf8");
    let firstByte = 0n;
    let text = "";
    for await (const chunk of body) {
      if (firstByte === 0n) firstByte = process.hrtime.bigint();
      text += chunk;
    }
    const ended = process.hrtime.bigint();
    const ok = spec.isValid(statusCode, text);
    return {
      ok,
      totalMs: Number(ended - started) / 1e6,
      firstByteMs: Number((firstByte || ended) - started) / 1e6,
      error: ok ? undefined : `HTTP ${statusCode}: ${text.slice(0, 300)}`,
    };
  } catch (error) {
    return { ok: false, totalMs: 0, firstByteMs: 0, error: String(error) };
  }
}

export interface LoadOptions {
  connections: number;
  /** Stop starting requests after this long. */
  durationMs: number;
  /** ...or after this many, whichever comes first. */
  maxRequests?: number;
  /** Sent in turn (request i gets specs[i % length]), for mixed loads. */
  specs: RequestSpec[];
}

/** Runs `connections` closed loops over `client`; bounded by time and count. */
async function runOnClient(
  client: LoadClient,
  { connections, durationMs, maxRequests = Number.POSITIVE_INFINITY, specs }: LoadOptions,
): Promise<RawLoad> {
  const totals: number[] = [];
  const firstBytes: number[] = [];
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;

  async function worker(_: unknown, index: number): Promise<void> {
    while (started < maxRequests && performance.now() < deadline) {
      const spec = specs[started % specs.length];
      started += 1;
      const sample = await client.send(spec, index);
      if (!sample.ok) {
        errors += 1;
        firstError ??= sample.error;
        continue;
      }
      totals.push(sample.totalMs);
      firstBytes.push(sample.firstByteMs);
    }
  }

  await Promise.all(Array.from({ length: connections }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    totals,
    firstBytes,
    errors,
    firstError,
    elapsedMs: performance.now() - startedAt,
    cpuMicros: cpu.user + cpu.system,
  };
}

export interface RunOptions extends LoadOptions {
  warmupMs?: number;
  warmupRequests?: number;
  /** Called between the warm-up and the measured load (to start CPU meters and profilers). */
  beforeMeasured?: () => Promise<unknown>;
}

/**
 * Opens `connections` keep-alive connections (or graphql-ws sockets) to `origin`, runs `warmupMs` (or `warmupRequests`)
 * of unmeasured load over them, calls `beforeMeasured`, runs the measured load, then closes them.
 */
export async function runLoad(origin: string, options: RunOptions): Promise<RawLoad> {
  const client =
    options.specs[0].transport === "graphql-ws"
      ? await openGraphQLWebSocketClient(origin, options.connections, options.specs[0])
      : openHttpClient(origin, options.connections);
  try {
    const { warmupMs = 0, warmupRequests = 0 } = options;
    if (warmupMs > 0 || warmupRequests > 0) {
      await runOnClient(client, {
        ...options,
        durationMs: warmupMs || 60_000,
        maxRequests: warmupRequests || undefined,
      });
    }
    await options.beforeMeasured?.();
    return await runOnClient(client, options);
  } finally {
    await client.close();
  }
}
