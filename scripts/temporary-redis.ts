// A throwaway redis-server (Debian's, on the PATH) on a free loopback port in a temp dir, for the
// test suites and the Redis-mode benchmark. Nothing is persisted. Stopped (or killed, to test
// an outage) by pid; `restart` brings it back on the same port, empty, as after a crash.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./temporary-postgres.ts";

export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:<port> */
  url: string;
  pid(): number;
  /** Kills the server at once (SIGKILL): an outage, as a crashed or unplugged Redis. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const directory = mkdtempSync(path.join(tmpdir(), "switchboard-redis-"));
  const port = await freePort();
  let child: ChildProcess;
  let exited: Promise<void>;

  async function launch(): Promise<void> {
    let output = "";
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--save", ""].concat([
        "--appendonly",
        "no",
        "--protected-mode",
        "no",
        "--loglevel",
        "warning",
      ]),
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.stdout!.on("data", (chunk) => (output += chunk));
    child.stderr!.on("data", (chunk) => (output += chunk));
    await waitReady(port, child, () => output);
  }

  async function kill(): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
  }

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: () => child.pid!,
    kill,
    restart: launch,
    async stop() {
      await kill();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Ready when it answers PING on its port (a raw RESP exchange: no client library needed). */
async function waitReady(port: number, child: ChildProcess, log: () => string, timeoutMs = 10_000) {
  const { createConnection } = await import("node:net");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited (${child.exitCode}):\n${log()}`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => socket.write("PING\r\n"));
      socket.once("data", (data) => {
        socket.destroy();
        resolve(data.toString().startsWith("+PONG"));
      });
      socket.once("error", () => resolve(false));
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error(`redis-server not ready:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
