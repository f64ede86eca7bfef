#!/usr/bin/env node
// Runs the bundled CLI. dist/cli/ is built by `npm run build` (tsc, then scripts/bundle-server.ts),
// which `npm ci` and `npm install` run (the `prepare` script); `npm run dev` runs the TypeScript
// sources through tsx instead.
import { existsSync } from "node:fs";

// A server, not a development build: graphql-js skips its development-only checks (its
// cross-realm instanceof guard costs ~25 µs per GraphQL request). An explicit NODE_ENV wins.
process.env.NODE_ENV ??= "production";
const main = new URL("../dist/cli/main.mjs", import.meta.url);
if (!existsSync(main)) {
  console.error("switchboard: dist/cli/main.mjs is missing; run `npm run build` first.");
  process.exit(1);
}
await import(main.href);
