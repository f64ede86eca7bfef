import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { startRedis, type RedisServer } from "../scripts/temporary-redis.ts";
import { serverNodeFlags } from "../server/server-v8-flags.ts";
import { spawnServer, type ServerProcess } from "./child-process.ts";
import { computeChecks, integrityChecks } from "./checks.ts";
import { growthChecks, growthScenarios } from "./growth.ts";
import {
  measureMemory,
  measureScenarios,
  type MemoryResult,
  type Scenario,
  type ScenarioResult,
  type Settings,
} from "./measure.ts";
import { summarizeProfile } from "./profile-summary.ts";
import { renderReport } from "./report.ts";
import {
  graphqlRequest,
  graphqlStreamSubscription,
  manyChunks,
  pacedFrameMs,
  restRequest,
  streamRequest,
} from "./scenarios.ts";
import { measureStartup, type StartupResult } from "./startup.ts";

/*
 * `npm run bench`: Switchboard against a bare Node reverse proxy, in one run on one machine,
 * against a zero-latency local upstream (DESIGN §8). See bench/README.md for what each number means.
 */

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    sequential: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    "memory-requests": { type: "string" },
    "memory-seconds": { type: "string" },
    "growth-seconds": { type: "string" },
    starts: { type: "string" },
    "fresh-starts": { type: "string" },
    scenarios: { type: "string" },
    profile: { type: "boolean", default: false },
    output: { type: "string", default: "bench/results/latest.json" },
  },
});

const quick = flags.quick === true;
function number(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new Error(`expected a number ≥ 0, got '${value}'`);
  return parsed;
}
const benchStartedAt = performance.now();
const settings: Settings & { growthMs: number; starts: number; freshStarts: number } = {
  rounds: Math.max(1, Math.round(number(flags.rounds, quick ? 1 : 3))),
  sequentialWarmup: quick ? 200 : 500,
  sequentialRequests: number(flags.sequential, quick ? 300 : 2_000),
  connections: number(flags.connections, 50),
  warmupMs: quick ? 500 : 2_000,
  durationMs: number(flags.duration, quick ? 2 : 10) * 1000,
  memoryRequests: number(flags["memory-requests"], quick ? 5_000 : 100_000),
  memoryMs: number(flags["memory-seconds"], quick ? 10 : 120) * 1000,
  memorySegments: 6,
  growthMs: number(flags["growth-seconds"], quick ? 1 : 3) * 1000,
  starts: Math.round(number(flags.starts, quick ? 2 : 5)),
  freshStarts: Math.round(number(flags["fresh-starts"], quick ? 1 : 3)),
  profileDirectory: flags.profile ? "bench/results/profiles" : undefined,
};
const selected = flags.scenarios?.split(",").map((name) => name.trim());
const known = [
  ...["direct", "bare", "rest", "graphql", "direct-stream", "bare-stream", "rest-stream"],
  ...["bare-stream-paced", "rest-stream-paced", "graphql-ws-stream-paced"],
  ...["bare-stream-1000", "rest-stream-1000", "rest-redis", "rest-stream-redis"],
  ...["growth", "growth-connections", "growth-prompt", "memory", "startup"],
];
const unknown = selected?.filter((name) => !known.includes(name)) ?? [];
if (unknown.length > 0)
  throw new Error(`unknown --scenarios ${unknown.join(", ")}; known: ${known.join(", ")}`);
/** A scenario or phase by name; `growth` selects both growth phases. */
const wanted = (name: string) =>
  !selected ||
  selected.includes(name) ||
  (name.startsWith("growth-") && selected.includes("growth"));
/** Issue 16 measures streams/s at 10 connections (non-stream throughput stays at --connections). */
const streamConnections = 10;
/** Paced streams last ~15–20 ms: fewer of them, one at a time, for the first chunk only. */
const pacedPhases = { sequentialShare: 0.1, throughput: false } as const;
/** A 1,000-chunk stream costs tens of ms of CPU: fewer sequential, streams/s at 10 connections. */
const manyChunksPhases = { sequentialShare: 0.05, connections: streamConnections } as const;

const masterKey = "sk-bench-master-key";
const servers: ServerProcess[] = [];
let redis: RedisServer | undefined;
const stopAll = () =>
  Promise.allSettled(
    servers
      .splice(0)
      .reverse()
      .map((server) => server.stop()),
  ).then(() => redis?.stop());
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

try {
  const upstream = await spawnServer("upstream", "./serve-upstream.ts", [], { runtime: "tsx" });
  servers.push(upstream);
  const bare = await spawnServer("bare proxy", "./serve-bare-proxy.ts", [upstream.url]);
  servers.push(bare);
  const gateway = await spawnGateway("gateway", [upstream.url, masterKey]);
  servers.push(gateway);
  // DESIGN §8 measures the gateway with auth, limits and budgets on: callers use a team key.
  const teamKey = await createBenchTeamKey(gateway.url, masterKey);
  if (settings.profileDirectory) mkdirSync(settings.profileDirectory, { recursive: true });
  // The same gateway with limits and budgets in Redis (a real redis-server on this machine).
  let redisGateway: ServerProcess | undefined;
  let redisTeamKey = "";
  if (wanted("rest-redis") || wanted("rest-stream-redis")) {
    redis = await startRedis();
    redisGateway = await spawnGateway("gateway (Redis)", [upstream.url, masterKey, redis.url]);
    servers.push(redisGateway);
    redisTeamKey = await createBenchTeamKey(redisGateway.url, masterKey);
  }

  const viaGateway = { key: teamKey, gateway: true };
  const scenarios: Scenario[] = [
    {
      name: "direct",
      description: "the upstream itself, no proxy (context: the network + upstream floor)",
      server: upstream,
      spec: restRequest(),
    },
    {
      name: "bare",
      description: "bare Node reverse proxy (node:http + undici pool), non-stream",
      server: bare,
      spec: restRequest({ key: masterKey }),
    },
    {
      name: "rest",
      description: "Switchboard POST /v1/chat/completions, team key (limits + budget) + logging on",
      server: gateway,
      spec: restRequest(viaGateway),
    },
    {
      name: "graphql",
      description: "Switchboard createChatCompletion mutation over POST /graphql, team key",
      server: gateway,
      spec: graphqlRequest(teamKey),
    },
    {
      name: "direct-stream",
      description:
        "the upstream itself, stream: true (context for the first chunk: sequential only)",
      server: upstream,
      spec: streamRequest(),
      throughput: false,
    },
    {
      name: "bare-stream",
      description: "bare proxy, stream: true (piped)",
      server: bare,
      spec: streamRequest({ key: masterKey }),
      connections: streamConnections,
    },
    {
      name: "rest-stream",
      description: "Switchboard POST /v1/chat/completions, stream: true, team key",
      server: gateway,
      spec: streamRequest(viaGateway),
      connections: streamConnections,
    },
    {
      name: "bare-stream-paced",
      description: `bare proxy, stream from the paced upstream (a frame every ${pacedFrameMs} ms), first chunk only`,
      server: bare,
      spec: streamRequest({ key: masterKey, mode: "paced" }),
      ...pacedPhases,
    },
    {
      name: "rest-stream-paced",
      description: "Switchboard REST stream from the paced upstream, first chunk only",
      server: gateway,
      spec: streamRequest({ ...viaGateway, mode: "paced" }),
      ...pacedPhases,
    },
    {
      name: "graphql-ws-stream-paced",
      description:
        "Switchboard chatCompletionStream subscription over graphql-ws (open, acked socket), paced upstream",
      server: gateway,
      spec: graphqlStreamSubscription(teamKey, "paced"),
      ...pacedPhases,
    },
    {
      name: "bare-stream-1000",
      description: `bare proxy, stream of ${manyChunks} content-delta chunks`,
      server: bare,
      spec: streamRequest({ key: masterKey, mode: "manyChunks" }),
      ...manyChunksPhases,
    },
    {
      name: "rest-stream-1000",
      description: `Switchboard REST stream of ${manyChunks} content-delta chunks, team key`,
      server: gateway,
      spec: streamRequest({ ...viaGateway, mode: "manyChunks" }),
      ...manyChunksPhases,
    },
    ...(redisGateway
      ? [
          {
            name: "rest-redis",
            description: "as rest, with limits and budgets shared through Redis",
            server: redisGateway,
            spec: restRequest({ key: redisTeamKey, gateway: true }),
          },
          {
            name: "rest-stream-redis",
            description: "as rest-stream, with limits and budgets shared through Redis",
            server: redisGateway,
            spec: streamRequest({ key: redisTeamKey, gateway: true }),
            connections: streamConnections,
          },
        ]
      : []),
  ]
    .filter((scenario) => wanted(scenario.name))
    .map((scenario) => ({ ...scenario, upstream }));
  const growthPoints = growthScenarios(
    { bare, gateway, upstream, teamKey },
    { connections: wanted("growth-connections"), prompt: wanted("growth-prompt") },
  );

  console.log(
    `Switchboard bench: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
  );
  console.log(`settings: ${JSON.stringify(settings)}`);
  const loadBefore = loadavg()[0];
  // The servers and the load generator share 2 cores: anything else running skews every number.
  if (loadBefore > 0.5)
    console.log(
      `! load average is ${loadBefore.toFixed(2)} before starting: other processes are busy, expect noise`,
    );
  const log = (line: string) => console.log(`  ${line}`);
  for (const scenario of scenarios) console.log(`- ${scenario.name}: ${scenario.description}`);
  const measured = await measureScenarios(scenarios, settings, log);
  const results = new Map<string, ScenarioResult>(measured.map((result) => [result.name, result]));

  let growth: ScenarioResult[] = [];
  if (growthPoints.length > 0) {
    console.log(
      `- growth: bare and REST, throughput only, ${settings.growthMs / 1000} s per point: ${growthPoints.map((point) => point.name).join(", ")}`,
    );
    growth = await measureScenarios(
      growthPoints,
      {
        ...settings,
        rounds: 1,
        durationMs: settings.growthMs,
        warmupMs: Math.min(settings.warmupMs, 500),
        profileDirectory: undefined,
      },
      log,
    );
  }

  let memory: MemoryResult | undefined;
  if (wanted("memory") && settings.memoryRequests > 0) {
    // A gateway of its own: the RSS read is what the mixed requests leave, not the high-water
    // mark of the 100 KB prompts and 1,000-chunk streams measured before.
    const memoryGateway = await spawnGateway("gateway (memory phase)", [upstream.url, masterKey]);
    servers.push(memoryGateway);
    const memoryKey = await createBenchTeamKey(memoryGateway.url, masterKey);
    const description = `a freshly started gateway, REST / GraphQL / REST-stream in turn at ${settings.connections} connections, up to ${settings.memoryRequests} requests or ${settings.memoryMs / 1000} s`;
    process.stdout.write(`- memory: ${description} ... `);
    memory = await measureMemory(
      { server: memoryGateway, upstream },
      [
        restRequest({ key: memoryKey, gateway: true }),
        graphqlRequest(memoryKey),
        streamRequest({ key: memoryKey, gateway: true }),
      ],
      description,
      settings,
    );
    console.log(`${memory.requests} requests in ${(memory.loadMs / 1000).toFixed(1)} s under load`);
    await memoryGateway.stop();
  }

  let startup: StartupResult | undefined;
  if (wanted("startup") && settings.starts + settings.freshStarts > 0) {
    process.stdout.write(
      `- startup: node bin/switchboard.mjs until GET /ready is 200, ${settings.freshStarts} starts on a fresh SQLite database, ${settings.starts} on an existing one ... `,
    );
    startup = await measureStartup(upstream.url, settings);
    console.log("done");
  }

  const checks = [
    ...computeChecks(results, memory, startup),
    ...growthChecks(new Map(growth.map((result) => [result.name, result])), results),
    ...integrityChecks([
      ...[...results.values(), ...growth].map((result) => ({
        name: result.name,
        errors: result.sequential.errors + result.throughput.errors,
        firstError: result.sequential.firstError ?? result.throughput.firstError,
        upstreamCalls: result.upstreamCalls,
      })),
      ...(memory ? [{ name: "memory", ...memory }] : []),
    ]),
  ];
  console.log(
    `\n${renderReport({ results: [...results.values()], growth, checks, memory, startup })}`,
  );
  const repositoryRoot = new URL("..", import.meta.url).pathname;
  for (const result of results.values()) {
    if (result.profile)
      console.log(
        `\nCPU profile, ${result.name}:\n${summarizeProfile(result.profile, repositoryRoot).join("\n")}`,
      );
  }

  const output = flags.output!;
  mkdirSync(output.replace(/[^/]*$/, "") || ".", { recursive: true });
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    totalMemoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: loadBefore,
    loadAverageAtEnd: loadavg()[0],
  };
  writeFileSync(
    output,
    `${JSON.stringify({ date: new Date().toISOString(), machine, settings, checks, scenarios: [...results.values()], growth, memory, startup }, null, 2)}\n`,
  );
  console.log(
    `\nwrote ${output} after ${((performance.now() - benchStartedAt) / 1000).toFixed(0)} s${settings.profileDirectory ? `; CPU profiles in ${settings.profileDirectory}/` : ""}`,
  );
} finally {
  await stopAll();
}

/**
 * A team with rate limits and a budget far above what the bench spends, and a key of it: every
 * gateway request then pays for key lookup, three limit scopes and a budget reservation.
 */
async function createBenchTeamKey(gatewayUrl: string, adminKey: string): Promise<string> {
  const call = async (query: string) => {
    const response = await fetch(`${gatewayUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}` },
      body: JSON.stringify({ query }),
    });
    const { data, errors } = (await response.json()) as { data?: any; errors?: unknown };
    if (!data) throw new Error(`bench setup failed: ${JSON.stringify(errors)}`);
    return data;
  };
  const { createTeam } = await call(
    `mutation { createTeam(input: { name: "bench", budget: { limitUsd: "1000000", period: MONTHLY }, limits: { rpm: 100000000, tpm: 1000000000, maxParallel: 100000 } }) { id } }`,
  );
  const { createApiKey } = await call(
    `mutation { createApiKey(input: { teamId: "${createTeam.id}", name: "bench", budget: { limitUsd: "1000000", period: MONTHLY }, limits: { rpm: 100000000 } }) { secret } }`,
  );
  return createApiKey.secret;
}

/** A gateway (serve-gateway.ts) started with the node flags `npm start` gives the server. */
function spawnGateway(name: string, args: string[]): Promise<ServerProcess> {
  return spawnServer(name, "./serve-gateway.ts", args, { nodeFlags: [...serverNodeFlags] });
}
