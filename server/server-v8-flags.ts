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
 * The young generation grows to 8 MB semi-spaces and no further (`capYoungGeneration`).
 */
export function useServerV8Flags(): void {
  setFlagsFromString("--liftoff-only");
  capYoungGeneration(youngGenerationCapBytes);
}

/**
 * Both semi-spaces of the young generation at 8 MB each. V8 grows them to 16 MB each under load
 * and gives the memory back only after the process has been idle for a while, so a busy server
 * held 16 MB more than at this cap. At this cap the CPU per request did not change in alternating
 * runs; at 4 MB it rose 3–7% (issue 16).
 */
const youngGenerationCapBytes = 2 * 8 * 1024 * 1024;

/**
 * Lets the young generation grow (V8 doubles it when enough survives its collections) until it
 * reaches `capBytes`, then stops its growth. `--max-semi-space-size` would say this directly, but
 * only on the node command line: V8 reads it once, when the heap is set up. The growth factor it
 * reads at every growth, so it can be changed at run time. The check runs after each collection
 * until the cap is reached: a growth needs as many bytes to survive as a semi-space holds,
 * which takes many collections, so none is missed between two checks once the server runs
 * (young-generation-held.ts holds it while the bundle is evaluated).
 */
export function capYoungGeneration(capBytes: number): void {
  setFlagsFromString("--semi-space-growth-factor=2");
  const stopAtCap = () => {
    if (youngGenerationBytes() < capBytes) return false;
    setFlagsFromString("--semi-space-growth-factor=1");
    return true;
  };
  if (stopAtCap()) return;
  const observer = new PerformanceObserver(() => {
    if (stopAtCap()) observer.disconnect();
  });
  observer.observe({ entryTypes: ["gc"] });
}

/** The young generation's committed size: both semi-spaces. */
export function youngGenerationBytes(): number {
  return (
    getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0
  );
}
