// First, as in server/main.ts: holds the young generation at its initial size while the rest is evaluated.
import "../server/young-generation-held.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp } from "../server/app.ts";
import { configSchema } from "../server/config.ts";
import { useServerV8Flags } from "../server/server-v8-flags.ts";
import { serveAsChild } from "./child-process.ts";
import { benchModel, upstreamModes } from "./scenarios.ts";

/*
 * Switchboard as a user would run it, built the way the tests build it (test/support/start-app.ts):
 * its own SQLite file in a temp directory, request logging on (the default), a master key set
 * (auth on), one model per upstream mode (scenarios.ts `upstreamModes`: gpt-4o-mini answered at
 * once, gpt-4o-mini-paced and gpt-4o-mini-1000-chunks), all served by the bench upstream.
 *
 * With a Redis URL, limits and budgets are shared through Redis (several instances' setup).
 *
 * `npx tsx bench/serve-gateway.ts <upstream origin> <master key> [redis url]` prints `http://127.0.0.1:<port>`.
 */
/*
 * The server is bundled the way the CLI is (scripts/bundle-server.ts: one file with its packages,
 * run on plain node; child-process.ts), not run as server/*.ts through tsx: tsx's transform adds
 * work of its own (a `__name` call per function made, ~1.5% of the CPU under load) and ~1,500
 * separately loaded modules that users never pay. NODE_ENV=production comes from the spawn, as
 * bin/switchboard.mjs sets it before the first import of graphql, and so do the node flags
 * `npm start` gives the server (`serverNodeFlags`, run.ts `spawnGateway`).
 */
useServerV8Flags();
const [upstreamOrigin, masterKey, redisUrl] = process.argv.slice(2);
if (!upstreamOrigin || !masterKey)
  throw new Error("usage: serve-gateway.ts <upstream origin> <master key> [redis url]");

const directory = mkdtempSync(path.join(tmpdir(), "switchboard-bench-"));
const config = configSchema.parse({
  server: { host: "127.0.0.1", port: 0 },
  database: { url: `file:${path.join(directory, "switchboard.db")}` },
  auth: { masterKey },
  ...(redisUrl ? { redis: { url: redisUrl } } : {}),
  models: Object.values(upstreamModes).map(({ model, pathPrefix }) => ({
    name: model,
    provider: "openai",
    model: benchModel,
    apiKey: "sk-bench-upstream",
    apiBase: `${upstreamOrigin}${pathPrefix}/v1`,
  })),
});
const app = await createApp(config, { shutdownGraceMs: 500 });
const { url } = await app.start();

serveAsChild(
  url,
  async () => {
    try {
      await app.stop();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  },
  // Queued log entries are live objects: the memory phase waits for them to be written before reading the heap.
  () => ({ pendingLogs: app.logWriter.pendingCount }),
);
