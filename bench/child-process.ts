import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

/*
 * How the benchmark talks to its server processes. Each server runs in its own Node process
 * (so the load generator never shares an event loop with it), prints its URL on stdout, and —
 * when started by bench/run.ts — answers over the IPC channel: "ready" once listening,
 * "stats" (memory and CPU, after a full GC when --expose-gc is on), "profile" (start, or stop
 * and write a .cpuprofile, through the inspector: only the measured load, not start-up) and "stop".
 */

/** What a server process reports about itself. */
export interface ProcessStats {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** process.cpuUsage() user + system, microseconds since the process started. */
  cpuMicros: number;
  /** Event-loop delay since the last `reset` (how long ready callbacks waited: a stalled loop shows here), ms. */
  eventLoopDelay: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Whatever the server adds (the gateway: `pendingLogs`, request logs queued but not yet written). */
  extra?: Record<string, number>;
}

type ParentMessage =
  | { type: "stats"; id: number; gc: boolean; reset: boolean }
  | { type: "profile"; id: number; writeTo?: string }
  | { type: "stop" };
type ChildMessage =
  | { type: "ready"; url: string }
  | { type: "stats"; id: number; stats: ProcessStats }
  | { type: "profiled"; id: number };

/** Starts the V8 sampling profiler, or (given a path) stops it and writes the profile there. */
function createProfiler() {
  let session: Session | undefined;
  return async (writeTo: string | undefined) => {
    if (!writeTo) {
      session = new Session();
      session.connect();
      await session.post("Profiler.enable");
      // 200 µs instead of V8's 1 ms default: a few seconds of load give enough samples per line.
      await session.post("Profiler.setSamplingInterval", { interval: 200 });
      await session.post("Profiler.start");
      return;
    }
    if (!session) return;
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(writeTo, JSON.stringify(profile));
    session.disconnect();
    session = undefined;
  };
}

/** Reads this process's memory and CPU, after a full collection when asked and possible. */
export function readOwnStats(
  gc: boolean,
  loopDelay?: IntervalHistogram,
  extra?: () => Record<string, number>,
): ProcessStats {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    // Two passes: the first can leave weakly held and finalizable objects for the second.
    collect();
    collect();
  }
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const delay = (nanoseconds: number | undefined) =>
    nanoseconds && Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : 0;
  const eventLoopDelay = {
    p50Ms: delay(loopDelay?.percentile(50)),
    p99Ms: delay(loopDelay?.percentile(99)),
    maxMs: delay(loopDelay?.max),
  };
  return {
    rss: memory.rss,
    heapTotal: memory.heapTotal,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    cpuMicros: cpu.user + cpu.system,
    eventLoopDelay,
    extra: extra?.(),
  };
}

/**
 * Child side: announces `url`, answers stats requests (adding `extraStats()`) and stops on
 * request (IPC) or on SIGINT / SIGTERM (when run by hand). Exits the process once `stop` has
 * finished, which also lets `--cpu-prof` write its profile.
 */
export function serveAsChild(
  url: string,
  stop: () => Promise<void>,
  extraStats?: () => Record<string, number>,
): void {
  console.log(url);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
  if (!process.send) return;
  const profiler = createProfiler();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  process.on("message", (message: ParentMessage) => {
    if (message.type === "stop") void shutdown();
    if (message.type === "stats") {
      process.send!({
        type: "stats",
        id: message.id,
        stats: readOwnStats(message.gc, loopDelay, extraStats),
      } satisfies ChildMessage);
      if (message.reset) loopDelay.reset();
    }
    if (message.type === "profile")
      void profiler(message.writeTo).then(() =>
        process.send!({ type: "profiled", id: message.id } satisfies ChildMessage),
      );
  });
  // The parent dying closes the channel: never outlive it.
  process.once("disconnect", () => void shutdown());
  process.send({ type: "ready", url } satisfies ChildMessage);
}

/** Parent side: one running server process. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** `reset` starts a new event-loop delay window after this reading. */
  stats(options?: { gc?: boolean; reset?: boolean }): Promise<ProcessStats>;
  /** Starts the CPU profiler; with `writeTo`, stops it and writes the .cpuprofile there. */
  profile(writeTo?: string): Promise<void>;
  stop(): Promise<void>;
}

/** `--cpu-prof` and friends for one child, e.g. `["--cpu-prof", "--cpu-prof-dir", dir]`. */
export interface SpawnOptions {
  nodeFlags?: string[];
  readyTimeoutMs?: number;
  /**
   * "compiled" (default): bundled to JavaScript and run on plain node, as users run Switchboard.
   * "tsx": through tsx, for a server whose code reads files beside its source (the upstream's
   * recorded fixtures) and whose own cost is not what is measured.
   */
  runtime?: "compiled" | "tsx";
}

const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

const compiled = new Map<string, Promise<string>>();

/**
 * `bench/<script>` bundled once per run into plain JavaScript with its packages, as the CLI is
 * (scripts/bundle-server.ts's options), so a server runs on plain `node` as users run
 * Switchboard: under `--import tsx` every server would also carry tsx's loader and esbuild's
 * transform in its memory and CPU. Into bench/compiled/, two levels below the repository root as
 * dist/cli/ is, so the server's `import.meta` paths (migrations, dashboard) resolve the same.
 */
function compiledScript(script: string): Promise<string> {
  let outfile = compiled.get(script);
  if (!outfile) {
    const outdir = path.join(repositoryRoot, "bench/compiled");
    outfile = Promise.all([import("esbuild"), import("../scripts/bundle-server.ts")])
      .then(([{ build }, { serverBundleOptions }]) =>
        build({
          ...serverBundleOptions,
          entryPoints: [fileURLToPath(new URL(script, import.meta.url))],
          outdir,
          logLevel: "error",
        }),
      )
      .then(() => path.join(outdir, path.basename(script).replace(/\.ts$/, ".mjs")));
    compiled.set(script, outfile);
  }
  return outfile;
}

/** Starts `bench/<script>` (compiled to JavaScript) with --expose-gc and waits for its URL. */
export async function spawnServer(
  name: string,
  script: string,
  args: string[],
  { nodeFlags = [], readyTimeoutMs = 30_000, runtime = "compiled" }: SpawnOptions = {},
): Promise<ServerProcess> {
  const entry =
    runtime === "compiled"
      ? [await compiledScript(script)]
      : ["--import", "tsx", fileURLToPath(new URL(script, import.meta.url))];
  const child = spawn(process.execPath, ["--expose-gc", ...nodeFlags, ...entry, ...args], {
    cwd: repositoryRoot,
    // As bin/switchboard.mjs runs the server.
    env: { NODE_ENV: "production", ...process.env },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const repeated = relayStderr(name, child);
  void exited.then(() => {
    if (repeated.count > 0)
      console.error(`${name}: ${repeated.count} repeated stderr lines not shown`);
  });
  const url = await waitForReady(name, child, readyTimeoutMs);
  let nextId = 0;
  const pending = new Map<number, (stats: ProcessStats | undefined) => void>();
  child.on("message", (message: ChildMessage) => {
    if (message.type === "ready") return;
    pending.get(message.id)?.(message.type === "stats" ? message.stats : undefined);
    pending.delete(message.id);
  });
  const ask = (message: ParentMessage & { id: number }) =>
    new Promise<ProcessStats | undefined>((resolve, reject) => {
      pending.set(message.id, resolve);
      child.send(message, (error) => error && reject(error));
    });

  return {
    name,
    url,
    pid: child.pid!,
    async stats({ gc = false, reset = false } = {}) {
      return (await ask({ type: "stats", id: nextId++, gc, reset }))!;
    },
    async profile(writeTo) {
      await ask({ type: "profile", id: nextId++, writeTo });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: "stop" } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The child's stderr, each line prefixed with its name, repeats shown once: a warning raised per
 * request (e.g. Node's MaxListenersExceededWarning, one per response) would bury the report.
 */
function relayStderr(name: string, child: ChildProcess): { count: number } {
  const seen = new Set<string>();
  const repeated = { count: 0 };
  createInterface({ input: child.stderr! }).on("line", (line) => {
    const key = line.replace(/^\(node:\d+\) /, "");
    if (seen.has(key)) {
      repeated.count += 1;
      return;
    }
    seen.add(key);
    console.error(`${name}: ${line}`);
  });
  return repeated;
}

function waitForReady(name: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.on("message", function onMessage(message: ChildMessage) {
      if (message.type !== "ready") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message.url);
    });
  });
}
