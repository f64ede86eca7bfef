import path from "node:path";
import type { ProcessStats, ServerProcess } from "./child-process.ts";
import {
  combine,
  runLoad,
  summarize,
  type LoadResult,
  type RawLoad,
  type RunOptions,
} from "./load.ts";
import type { RequestSpec } from "./scenarios.ts";

/** How hard and how long each scenario is driven. */
export interface Settings {
  /** Scenarios are measured in turn, this many times over, and each one's runs merged: slow drifts in background load then hit every scenario alike. */
  rounds: number;
  sequentialWarmup: number;
  /** Measured one-at-a-time requests per scenario, over all rounds. */
  sequentialRequests: number;
  connections: number;
  /** Warm-up at full concurrency before the first round (later rounds: a quarter of it). */
  warmupMs: number;
  /** Measured time at full concurrency per scenario, over all rounds. */
  durationMs: number;
  memoryRequests: number;
  memoryMs: number;
  memorySegments: number;
  /** When set, each scenario's server is CPU-profiled over its last round, into this folder. */
  profileDirectory?: string;
}

/** One target: a server process and the request sent to it. */
export interface Scenario {
  name: string;
  description: string;
  server: ServerProcess;
  spec: RequestSpec;
  /** The upstream it calls: its call counter must move by exactly one per request. */
  upstream?: ServerProcess;
  /** Connections in the throughput phase (default `settings.connections`). */
  connections?: number;
  /** Share of `settings.sequentialRequests` and of the warm-up sent one at a time (default 1): less for slow requests (paced or 1,000-chunk streams); 0 skips the sequential phase. */
  sequentialShare?: number;
  /** false: no throughput phase (scenarios only there for their first chunk). */
  throughput?: boolean;
}

export interface ScenarioResult {
  name: string;
  description: string;
  /** Connections in the throughput phase. */
  connections: number;
  sequential: LoadResult;
  throughput: LoadResult;
  /** CPU the server process spent per measured request (user + system), in microseconds. */
  serverCpuMicrosPerRequest: { sequential: number; throughput: number };
  /** The server's event-loop delay during the measured throughput load (worst round). */
  serverEventLoopDelay: { p99Ms: number; maxMs: number };
  /** The server process before the scenario's first round and after its last, each after a full GC. */
  serverMemory: { before: ProcessStats; after: ProcessStats };
  /** The .cpuprofile written for this scenario (with --profile). */
  profile?: string;
  /** Requests sent in the measured parts, and the calls the upstream answered meanwhile. */
  upstreamCalls?: UpstreamCalls;
}

export interface UpstreamCalls {
  requests: number;
  calls: number;
}

interface Progress {
  scenario: Scenario;
  sequential: RawLoad[];
  throughput: RawLoad[];
  cpu: { sequential: Meter; throughput: Meter };
  upstreamCalls: UpstreamCalls;
  before?: ProcessStats;
  after?: ProcessStats;
  profile?: string;
}

export interface Meter {
  micros: number;
  requests: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export const newMeter = (): Meter => ({
  micros: 0,
  requests: 0,
  loopDelayP99Ms: 0,
  loopDelayMaxMs: 0,
});

const upstreamCallCount = async (upstream: ServerProcess | undefined) =>
  upstream ? ((await upstream.stats()).extra?.upstreamCalls ?? NaN) : 0;

/**
 * Runs one bounded load with the server's CPU and event-loop delay metered over the measured
 * part only, and the upstream's calls counted over the same part.
 */
export async function metered(
  { server, upstream }: Pick<Scenario, "server" | "upstream">,
  options: RunOptions,
  meter: Meter,
  upstreamCalls: UpstreamCalls,
): Promise<RawLoad> {
  let before: ProcessStats | undefined;
  let callsBefore = 0;
  const load = await runLoad(server.url, {
    ...options,
    beforeMeasured: async () => {
      await options.beforeMeasured?.();
      callsBefore = await upstreamCallCount(upstream);
      before = await server.stats({ reset: true });
    },
  });
  const after = await server.stats();
  upstreamCalls.calls += (await upstreamCallCount(upstream)) - callsBefore;
  upstreamCalls.requests += load.totals.length + load.errors;
  meter.micros += after.cpuMicros - before!.cpuMicros;
  meter.requests += load.totals.length + load.errors;
  meter.loopDelayP99Ms = Math.max(meter.loopDelayP99Ms, after.eventLoopDelay.p99Ms);
  meter.loopDelayMaxMs = Math.max(meter.loopDelayMaxMs, after.eventLoopDelay.maxMs);
  return load;
}

/** Sequential latency, then throughput at `connections`, for every scenario, round after round. */
export async function measureScenarios(
  scenarios: Scenario[],
  settings: Settings,
  log: (line: string) => void,
): Promise<ScenarioResult[]> {
  const progress: Progress[] = scenarios.map((scenario) => ({
    scenario,
    sequential: [],
    throughput: [],
    cpu: { sequential: newMeter(), throughput: newMeter() },
    upstreamCalls: { requests: 0, calls: 0 },
  }));
  const durationPerRound = settings.durationMs / settings.rounds;
  for (let round = 0; round < settings.rounds; round += 1) {
    const isFirst = round === 0;
    const isLast = round === settings.rounds - 1;
    for (const entry of progress) {
      const { scenario } = entry;
      const { server, spec, name, sequentialShare = 1 } = scenario;
      const connections = scenario.connections ?? settings.connections;
      if (isFirst) entry.before = await server.stats({ gc: true });
      const profile =
        isLast && settings.profileDirectory
          ? path.join(settings.profileDirectory, `${name}.cpuprofile`)
          : undefined;
      // The profiler starts after the first measured phase's warm-up.
      let startProfile = async () => {
        if (profile) await server.profile();
        startProfile = async () => {};
      };
      const share = (count: number) => Math.max(1, Math.round(count * sequentialShare));
      const measures: string[] = [];
      const failures: RawLoad[] = [];
      if (sequentialShare > 0) {
        const sequential = await metered(
          scenario,
          {
            connections: 1,
            durationMs: 120_000,
            maxRequests: share(Math.ceil(settings.sequentialRequests / settings.rounds)),
            warmupRequests: share(isFirst ? settings.sequentialWarmup : 50),
            specs: [spec],
            beforeMeasured: () => startProfile(),
          },
          entry.cpu.sequential,
          entry.upstreamCalls,
        );
        entry.sequential.push(sequential);
        failures.push(sequential);
        measures.push(`seq p50 ${summarize(sequential.totals).p50Ms.toFixed(3)} ms`);
      }
      if (scenario.throughput !== false) {
        const throughput = await metered(
          scenario,
          {
            connections,
            durationMs: durationPerRound,
            warmupMs: isFirst ? settings.warmupMs : settings.warmupMs / 4,
            specs: [spec],
            beforeMeasured: () => startProfile(),
          },
          entry.cpu.throughput,
          entry.upstreamCalls,
        );
        entry.throughput.push(throughput);
        failures.push(throughput);
        measures.push(
          `${((throughput.totals.length * 1000) / throughput.elapsedMs).toFixed(0)} req/s @${connections}`,
        );
      }
      if (profile) await server.profile(profile);
      entry.profile ??= profile;
      if (isLast) entry.after = await server.stats({ gc: true });
      let line = `round ${round + 1}/${settings.rounds} ${name.padEnd(24)} ${measures.join(", ")}`;
      const failed = failures.reduce((sum, load) => sum + load.errors, 0);
      if (failed > 0)
        line += `  ! ${failed} failed: ${failures.find((load) => load.firstError)?.firstError}`;
      log(line);
    }
  }
  return progress.map(
    ({ scenario, sequential, throughput, cpu, upstreamCalls, before, after, profile }) => ({
      name: scenario.name,
      description: scenario.description,
      connections: scenario.connections ?? settings.connections,
      sequential: combine(sequential),
      throughput: combine(throughput),
      serverCpuMicrosPerRequest: {
        sequential: cpu.sequential.micros / cpu.sequential.requests,
        throughput: cpu.throughput.micros / cpu.throughput.requests,
      },
      serverEventLoopDelay: {
        p99Ms: cpu.throughput.loopDelayP99Ms,
        maxMs: cpu.throughput.loopDelayMaxMs,
      },
      serverMemory: { before: before!, after: after! },
      profile,
      upstreamCalls: scenario.upstream ? upstreamCalls : undefined,
    }),
  );
}

export interface MemoryResult {
  description: string;
  requests: number;
  errors: number;
  firstError?: string;
  /** Wall time, including the pauses to drain the log queue and collect garbage between segments. */
  elapsedMs: number;
  /** Time under load only. */
  loadMs: number;
  /** Server stats after its log queue drained and a full GC: before the run, then after each segment. */
  samples: Array<{ afterRequests: number; stats: ProcessStats }>;
  /** Requests sent after the warm-up, and the calls the upstream answered meanwhile. */
  upstreamCalls?: UpstreamCalls;
}

/**
 * The server's memory once its log queue has drained (up to 15 s), after a full GC: entries
 * waiting to be written are live objects, not a leak.
 */
async function settledStats(server: ServerProcess): Promise<ProcessStats> {
  const giveUpAt = performance.now() + 15_000;
  while (((await server.stats()).extra?.pendingLogs ?? 0) > 0 && performance.now() < giveUpAt) {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  // An empty queue can still mean a batch being written: give it time to finish.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return server.stats({ gc: true });
}

/**
 * Drives a mix of requests at the gateway until `memoryRequests` are done or `memoryMs` has
 * passed, in segments, sampling the process's memory (after a full GC) between them.
 */
export async function measureMemory(
  { server, upstream }: Pick<Scenario, "server" | "upstream">,
  specs: RequestSpec[],
  description: string,
  settings: Settings,
): Promise<MemoryResult> {
  // The baseline is a warm process (code compiled, lazy modules loaded), not a cold one.
  await runLoad(server.url, {
    connections: settings.connections,
    durationMs: 10_000,
    maxRequests: 3_000,
    specs,
  });
  const samples = [{ afterRequests: 0, stats: await settledStats(server) }];
  const callsBefore = await upstreamCallCount(upstream);
  const startedAt = performance.now();
  let loadMs = 0;
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  // Each segment is bounded by its share of both the requests and the time, so the samples are evenly spaced.
  for (
    let segment = 0;
    segment < settings.memorySegments && requests + errors < settings.memoryRequests;
    segment += 1
  ) {
    const result = await runLoad(server.url, {
      connections: settings.connections,
      durationMs: settings.memoryMs / settings.memorySegments,
      maxRequests: Math.min(
        Math.ceil(settings.memoryRequests / settings.memorySegments),
        settings.memoryRequests - requests - errors,
      ),
      specs,
    });
    loadMs += result.elapsedMs;
    requests += result.totals.length;
    errors += result.errors;
    firstError ??= result.firstError;
    samples.push({ afterRequests: requests + errors, stats: await settledStats(server) });
  }
  const calls = (await upstreamCallCount(upstream)) - callsBefore;
  return {
    description,
    requests,
    errors,
    firstError,
    elapsedMs: performance.now() - startedAt,
    loadMs,
    samples,
    upstreamCalls: upstream ? { requests: requests + errors, calls } : undefined,
  };
}
