import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createSwitchboardClient } from "../../client/index.ts";
import { anthropicTestKey, anthropicWire } from "../contract/wires/anthropic-wire.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { startScriptedUpstream } from "../support/scripted-upstream.ts";
import { runCli, startCli, stopCli } from "../support/cli-process.ts";

describe("the switchboard CLI, as a user runs it", () => {
  let upstream: MockUpstream;
  let workingDirectory: string;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    workingDirectory = mkdtempSync(path.join(tmpdir(), "switchboard-e2e-"));
  });
  afterAll(async () => {
    await upstream?.stop();
    rmSync(workingDirectory, { recursive: true, force: true });
  });

  it("starts from switchboard.yaml, creates its SQLite database, serves the typed client and the openai SDK, and writes every log on SIGTERM", async () => {
    writeFileSync(
      path.join(workingDirectory, "switchboard.yaml"),
      [
        "models:",
        "  - name: gpt-4o-mini",
        "    provider: openai",
        '    apiKey: "${UPSTREAM_KEY}"',
        `    apiBase: ${upstream.baseUrl}`,
      ].join("\n"),
    );
    const running = await startCli(["--port", "0"], {
      cwd: workingDirectory,
      env: { UPSTREAM_KEY: "sk-from-env" },
    });
    expect(running.output()).toContain(`REST:      ${running.url}/v1`);
    expect(running.output()).toContain(`Anthropic: ${running.url}/v1/messages`);
    expect(running.output()).toContain(`Responses: ${running.url}/v1/responses`);
    expect(running.output()).toMatch(/Models:\s+gpt-4o-mini \(openai\)/);
    expect(running.output()).toContain("Auth:      off");

    const client = createSwitchboardClient({
      url: `${running.url}/graphql`,
      webSocketImpl: WebSocket,
    });
    const chat = await client.chat({
      model: "gpt-4o-mini",
      messages: [{ role: "USER", content: "Hello" }],
    });
    expect(chat.__typename).toBe("ChatCompletion");
    if (chat.__typename !== "ChatCompletion") throw new Error("unreachable");
    expect(chat.choices[0].message.content).toBe("Hello from the mock upstream.");

    let streamed = "";
    let lastCost: string | null | undefined;
    for await (const chunk of client.stream({
      model: "gpt-4o-mini",
      messages: [{ role: "USER", content: "Hello" }],
    })) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      lastCost = chunk.costUsd;
    }
    expect(streamed).toBe("Hello from the mock upstream.");
    expect(lastCost).toBe("0.000006");
    const models = await client.models();
    expect(models.map((model) => model.name)).toEqual(["gpt-4o-mini"]);
    await client.close();

    const openai = new OpenAI({ apiKey: "unused", baseURL: `${running.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(completion.choices[0].message.content).toBe("Hello from the mock upstream.");
    let sdkText = "";
    for await (const chunk of await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
    })) {
      sdkText += chunk.choices[0]?.delta.content ?? "";
    }
    expect(sdkText).toBe("Hello from the mock upstream.");
    expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-from-env");

    // Stop right away: the batched log writer must flush on SIGTERM, so nothing is lost.
    expect(await stopCli(running)).toBe(0);
    const database = new Database(path.join(workingDirectory, ".switchboard/switchboard.db"), {
      readonly: true,
    });
    const rows = database
      .prepare("SELECT status, stream, source, costNanoUsd FROM RequestLog ORDER BY createdAt")
      .all() as Array<{ status: string; stream: number; source: string; costNanoUsd: number }>;
    database.close();
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => [row.source, row.stream])).toEqual([
      ["graphql", 0],
      ["graphql-subscription", 1],
      ["rest", 0],
      ["rest", 1],
    ]);
    expect(rows.every((row) => row.status === "success" && Number(row.costNanoUsd) === 6000)).toBe(
      true,
    );
  });

  it("serves one model from --model/--api-key/--api-base without a config file", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "switchboard-e2e-model-"));
    const running = await startCli(
      [
        "--model",
        "openai/gpt-4o-mini",
        "--api-key",
        "sk-cli",
        "--api-base",
        upstream.baseUrl,
        "--port",
        "0",
      ],
      { cwd: empty },
    );
    const openai = new OpenAI({ apiKey: "unused", baseURL: `${running.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(completion.choices[0].message.content).toBe("Hello from the mock upstream.");
    expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-cli");
    expect(await stopCli(running, "SIGINT")).toBe(0);
    rmSync(empty, { recursive: true, force: true });
  });

  it("without provider keys serves no model and says how to add one; --demo adds the labelled echo model with real usage, cost, streams and logs", async () => {
    const fresh = mkdtempSync(path.join(tmpdir(), "switchboard-e2e-demo-"));
    const plain = await startCli(["--port", "0"], { cwd: fresh });
    expect(plain.output()).toMatch(/Models:\s+none: .*try --demo/);
    expect(plain.output()).not.toContain("demo-echo");
    expect(await stopCli(plain)).toBe(0);

    const running = await startCli(["--demo", "--port", "0"], { cwd: fresh });
    expect(running.output()).toMatch(/Models:\s+demo-echo \(demo\)/);
    expect(running.output()).toMatch(
      /Demo:\s+'demo-echo' is a built-in echo model, not a real one\. Add a real model:/,
    );
    expect(running.output()).toContain(`Dashboard: ${running.url}/dashboard`);
    const openai = new OpenAI({ apiKey: "unused", baseURL: `${running.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: "demo-echo",
      messages: [{ role: "user", content: "Where is my invoice?" }],
    });
    expect(completion.choices[0].message.content).toMatch(/^You said: "Where is my invoice\?"/);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 11,
      completion_tokens: expect.any(Number),
    });
    expect(completion.usage!.completion_tokens).toBeGreaterThan(20);
    const stream = await openai.chat.completions.create({
      model: "demo-echo",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "stream me" }],
    });
    const pieces: string[] = [];
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content ?? "");
    expect(pieces.filter(Boolean).length).toBeGreaterThan(10);
    expect(pieces.join("")).toMatch(/^You said: "stream me"\./);

    const client = createSwitchboardClient({ url: `${running.url}/graphql` });
    const [model] = await client.models();
    expect(model).toMatchObject({
      name: "demo-echo",
      provider: "demo",
      inputPricePerMillion: "0.5",
      outputPricePerMillion: "1.5",
      contextWindow: 128000,
    });
    const landing = await fetch(running.url, { redirect: "manual" });
    expect([landing.status, landing.headers.get("location")]).toEqual([302, "/dashboard/"]);
    // The bundled CLI (dist/cli/) finds the built dashboard as dist/http/ does.
    const dashboard = await fetch(`${running.url}/dashboard/`);
    expect([dashboard.status, (await dashboard.text()).toLowerCase()]).toEqual([
      200,
      expect.stringContaining("<!doctype html>"),
    ]);
    expect(await stopCli(running)).toBe(0);
    const database = new Database(path.join(fresh, ".switchboard/switchboard.db"), {
      readonly: true,
    });
    const logged = database
      .prepare(`SELECT "requestedModel", "status", "costNanoUsd" FROM "RequestLog"`)
      .all() as Array<{ requestedModel: string; status: string; costNanoUsd: number | bigint }>;
    database.close();
    expect(logged.map((row) => [row.requestedModel, row.status])).toEqual([
      ["demo-echo", "success"],
      ["demo-echo", "success"],
    ]);
    expect(logged.every((row) => Number(row.costNanoUsd) > 0)).toBe(true);
    rmSync(fresh, { recursive: true, force: true });
  });

  it("serves anthropic/<model> and bedrock/<model> from credentials in the environment, with no config file", async () => {
    const scripted = await startScriptedUpstream();
    const empty = mkdtempSync(path.join(tmpdir(), "switchboard-e2e-env-"));
    try {
      const running = await startCli(["--port", "0"], {
        cwd: empty,
        env: {
          ANTHROPIC_API_KEY: anthropicTestKey,
          ANTHROPIC_BASE_URL: scripted.origin,
          AWS_ACCESS_KEY_ID: "AKIDE2ETEST",
          AWS_SECRET_ACCESS_KEY: "e2e-secret-access-key",
          AWS_REGION: "eu-central-1",
        },
      });
      expect(running.output()).toMatch(/anthropic\/\*/);
      expect(running.output()).toMatch(/bedrock\/\*/);
      const openai = new OpenAI({ apiKey: "unused", baseURL: `${running.url}/v1`, maxRetries: 0 });
      scripted.enqueue(
        anthropicWire.text({
          pieces: ["Hello", " from", " Claude."],
          usage: { input: 9, output: 4 },
          stream: false,
        }),
      );
      const completion = await openai.chat.completions.create({
        model: "anthropic/claude-sonnet-4-5",
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(completion.choices[0].message.content).toBe("Hello from Claude.");
      expect(scripted.requests.at(-1)).toMatchObject({
        path: "/v1/messages",
        headers: { "x-api-key": anthropicTestKey },
        body: { model: "claude-sonnet-4-5" },
      });
      expect(await stopCli(running, "SIGINT")).toBe(0);
    } finally {
      await scripted.stop();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("prints every config problem at once and exits non-zero", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "switchboard-e2e-bad-"));
    writeFileSync(
      path.join(directory, "bad.yaml"),
      ["models:", "  - name: x", "    provider: nope", "  - name: y", "    provider: openai"].join(
        "\n",
      ),
    );
    const { code, output } = await runCli(["--config", "bad.yaml"], { cwd: directory });
    expect(code).toBe(78);
    expect(output).toContain("bad.yaml: models[0].provider");
    expect(output).toContain("bad.yaml: models[1].apiKey");
    rmSync(directory, { recursive: true, force: true });
  });

  it("refuses to bind beyond loopback without a master key", async () => {
    const { code, output } = await runCli(["--host", "0.0.0.0", "--port", "0"], {
      cwd: workingDirectory,
    });
    expect(code).toBe(78);
    expect(output).toMatch(/refusing to listen on 0\.0\.0\.0 without a master key/);
  });

  it("rejects unknown flags with the usage text", async () => {
    const { code, output } = await runCli(["--prot", "4000"], { cwd: workingDirectory });
    expect(code).toBe(2);
    expect(output).toMatch(/Unknown option '--prot'/);
    expect(output).toContain("Usage:");
  });
});
