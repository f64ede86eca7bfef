import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { serverNodeFlags } from "../../server/server-v8-flags.ts";

const packageJson = JSON.parse(
  readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
) as { scripts: Record<string, string> };

describe("the node flags the server starts with (server-v8-flags.ts serverNodeFlags)", () => {
  it("are what `npm start` passes to node before the CLI", () => {
    expect(packageJson.scripts.start).toBe(`node ${serverNodeFlags.join(" ")} bin/switchboard.mjs`);
  });

  it("are flags this node accepts (node exits with `bad option` on one it does not know)", () => {
    const child = spawnSync(process.execPath, [...serverNodeFlags, "-e", "process.exit(0)"], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
  });

  it("keep TurboFan off V8's worker threads", () => {
    // %IsConcurrentRecompilationSupported() is V8's own answer (natives syntax, in a child).
    const ask = (flags: readonly string[]) =>
      spawnSync(
        process.execPath,
        [...flags, "--allow-natives-syntax", "-p", "%IsConcurrentRecompilationSupported()"],
        { encoding: "utf8", timeout: 20_000 },
      ).stdout.trim();
    expect(ask([])).toBe("true");
    expect(ask(serverNodeFlags)).toBe("false");
  });
});
