import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { runCli, startCli, stopCli, type RunningCli } from "../support/cli-process.ts";

/*
 * Coming from LiteLLM, as a user does it: `switchboard --config litellm.yaml` and
 * `switchboard convert-config litellm.yaml`, with the real CLI (bin/switchboard.mjs on dist/).
 * The fixture reads its api_base, key and master key through os.environ/, so the test points it
 * at a local mock upstream.
 */
describe("the switchboard CLI with a LiteLLM proxy config", () => {
  const fixtures = path.resolve(import.meta.dirname, "../fixtures/litellm");
  const masterKey = "sk-litellm-master-0000";
  let upstream: MockUpstream;
  let directory: string;
  let environment: Record<string, string>;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-litellm-e2e-"));
    environment = {
      MOCK_UPSTREAM_BASE: upstream.baseUrl,
      MOCK_UPSTREAM_KEY: "sk-upstream-from-environment",
      LITELLM_MASTER_KEY: masterKey,
    };
  });
  afterAll(async () => {
    await upstream?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  async function chat(running: RunningCli): Promise<string | null> {
    const openai = new OpenAI({ apiKey: masterKey, baseURL: `${running.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
    });
    return completion.choices[0].message.content;
  }

  it("starts from the LiteLLM file, prints what it mapped and ignored, and serves /v1/chat/completions", async () => {
    const running = await startCli(
      ["--config", path.join(fixtures, "serve-through-mock.yaml"), "--port", "0"],
      { cwd: directory, env: environment },
    );
    try {
      const banner = running.output();
      expect(banner).toContain("Read LiteLLM config");
      expect(banner).toContain(
        "mapped  model_list[0]: gpt-4o-mini → openai-compatible gpt-4o-mini",
      );
      expect(banner).toMatch(
        /ignored litellm_settings\.success_callback: Switchboard has no callback/,
      );
      expect(banner).toMatch(/mapped  litellm_settings\.drop_params: by behaviour/);
      expect(banner).toMatch(/Models:\s+gpt-4o-mini \(openai-compatible\)/);
      expect(banner).toContain("Auth:      master key required");
      expect(banner).not.toContain("sk-upstream-from-environment");

      const refused = await fetch(`${running.url}/v1/models`);
      expect(refused.status).toBe(401);
      expect(await chat(running)).toBe("Hello from the mock upstream.");
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(
        "Bearer sk-upstream-from-environment",
      );
    } finally {
      expect(await stopCli(running)).toBe(0);
    }
  });

  it("convert-config prints a switchboard.yaml that starts and serves the same", async () => {
    const converted = await runCli(
      ["convert-config", path.join(fixtures, "serve-through-mock.yaml")],
      { cwd: directory },
    );
    expect(converted.code).toBe(0);
    expect(converted.output).toContain("apiBase: ${MOCK_UPSTREAM_BASE}");
    expect(converted.output).toMatch(/^# {3}litellm_settings\.success_callback: /m);
    writeFileSync(path.join(directory, "switchboard.yaml"), converted.output);

    const written = await runCli(
      ["convert-config", path.join(fixtures, "serve-through-mock.yaml"), "--output", "out.yaml"],
      { cwd: directory },
    );
    expect(written).toMatchObject({ code: 0 });
    expect(written.output).toContain("wrote out.yaml");

    const running = await startCli(["--config", "switchboard.yaml", "--port", "0"], {
      cwd: directory,
      env: environment,
    });
    try {
      expect(running.output()).not.toContain("Read LiteLLM config");
      expect(await chat(running)).toBe("Hello from the mock upstream.");
    } finally {
      expect(await stopCli(running)).toBe(0);
    }
  });

  it("a bad LiteLLM config lists every problem with its key path and exits 78, on start and on convert", async () => {
    const problems = path.join(fixtures, "problems.yaml");
    const started = await runCli(["--config", problems], { cwd: directory });
    expect(started.code).toBe(78);
    for (const key of [
      "model_list[0].litellm_params.api_key: environment variable UNSET_OPENAI_KEY is not set",
      'model_list[1].litellm_params.model: unknown provider prefix "mistralai"',
      "model_list[2].litellm_params.model:",
      "model_list[3].litellm_params.rpm:",
      "model_list[3].litellm_params.api_base: Invalid URL",
      "model_list[4].model_name:",
      "router_settings.routing_strategy:",
      "router_settings.fallbacks:",
      "router_settings.context_window_fallbacks[0].gpt-3.5-turbo[0]:",
      "general_settings.master_key:",
    ])
      expect(started.output).toContain(`problems.yaml: ${key}`);

    const converted = await runCli(["convert-config", problems], { cwd: directory });
    expect(converted.code).toBe(78);
    expect(converted.output).toContain('unknown provider prefix "mistralai"');
    expect(converted.output).not.toContain("model_list:");
  });

  it("convert-config without a file prints its usage and exits 2", async () => {
    const { code, output } = await runCli(["convert-config"], { cwd: directory });
    expect(code).toBe(2);
    expect(output).toContain("switchboard convert-config litellm.yaml");
  });
});
