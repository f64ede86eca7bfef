import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitForUpdate } from "@pydantic/genai-prices";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { runCli, startCli, stopCli } from "../support/cli-process.ts";

/*
 * Refreshing prices without a release, offline: `switchboard prices --update --from <file>`
 * saves a snapshot that the server prices with from its next start. The file here is the
 * bundled data with gpt-4o-mini changed to $1000 per million tokens in and out, so the mock's
 * 12 + 7 tokens cost exactly $0.019 instead of the real $0.000006.
 */
describe("switchboard prices", () => {
  let upstream: MockUpstream;
  let directory: string;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-prices-"));
  });
  afterAll(async () => {
    await upstream?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  /** A working directory with a switchboard.yaml serving gpt-4o-mini from the mock. */
  function workingDirectory(name: string): string {
    const cwd = path.join(directory, name);
    mkdirSync(cwd);
    writeFileSync(
      path.join(cwd, "switchboard.yaml"),
      [
        "models:",
        "  - name: gpt-4o-mini",
        "    provider: openai",
        "    apiKey: sk-upstream",
        `    apiBase: ${upstream.baseUrl}`,
      ].join("\n"),
    );
    return cwd;
  }

  async function costOfOneRequest(cwd: string): Promise<{ cost: string | null; banner: string }> {
    const running = await startCli(["--port", "0"], { cwd });
    try {
      const response = await fetch(`${running.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(response.status).toBe(200);
      return { cost: response.headers.get("x-switchboard-cost-usd"), banner: running.output() };
    } finally {
      await stopCli(running);
    }
  }

  it("saves a snapshot from a file and the server prices with it from its next start", async () => {
    const providers = structuredClone((await waitForUpdate())!);
    const openai = providers.find((provider) => provider.id === "openai")!;
    const model = openai.models.find((entry) => entry.id === "gpt-4o-mini")!;
    model.prices = { input_mtok: 1000, output_mtok: 1000 };
    const dataFile = path.join(directory, "data.json");
    writeFileSync(dataFile, JSON.stringify(providers));

    const cwd = workingDirectory("with-snapshot");
    const before = await costOfOneRequest(cwd);
    expect(before.cost).toBe("0.000006"); // 12 × $0.15 + 7 × $0.6 per million: the bundled price
    expect(before.banner).toMatch(/Prices:\s+bundled with @pydantic\/genai-prices \d+\.\d+\.\d+/);

    const update = await runCli(["prices", "--update", "--from", dataFile], { cwd });
    expect(update.output).toMatch(
      /saved the prices of \d+ models from .*data\.json to \.switchboard\/prices\.json/,
    );
    expect(update.code).toBe(0);
    expect(existsSync(path.join(cwd, ".switchboard/prices.json"))).toBe(true);

    const shown = await runCli(["prices"], { cwd });
    expect(shown.output).toMatch(/prices: snapshot \.switchboard\/prices\.json saved \d{4}-/);

    const after = await costOfOneRequest(cwd);
    expect(after.cost).toBe("0.019");
    expect(after.banner).toMatch(
      /Prices:\s+snapshot \.switchboard\/prices\.json saved .* from .*data\.json/,
    );
  });

  it("refuses a file that is not price data, naming it, and keeps the old snapshot", async () => {
    const cwd = workingDirectory("bad-file");
    const notPrices = path.join(cwd, "not-prices.json");
    writeFileSync(notPrices, JSON.stringify([{ id: "x", models: "none" }]));
    const result = await runCli(["prices", "--update", "--from", notPrices], { cwd });
    expect(result.code).toBe(1);
    expect(result.output).toContain(`${notPrices} is not genai-prices data`);
    expect(existsSync(path.join(cwd, ".switchboard/prices.json"))).toBe(false);

    const offline = await runCli(["prices", "--update", "--from", "http://127.0.0.1:9/data.json"], {
      cwd,
    });
    expect(offline.code).toBe(1);
    expect(offline.output).toContain("cannot download http://127.0.0.1:9/data.json");
    expect(offline.output).toContain("--from <file>");

    const usage = await runCli(["prices", "--from", notPrices], { cwd });
    expect(usage.code).toBe(2);
    expect(usage.output).toContain("--from goes with --update");
  });

  it("refuses to start on a snapshot it cannot read instead of silently using older prices", async () => {
    const cwd = workingDirectory("broken-snapshot");
    mkdirSync(path.join(cwd, ".switchboard"));
    writeFileSync(path.join(cwd, ".switchboard/prices.json"), '{"savedAt": "2026-');
    const result = await runCli(["--port", "0"], { cwd });
    expect(result.code).toBe(78);
    expect(result.output).toContain("the price snapshot .switchboard/prices.json cannot be read");
  });
});
