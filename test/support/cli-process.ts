// The real CLI (bin/switchboard.mjs, running the built dist/) as a child process, as a user or an
// orchestrator runs it: e2e tests and the two-instance scale-out tests.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import path from "node:path";

const repositoryRoot = path.resolve(import.meta.dirname, "../..");
const cli = path.join(repositoryRoot, "bin/switchboard.mjs");

export interface RunningCli {
  process: ChildProcessWithoutNullStreams;
  output: () => string;
  url: string;
}

/** Spawns the real CLI and waits for the banner that prints its URLs. */
export async function startCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<RunningCli> {
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
  });
  let output = "";
  child.stdout.on("data", (data) => (output += data));
  child.stderr.on("data", (data) => (output += data));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the CLI did not start:\n${output}`)), 30_000);
    child.stdout.on("data", () => {
      const match = /GraphQL:\s+(http:\/\/[^/\s]+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the CLI exited with ${code}:\n${output}`));
    });
  });
  return { process: child, output: () => output, url };
}

/** Runs the CLI to completion (for commands that should fail at start). */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", ...options.env },
    });
    let output = "";
    child.stdout.on("data", (data) => (output += data));
    child.stderr.on("data", (data) => (output += data));
    child.once("exit", (code) => resolve({ code, output }));
  });
}

export function stopCli(
  running: RunningCli,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<number | null> {
  return new Promise((resolve) => {
    running.process.once("exit", (code) => resolve(code));
    running.process.kill(signal);
  });
}
