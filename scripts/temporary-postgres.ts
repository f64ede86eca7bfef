// A throwaway PostgreSQL server (the binaries on the PATH: initdb, postgres) on a free loopback
// port in a temp dir, for the test suites and for writing migrations. initdb and postgres refuse
// to run as root, so as root they run as the `postgres` user. Stopped by pid; the dir removed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

export interface PostgresServer {
  port: number;
  pid: number;
  directory: string;
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Creates the database `name` on the server `serverUrl` names, unless it exists (then it is kept
 * as it is: a test app restarting on its directory finds its data), and returns its URL.
 */
export async function ensurePostgresDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    if ((error as { code?: string }).code !== "42P04") throw error; // 42P04: it exists
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function postgresUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {}; // not root: run them as ourselves
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  if (!line) throw new Error("no postgres user on this machine");
  const [, , uid, gid] = line.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}):\n${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("select 1");
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`postgres not ready: ${(error as Error).message}\n${log()}`);
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const { uid, gid } = postgresUser();
  const directory = mkdtempSync(path.join(tmpdir(), "switchboard-pg-"));
  if (uid !== undefined && gid !== undefined) chownSync(directory, uid, gid); // mkdtemp makes it 0700 root: postgres must own it
  const dataDir = path.join(directory, "data");
  const asPostgres = { uid, gid, env: { ...process.env, HOME: directory, LC_ALL: "C" } };
  const init = spawnSync(
    "initdb",
    [
      "-D",
      dataDir,
      "-U",
      "postgres",
      "--auth=trust",
      "--encoding=UTF8",
      "--no-locale",
      "--no-sync",
    ],
    { ...asPostgres, encoding: "utf8" },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.error}`);
  const port = await freePort();
  let output = "";
  const child = spawn(
    "postgres",
    [
      "-D",
      dataDir,
      "-p",
      String(port),
      "-k",
      directory,
      "-c",
      "listen_addresses=127.0.0.1",
      // a throwaway test server: durability off
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "max_connections=200",
    ],
    { ...asPostgres, stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const url = (database = "postgres") => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  await waitReady(url(), child, () => output);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    port,
    pid: child.pid!,
    directory,
    url,
    createDatabase: (name) => ensurePostgresDatabase(url(), name),
    async stop() {
      if (child.exitCode === null) {
        process.kill(child.pid!, "SIGINT"); // "fast" shutdown: abort sessions, clean stop
        const timer = setTimeout(
          () => child.exitCode === null && process.kill(child.pid!, "SIGQUIT"),
          10_000,
        );
        await exited;
        clearTimeout(timer);
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
