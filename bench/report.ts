import { format, mebibyte, type Check } from "./checks.ts";
import type { MemoryResult, ScenarioResult } from "./measure.ts";
import type { StartupResult } from "./startup.ts";

/* The report as text: the scenarios, the growth points, the checks, the memory samples. */

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

const errorsOf = (result: ScenarioResult) => result.sequential.errors + result.throughput.errors;

/** Growth points: throughput only, one row each. */
function growthTable(growth: ScenarioResult[]): string {
  return table(
    ["growth point", "conns", "req/s", "p50", "p99", "cpu µs/req", "loop delay p99/max", "errors"],
    growth.map((result) => [
      result.name,
      String(result.connections),
      format(result.throughput.requestsPerSecond, 0),
      format(result.throughput.total.p50Ms, 2),
      format(result.throughput.total.p99Ms, 2),
      format(result.serverCpuMicrosPerRequest.throughput, 0),
      `${format(result.serverEventLoopDelay.p99Ms, 1)} / ${format(result.serverEventLoopDelay.maxMs, 0)}`,
      String(errorsOf(result)),
    ]),
  );
}

export interface Report {
  results: ScenarioResult[];
  growth: ScenarioResult[];
  checks: Check[];
  memory?: MemoryResult;
  startup?: StartupResult;
}

/** The per-scenario table, the growth points and the checks, as text. */
export function renderReport({ results, growth, checks, memory, startup }: Report): string {
  const underLoad = (result: ScenarioResult) => result.throughput.runsRequestsPerSecond.length > 0;
  const scenarioRows = results.map((result) => [
    result.name,
    underLoad(result) ? String(result.connections) : "-",
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
    underLoad(result)
      ? `${format(result.serverEventLoopDelay.p99Ms, 1)} / ${format(result.serverEventLoopDelay.maxMs, 0)}`
      : "n/a",
    format(result.throughput.loadGeneratorCpu, 2),
    String(errorsOf(result)),
  ]);
  const header = [
    "scenario",
    "conns",
    "seq mean",
    "seq p50",
    "seq p99",
    "seq TTFB p50",
    "req/s @load",
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
    `${Number.isInteger(check.measured) && !/^(×|ms|MB|MiB|%)$/.test(check.unit) ? check.measured : format(check.measured, Math.abs(check.measured) >= 100 ? 0 : 2)} ${check.unit}`.trim(),
    check.target,
    (check.pass === undefined ? "" : check.pass ? "PASS" : "MISS") +
      (check.info && check.pass !== undefined ? " (info)" : ""),
    check.detail,
  ]);
  const parts = [
    "Latencies in ms. seq = one request at a time; @load = `conns` connections in closed loops; " +
      "TTFB = first body byte (first SSE chunk for streams, first `next` for graphql-ws); n/a = phase not run.",
    ...(scenarioRows.length > 0 ? [table(header, scenarioRows)] : ["(no scenarios selected)"]),
  ];
  if (growth.length > 0)
    parts.push("", "Growth points (throughput only, short runs):", growthTable(growth));
  if (startup)
    parts.push(
      "",
      `start-up (spawn → /ready 200): fresh database ${startup.freshDatabaseMs.map((ms) => format(ms, 0)).join(", ")} ms; existing database ${startup.existingDatabaseMs.map((ms) => format(ms, 0)).join(", ")} ms`,
    );
  parts.push(
    "",
    table(["DESIGN §8 and issue 16", "measured", "target", "", "detail"], checkRows),
    "(info) = a verdict reported, not a target to meet; info in the target column = no verdict.",
  );
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
  const errors = [...results, ...growth].filter(
    (result) => result.sequential.firstError || result.throughput.firstError,
  );
  for (const result of errors)
    parts.push(`! ${result.name}: ${result.sequential.firstError ?? result.throughput.firstError}`);
  if (memory?.firstError) parts.push(`! memory phase: ${memory.firstError}`);
  return parts.join("\n");
}
