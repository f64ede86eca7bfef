import { setFlagsFromString } from "node:v8";

/**
 * V8 settings for a long-running server process (the CLI, the bench's gateway; not the SDK, which
 * runs inside someone else's process). Call before the database opens: Prisma's query compiler is
 * WebAssembly, compiled at the first query.
 *
 * `--liftoff-only`: V8 compiles WebAssembly with its baseline compiler only. Prisma's ~3 MB
 * compiler module optimised by TurboFan on background threads left ~50 MB of resident memory
 * behind (malloc's peak 65 → 29 MB; RSS after start 230 → 180 MB) for queries the server runs a
 * few of per second at most: the request path writes its logs with raw SQL.
 */
export function useServerV8Flags(): void {
  setFlagsFromString("--liftoff-only");
}
