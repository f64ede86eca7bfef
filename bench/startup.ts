import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { serverNodeFlags } from "../server/server-v8-flags.ts";
import { benchModel } from "./scenarios.ts";

/*
 * Time to ready: the real CLI as `npm start` runs it (`node <serverNodeFlags> bin/switchboard.mjs
 * --config <file> --port <free port>`, SQLite in a temp directory) from spawn until `GET /ready`
 * answers 200 (database answers), polled every `pollMs`. Fresh-database starts (each its own new
 * directory: the database is created and migrated) and starts on an existing database (the
 * directory of a finished start) are reported apart; issue 16's 0.5 s is checked on the existing
 * one (checks.ts).
 */

export interface StartupResult {
  /** Spawn → first 200 from /ready, one per start, in ms. */
  freshDatabaseMs: number[];
  existingDatabaseMs: number[];
  pollMs: number;
}

const pollMs = 5;
const giveUpMs = 30_000;
const repositoryRoot = fileURLToPath(new URL("..", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The status of `GET url`, or 0 when nothing answers yet. */
function statusOf(url: string): Promise<number> {
  return new Promise((resolve) => {
    const call = request(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    call.on("error", () => resolve(0));
    call.end();
  });
}

/** One start of the CLI on `directory`'s database: ms from spawn until /ready says 200. */
async function timeOneStart(directory: string, upstreamOrigin: string): Promise<number> {
  const configPath = path.join(directory, "switchboard.yaml");
  // JSON is YAML: the file the CLI reads, as a user would write it.
  writeFileSync(
    configPath,
    JSON.stringify({
      database: { url: `file:${path.join(directory, "switchboard.db")}` },
      auth: { masterKey: "sk-bench-startup-master-key" },
      models: [
        {
          name: benchModel,
          provider: "openai",
          model: benchModel,
          apiKey: "sk-bench-upstream",
          apiBase: `${upstreamOrigin}/v1`,
        },
      ],
    }),
  );
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...serverNodeFlags,
      "bin/switchboard.mjs",
      ...["--config", configPath, "--port", String(port), "--host", "127.0.0.1"],
    ],
    { cwd: repositoryRoot, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (part: Buffer) => (stderr += part.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    while ((await statusOf(`http://127.0.0.1:${port}/ready`)) !== 200) {
      if (child.exitCode !== null)
        throw new Error(`switchboard exited (${child.exitCode}) before ready: ${stderr.trim()}`);
      if (performance.now() - startedAt > giveUpMs)
        throw new Error(`switchboard not ready after ${giveUpMs} ms: ${stderr.trim()}`);
      await sleep(pollMs);
    }
    return performance.now() - startedAt;
  } finally {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * `freshStarts` fresh-database starts, then `starts` on the database the last of them left (one
 * unmeasured start makes it when `freshStarts` is 0).
 */
export async function measureStartup(
  upstreamOrigin: string,
  { starts, freshStarts }: { starts: number; freshStarts: number },
): Promise<StartupResult> {
  const directories: string[] = [];
  const newDirectory = () => {
    const directory = mkdtempSync(path.join(tmpdir(), "switchboard-bench-startup-"));
    directories.push(directory);
    return directory;
  };
  try {
    const freshDatabaseMs: number[] = [];
    let directory = newDirectory();
    for (let start = 0; start < freshStarts; start += 1) {
      if (start > 0) directory = newDirectory();
      freshDatabaseMs.push(await timeOneStart(directory, upstreamOrigin));
    }
    if (freshStarts === 0) await timeOneStart(directory, upstreamOrigin);
    const existingDatabaseMs: number[] = [];
    for (let start = 0; start < starts; start += 1)
      existingDatabaseMs.push(await timeOneStart(directory, upstreamOrigin));
    return { freshDatabaseMs, existingDatabaseMs, pollMs };
  } finally {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  }
}
