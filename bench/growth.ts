import { format, type Check } from "./checks.ts";
import type { ServerProcess } from "./child-process.ts";
import type { Scenario, ScenarioResult } from "./measure.ts";
import { proseOfBytes, restRequest } from "./scenarios.ts";

/*
 * Issue 16's growth report: how the gateway's CPU per request and p99 move, against the bare
 * proxy's, as the load grows — connections 1 → 200, prompts up to 100 KB, and Redis mode.
 * Every point is a short throughput-only run (`--growth-seconds`), bare and REST in turn.
 * The verdicts are information ("no step grows faster than the work"), with these rules:
 * - connections: the REST / bare ratio of CPU per request (and of p99) at each point stays
 *   within `growthFactor` of its value at 50 connections;
 * - prompt size: the gateway's extra CPU over bare, per KB of prompt, from 25 KB to 100 KB is
 *   at most `growthFactor` × its per-KB cost from the short prompt to 25 KB (linear in the
 *   bytes: no step worse than linear). The first step is 25 KB, not less, so its cost stands
 *   well clear of the noise of a short run;
 * - Redis: REST with limits and budgets in Redis costs at most `growthFactor` × REST's CPU per
 *   request (both at 50 connections, from the main scenarios).
 */

export const growthConnections = [1, 10, 50, 100, 200];
/** Prompt sizes (bytes) besides the usual short one, at `promptConnections`. */
export const growthPromptBytes = [25_000, 100_000];
const promptConnections = 50;
export const growthFactor = 1.5;

const connectionsPoint = (target: string, connections: number) => `${target} @${connections}`;
const promptPoint = (target: string, bytes: number) =>
  `${target} ${bytes / 1000}KB @${promptConnections}`;

interface Targets {
  bare: ServerProcess;
  gateway: ServerProcess;
  upstream: ServerProcess;
  teamKey: string;
}

/** The growth points to measure: by connection count, by prompt size, or both. */
export function growthScenarios(
  { bare, gateway, upstream, teamKey }: Targets,
  { connections, prompt }: { connections: boolean; prompt: boolean },
): Scenario[] {
  const point = (
    target: "bare" | "rest",
    name: string,
    count: number,
    promptText?: string,
  ): Scenario => ({
    name,
    description: "",
    server: target === "bare" ? bare : gateway,
    upstream,
    spec: restRequest(
      target === "bare"
        ? { prompt: promptText }
        : { key: teamKey, gateway: true, prompt: promptText },
    ),
    connections: count,
    sequentialShare: 0,
  });
  const counts = [
    ...(connections ? growthConnections : []),
    // The prompt rule needs the short prompt's point at the same connections.
    ...(prompt && !connections ? [promptConnections] : []),
  ];
  return [
    ...counts.flatMap((count) =>
      (["bare", "rest"] as const).map((target) =>
        point(target, connectionsPoint(target, count), count),
      ),
    ),
    ...(prompt ? growthPromptBytes : []).flatMap((bytes) =>
      (["bare", "rest"] as const).map((target) =>
        point(target, promptPoint(target, bytes), promptConnections, proseOfBytes(bytes)),
      ),
    ),
  ];
}

const cpu = (result: ScenarioResult) => result.serverCpuMicrosPerRequest.throughput;
const p99 = (result: ScenarioResult) => result.throughput.total.p99Ms;

/** The largest ratio of `values` to `reference`, and where. */
function worst(values: Array<[string, number]>, reference: number): [string, number] {
  return values
    .map(([label, value]): [string, number] => [label, value / reference])
    .reduce((top, entry) => (entry[1] > top[1] ? entry : top));
}

function verdict(measured: number, where: string): string {
  if (!Number.isFinite(measured)) return "no verdict (too few points)";
  return measured <= growthFactor
    ? "no step grows faster than the work"
    : `grows faster than the work (${where})`;
}

/** The growth verdicts, from the growth points and (for Redis) the main scenarios. */
export function growthChecks(
  growth: Map<string, ScenarioResult>,
  results: Map<string, ScenarioResult>,
): Check[] {
  const checks: Check[] = [];
  const pair = (name: (target: string) => string) => {
    const bare = growth.get(name("bare"));
    const rest = growth.get(name("rest"));
    return bare && rest ? { bare, rest } : undefined;
  };
  const byConnections = growthConnections.flatMap((count) => {
    const found = pair((target) => connectionsPoint(target, count));
    return found ? [{ count, ...found }] : [];
  });
  const reference = byConnections.find((point) => point.count === promptConnections);
  if (byConnections.length > 1 && reference) {
    for (const [what, read] of [
      ["CPU per request", cpu],
      ["p99", p99],
    ] as const) {
      const ratios = byConnections.map(({ count, bare, rest }): [string, number] => [
        `@${count}`,
        read(rest) / read(bare),
      ]);
      const [where, measured] = worst(ratios, read(reference.rest) / read(reference.bare));
      checks.push({
        name: `growth ${growthConnections[0]}→${growthConnections[growthConnections.length - 1]} connections: ${what}, REST / bare vs at 50`,
        measured,
        unit: "×",
        target: `≤ ${growthFactor} (info)`,
        pass: measured <= growthFactor,
        info: true,
        detail: `${verdict(measured, where)}; REST / bare ${ratios.map(([label, ratio]) => `${label} ${format(ratio, 2)}`).join(", ")}`,
      });
    }
  }
  const short = pair((target) => connectionsPoint(target, promptConnections));
  const prompts = growthPromptBytes.map((bytes) => pair((target) => promptPoint(target, bytes)));
  if (short && prompts.every(Boolean)) {
    const [ten, hundred] = prompts as Array<{ bare: ScenarioResult; rest: ScenarioResult }>;
    const extra = (point: { bare: ScenarioResult; rest: ScenarioResult }) =>
      cpu(point.rest) - cpu(point.bare);
    const [small, large] = growthPromptBytes.map((bytes) => bytes / 1000);
    const firstStep = (extra(ten) - extra(short)) / small;
    const secondStep = (extra(hundred) - extra(ten)) / (large - small);
    const measured = firstStep > 0 ? secondStep / firstStep : NaN;
    checks.push({
      name: `growth with the prompt (to ${large} KB): gateway's extra CPU per KB, last step / first`,
      measured,
      unit: "×",
      target: `≤ ${growthFactor} (info)`,
      pass: Number.isFinite(measured) ? measured <= growthFactor : undefined,
      info: true,
      detail: `${firstStep > 0 ? verdict(measured, `${small}→${large} KB`) : "no verdict: the first step is within noise"}; REST − bare CPU ${format(extra(short), 0)} → ${format(extra(ten), 0)} → ${format(extra(hundred), 0)} µs/req (short, ${small} KB, ${large} KB): ${format(firstStep, 1)} then ${format(secondStep, 1)} µs/KB`,
    });
    checks.push({
      name: `p99 at ${promptConnections} connections, ${large} KB prompt, REST / bare`,
      measured: p99(hundred.rest) / p99(hundred.bare),
      unit: "×",
      target: "info",
      detail: `${format(p99(hundred.rest), 2)} vs ${format(p99(hundred.bare), 2)} ms; REST / bare p99 short ${format(p99(short.rest) / p99(short.bare), 2)}, ${small} KB ${format(p99(ten.rest) / p99(ten.bare), 2)}; CPU/request ${format(cpu(hundred.rest), 0)} vs ${format(cpu(hundred.bare), 0)} µs`,
    });
  }
  const rest = results.get("rest");
  const restRedis = results.get("rest-redis");
  if (rest && restRedis) {
    const measured = cpu(restRedis) / cpu(rest);
    const streams = [results.get("rest-stream"), results.get("rest-stream-redis")];
    checks.push({
      name: "growth in Redis mode: CPU per request, rest-redis / rest",
      measured,
      unit: "×",
      target: `≤ ${growthFactor} (info)`,
      pass: measured <= growthFactor,
      info: true,
      detail: `${verdict(measured, "Redis mode")}; ${format(cpu(restRedis), 0)} vs ${format(cpu(rest), 0)} µs, p99 ${format(p99(restRedis), 2)} vs ${format(p99(rest), 2)} ms${streams[0] && streams[1] ? `; streams ${format(cpu(streams[1]), 0)} vs ${format(cpu(streams[0]), 0)} µs` : ""}`,
    });
  }
  return checks;
}
