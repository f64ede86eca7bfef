import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/**
 * V8 settings for a long-running server process (the CLI, the bench's gateway; not the SDK, which
 * runs inside someone else's process). Call before the database opens: Prisma's query compiler is
 * WebAssembly, compiled at the first query.
 *
 * `--liftoff-only`: V8 compiles WebAssembly with its baseline compiler only. Prisma's ~3 MB
 * compiler module optimised by TurboFan on background threads left ~50 MB of resident memory
 * behind (malloc's peak 65 → 29 MB; RSS after start 230 → 180 MB) for queries the server runs a
 * few of per second at most: the request path writes its logs with raw SQL.
 *
 * The young generation's semi-spaces grow to 6 MB and no further (`capYoungGeneration`).
 */
export function useServerV8Flags(): void {
  setFlagsFromString("--liftoff-only");
  capYoungGeneration(semiSpaceCapBytes);
}

/**
 * The young generation's semi-spaces at 6 MB each. V8 grows them to 16 MB each under load and
 * gives the memory back only after the process has been idle for a while, so a busy server held
 * 20 MB more than at this cap. From V8's initial 1 MB the factor takes them there in one growth.
 * At 8 MB, RSS after the bench's memory phase read 4–7 MiB more in alternating runs and the CPU
 * per request was the same as at 6 MB; at 5 MB the REST path cost ~3% more, at 4 MB 3–7% (issue 16).
 */
const semiSpaceCapBytes = 6 * 1024 * 1024;

/**
 * Flags V8 takes only on the node command line, for the server process: `npm start` passes them
 * (package.json's `start` script, checked by test/unit/server-node-flags.test.ts) and the bench
 * starts its gateways with them. `bin/switchboard.mjs` run directly (an installed `switchboard`)
 * goes without them: a `#!/usr/bin/env -S node …` line would fail on BusyBox (Alpine) and older
 * coreutils, and a second process to re-launch node would cost more memory than they save.
 *
 * `--no-concurrent-recompilation`: TurboFan optimises on the main thread instead of V8's worker
 * threads. Each worker thread that ran an optimisation kept ~3 MB of malloc arena afterwards
 * (`malloc_stats()`: four arenas of 2.9–3.3 MB with 30–90 KB in use; 0.3–0.4 MB each with this
 * flag), because glibc's trim threshold has risen past them (see "Resident memory" in DECISIONS).
 * RSS after the bench's memory phase ~15 MiB lower (123 against 142 MiB); the CPU per request
 * was the same or lower in alternating runs (streams 223 and 224 against 231 and 231 µs; REST
 * 141 and 145 against 148 and 141), and ready after start the same (~405 ms). V8 decides this
 * once, when it creates the isolate, so `v8.setFlagsFromString` cannot (measured: the arenas
 * stayed at ~3 MB), and Node does not accept the flag in NODE_OPTIONS.
 */
export const serverNodeFlags: readonly string[] = ["--no-concurrent-recompilation"];

/**
 * Lets the young generation grow (V8 multiplies a semi-space's capacity by the growth factor when
 * enough survives its collections) up to `capBytes` per semi-space and no further.
 * `--max-semi-space-size` would say this directly, but only on the node command line: V8 reads it
 * once, when the heap is set up (`serverNodeFlags` reach `npm start` only; this reaches every way
 * the server starts). The growth factor it reads at every growth, so it can be changed at run time. After every collection the factor is set to what takes the current capacity to the
 * cap, or 1 at the cap. V8 also shrinks the young generation when the process is idle, so this
 * keeps watching: a factor left at 1 after a shrink held the server at the shrunk size for good,
 * and its CPU per request rose by a third over a long bench run. A growth needs as many bytes to
 * survive as a semi-space holds, which takes many collections, so none is missed between two
 * checks once the server runs (young-generation-held.ts holds it while the bundle is evaluated).
 */
export function capYoungGeneration(capBytes: number): void {
  const growOnlyToCap = () => {
    const factor = growthFactorToward(capBytes, semiSpaceCapacityBytes());
    setFlagsFromString(`--semi-space-growth-factor=${factor}`);
  };
  growOnlyToCap();
  new PerformanceObserver(growOnlyToCap).observe({ entryTypes: ["gc"] });
}

/** The whole multiple of `capacityBytes` that stays within `capBytes`; 1 (no growth) at the cap. */
export function growthFactorToward(capBytes: number, capacityBytes: number): number {
  return Math.max(1, Math.floor(capBytes / Math.max(capacityBytes, 1)));
}

/**
 * One semi-space's capacity, as V8 reports the young generation: what is in use and what is left
 * of it. The committed size (`space_size`) counts both semi-spaces, or one once V8 has released
 * the other.
 */
export function semiSpaceCapacityBytes(): number {
  const space = getHeapSpaceStatistics().find(({ space_name }) => space_name === "new_space");
  return space ? space.space_used_size + space.space_available_size : 0;
}
