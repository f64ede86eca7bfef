import { setFlagsFromString } from "node:v8";

/*
 * Imported first by the server's entry points (server/main.ts, bench/serve-gateway.ts), so it
 * runs before the rest of the bundle is evaluated: V8's young generation keeps its initial 1 MB
 * semi-spaces until `useServerV8Flags()` lets it grow to its cap (server-v8-flags.ts says why).
 * Evaluating the bundle is one long synchronous stretch that would otherwise grow it past the cap
 * before anything can stop it, and V8 does not give it back while the server is busy.
 *
 * Holding it, and capping it after, costs the start ~20 ms in alternating starts (~405 → ~425 ms
 * to ready): more, smaller collections while the bundle is evaluated.
 */
setFlagsFromString("--semi-space-growth-factor=1");
