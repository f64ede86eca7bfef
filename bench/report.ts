import type { MemoryResult, ScenarioResult } from "./measure.ts";

/** One DESIGN §8 target, as measured. */
export interface Check {
  name: string;
  measured: number;
  unit: string;
  target: string;
  /** undefined when the check is information only. */
  pass?: boolean;
  detail: string;
}

const mebibyte = 1024 * 1024;
const format = (value: number, digits = 3) =>
  Number.isFinite(value) ? value.toFixed(digits) : "n/a";

/** The ratios DESIGN §8 asks for, from whichever scenarios ran. */
export function computeChecks(
  results: Map<string, ScenarioResult>,
  memory: MemoryResult | undefined,
  connections: number,
): Check[] {
  const checks: Check[] = [];
  const direct = results.get("direct");
  const bare = results.get("bare");
  const rest = results.get("rest");
  const graphql = results.get("graphql");
  const bareStream = results.get("bare-stream");
  const restStream = results.get("rest-stream");

  if (bare && rest) {
    const bareMean = bare.sequential.total.meanMs;
    const restMean = rest.sequential.total.meanMs;
    checks.push({
      name: "sequential latency, REST / bare (mean)",
      measured: restMean / bareMean,
      unit: "×",
      target: "≤ 2",
      pass: restMean / bareMean <= 2,
      detail: `${format(restMean)} vs ${format(bareMean)} ms: +${format(restMean - bareMean)} ms added by the gateway`,
    });
    const p50Ratio = rest.sequential.total.p50Ms / bare.sequential.total.p50Ms;
    checks.push({
      name: "sequential latency, REST / bare (p50)",
      measured: p50Ratio,
      unit: "×",
      target: "info",
      detail: `${format(rest.sequential.total.p50Ms)} vs ${format(bare.sequential.total.p50Ms)} ms`,
    });
    if (direct) {
      const bareAdded = bareMean - direct.sequential.total.meanMs;
      const restAdded = restMean - direct.sequential.total.meanMs;
      checks.push({
        name: "latency added over a direct call, REST / bare",
        measured: restAdded / bareAdded,
        unit: "×",
        target: "info",
        detail: `bare proxy adds ${format(bareAdded)} ms, Switchboard REST adds ${format(restAdded)} ms to ${format(direct.sequential.total.meanMs)} ms direct`,
      });
    }
    const throughputRatio = rest.throughput.requestsPerSecond / bare.throughput.requestsPerSecond;
    checks.push({
      name: `throughput at ${connections} connections, REST / bare`,
      measured: throughputRatio,
      unit: "×",
      target: "≥ 0.6",
      pass: throughputRatio >= 0.6,
      detail: `${format(rest.throughput.requestsPerSecond, 0)} vs ${format(bare.throughput.requestsPerSecond, 0)} req/s`,
    });
    const p99Ratio = rest.throughput.total.p99Ms / bare.throughput.total.p99Ms;
    checks.push({
      name: "p99 latency under load, REST / bare",
      measured: p99Ratio,
      unit: "×",
      target: "≤ 1.5",
      pass: p99Ratio <= 1.5,
      detail: `${format(rest.throughput.total.p99Ms)} vs ${format(bare.throughput.total.p99Ms)} ms`,
    });
    const cpuRatio =
      rest.serverCpuMicrosPerRequest.throughput / bare.serverCpuMicrosPerRequest.throughput;
    checks.push({
      name: "server CPU per request under load, REST / bare",
      measured: cpuRatio,
      unit: "×",
      target: "info",
      detail: `${format(rest.serverCpuMicrosPerRequest.throughput, 0)} vs ${format(bare.serverCpuMicrosPerRequest.throughput, 0)} µs`,
    });
  }
  if (bareStream && restStream) {
    const difference =
      restStream.sequential.firstByte.meanMs - bareStream.sequential.firstByte.meanMs;
    checks.push({
      name: "streaming time to first chunk, REST − bare (mean)",
      measured: difference,
      unit: "ms",
      target: "≤ 1",
      pass: difference <= 1,
      detail: `${format(restStream.sequential.firstByte.meanMs)} vs ${format(bareStream.sequential.firstByte.meanMs)} ms; p50 ${format(restStream.sequential.firstByte.p50Ms)} vs ${format(bareStream.sequential.firstByte.p50Ms)}, p99 ${format(restStream.sequential.firstByte.p99Ms)} vs ${format(bareStream.sequential.firstByte.p99Ms)}`,
    });
    const loaded = restStream.throughput.firstByte.p99Ms - bareStream.throughput.firstByte.p99Ms;
    checks.push({
      name: "streaming time to first chunk under load, REST − bare (p99)",
      measured: loaded,
      unit: "ms",
      target: "info",
      detail: `${format(restStream.throughput.firstByte.p99Ms)} vs ${format(bareStream.throughput.firstByte.p99Ms)} ms; streams/s ${format(restStream.throughput.requestsPerSecond, 0)} vs ${format(bareStream.throughput.requestsPerSecond, 0)}`,
    });
  }
  if (bare && rest && graphql) {
    const restOverhead = rest.sequential.total.meanMs - bare.sequential.total.meanMs;
    const graphqlOverhead = graphql.sequential.total.meanMs - bare.sequential.total.meanMs;
    const ratio = graphqlOverhead / restOverhead;
    checks.push({
      name: "overhead over bare, GraphQL / REST (sequential mean)",
      measured: ratio,
      unit: "×",
      target: "≤ 1.5",
      pass: ratio <= 1.5,
      detail: `GraphQL adds ${format(graphqlOverhead)} ms, REST ${format(restOverhead)} ms`,
    });
    const throughputRatio =
      graphql.throughput.requestsPerSecond / rest.throughput.requestsPerSecond;
    checks.push({
      name: "throughput, GraphQL / REST",
      measured: throughputRatio,
      unit: "×",
      target: "info",
      detail: `${format(graphql.throughput.requestsPerSecond, 0)} vs ${format(rest.throughput.requestsPerSecond, 0)} req/s`,
    });
  }
  if (memory && memory.samples.length > 2) {
    const first = memory.samples[0].stats;
    const last = memory.samples[memory.samples.length - 1].stats;
    const handled = memory.samples[memory.samples.length - 1].afterRequests;
    // Heap after GC still moves by several MiB between samples (caches, sockets closing, a batch
    // being written), so one sample against another says little. A leak raises the floor: compare
    // the lowest sample of the second half with the lowest of the first. The slope is shown too.
    const heaps = memory.samples.map((sample) => sample.stats.heapUsed);
    const half = Math.ceil(heaps.length / 2);
    const floorGrowth =
      (Math.min(...heaps.slice(half)) - Math.min(...heaps.slice(0, half))) / mebibyte;
    const perHundredThousand =
      (slope(memory.samples.map((sample) => [sample.afterRequests, sample.stats.heapUsed])) *
        100_000) /
      mebibyte;
    const shown = heaps.map((heap) => format(heap / mebibyte, 0)).join(" → ");
    checks.push({
      name: `gateway heap floor growth over ${handled} requests (after GC)`,
      measured: floorGrowth,
      unit: "MiB",
      target: "≤ 5 (flat)",
      pass: floorGrowth <= 5,
      detail: `samples ${shown} MiB; trend ${format(perHundredThousand, 1)} MiB/100k; first → last ${format((last.heapUsed - first.heapUsed) / mebibyte, 1)} MiB`,
    });
    checks.push({
      name: `gateway RSS over ${handled} requests`,
      measured: (last.rss - first.rss) / mebibyte,
      unit: "MiB",
      target: "info",
      detail: `samples ${memory.samples.map((sample) => format(sample.stats.rss / mebibyte, 0)).join(" → ")} MiB`,
    });
  }
  // A ratio over failed requests means nothing: say so instead of passing or missing.
  const failed = [...results.values()]
    .filter((result) => result.sequential.errors + result.throughput.errors > 0)
    .map((result) => result.name);
  if (memory && memory.errors > 0) failed.push("memory");
  if (failed.length > 0)
    checks.push({
      name: "failed requests (results above are suspect)",
      measured: failed.length,
      unit: "scenarios",
      target: "0",
      pass: false,
      detail: failed.join(", "),
    });
  return checks;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]),
      )
      .join("  ");
  return [
    line(header),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...rows.map(line),
  ].join("\n");
}

/** The per-scenario table and the checks, as text. */
export function renderReport(
  results: ScenarioResult[],
  checks: Check[],
  memory: MemoryResult | undefined,
  connections: number,
): string {
  const scenarioRows = results.map((result) => [
    result.name,
    format(result.sequential.total.meanMs),
    format(result.sequential.total.p50Ms),
    format(result.sequential.total.p99Ms),
    format(result.sequential.firstByte.p50Ms),
    format(result.throughput.requestsPerSecond, 0),
    result.throughput.runsRequestsPerSecond.length > 1
      ? `${format(Math.min(...result.throughput.runsRequestsPerSecond), 0)}–${format(Math.max(...result.throughput.runsRequestsPerSecond), 0)}`
      : "",
    format(result.throughput.total.p50Ms, 2),
    format(result.throughput.total.p99Ms, 2),
    format(result.throughput.firstByte.p99Ms, 2),
    format(result.serverCpuMicrosPerRequest.sequential, 0),
    format(result.serverCpuMicrosPerRequest.throughput, 0),
    `${format(result.serverEventLoopDelay.p99Ms, 1)} / ${format(result.serverEventLoopDelay.maxMs, 0)}`,
    format(result.throughput.loadGeneratorCpu, 2),
    String(result.sequential.errors + result.throughput.errors),
  ]);
  const header = [
    "scenario",
    "seq mean",
    "seq p50",
    "seq p99",
    "seq TTFB p50",
    `req/s @${connections}`,
    "rounds' req/s",
    "p50 @load",
    "p99 @load",
    "TTFB p99 @load",
    "cpu µs/req seq",
    "cpu µs/req load",
    "loop delay p99/max",
    "loadgen cpu",
    "errors",
  ];
  const checkRows = checks.map((check) => [
    check.name,
    `${format(check.measured, check.unit.startsWith("MiB") ? 1 : 2)} ${check.unit}`,
    check.target,
    check.pass === undefined ? "" : check.pass ? "PASS" : "MISS",
    check.detail,
  ]);
  const parts = [
    "Latencies in ms. seq = one request at a time; @load = " +
      connections +
      " connections; TTFB = first body byte (first SSE chunk for streams).",
    table(header, scenarioRows),
    "",
    table(["DESIGN §8", "measured", "target", "", "detail"], checkRows),
  ];
  if (memory) {
    parts.push(
      "",
      `memory phase: ${memory.description}; ${memory.requests} ok, ${memory.errors} errors in ${format(memory.loadMs / 1000, 1)} s under load (${format(memory.elapsedMs / 1000, 1)} s with the pauses to drain logs and collect garbage)`,
    );
    const rows = memory.samples.map(({ afterRequests, stats }) => [
      String(afterRequests),
      format(stats.rss / mebibyte, 1),
      format(stats.heapUsed / mebibyte, 1),
      format(stats.heapTotal / mebibyte, 1),
      format(stats.external / mebibyte, 1),
      String(stats.extra?.pendingLogs ?? ""),
    ]);
    parts.push(
      table(
        [
          "after requests",
          "rss MiB",
          "heapUsed MiB",
          "heapTotal MiB",
          "external MiB",
          "logs queued",
        ],
        rows,
      ),
    );
  }
  const errors = results.filter(
    (result) => result.sequential.firstError || result.throughput.firstError,
  );
  for (const result of errors)
    parts.push(`! ${result.name}: ${result.sequential.firstError ?? result.throughput.firstError}`);
  if (memory?.firstError) parts.push(`! memory phase: ${memory.firstError}`);
  return parts.join("\n");
}
