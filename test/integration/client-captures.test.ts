import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicAnswer, anthropicTestKey } from "../contract/wires/anthropic-wire.ts";
import { openAIAnswer, openAIUsage } from "../contract/wires/openai-wire.ts";
import { eventSequence, parseFramedEvents } from "../support/anthropic-events.ts";
import { responsesStream } from "../support/responses-wire.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../support/scripted-upstream.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * The first request Claude Code 2.1.197 and Codex CLI 0.171.0 really sent (`claude -p` and
 * `codex exec` pointed at a capturing server; long strings cut): replayed as they came, with
 * their headers, against a deployment that speaks the client's own format (relayed) and one
 * that does not (translated). Both clients send things the docs' examples do not — a `system`
 * role inside `messages`, `thinking: { type: "adaptive" }`, `output_config`, Codex's
 * `namespace` and `web_search` tools, `include`, `prompt_cache_key`, `client_metadata` — and a
 * gateway that refuses any of them breaks the client on its first call.
 */

interface Capture {
  url: string;
  headers: Record<string, string>;
  body: Record<string, any>;
}

const readCapture = (name: string): Capture =>
  JSON.parse(readFileSync(new URL(`../fixtures/clients/${name}`, import.meta.url), "utf8"));

const claudeCode = readCapture("claude-code-messages-request.json");
const codex = readCapture("codex-responses-request.json");
const masterKey = "sk-master-test-key";

describe("requests captured from Claude Code and Codex", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      router: { retries: 0 },
      models: [
        {
          name: "claude-sonnet",
          provider: "anthropic",
          model: "claude-sonnet-4-5-20250929",
          apiKey: anthropicTestKey,
          apiBase: upstream.origin,
        },
        {
          name: "gpt",
          provider: "openai",
          model: "gpt-5",
          apiKey: "sk-openai-test-0123456789",
          apiBase: `${upstream.origin}/v1`,
        },
      ],
      // What the clients send, routed by the operator to whichever group they choose.
      modelAliases: { [claudeCode.body.model]: "claude-sonnet", [codex.body.model]: "gpt" },
    });
  });
  beforeEach(() => void (upstream.requests.length = 0));
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  async function replay(capture: Capture, model: string): Promise<Response> {
    return fetch(`${gateway.url}${capture.url}`, {
      method: "POST",
      headers: {
        ...capture.headers,
        "content-type": "application/json",
        authorization: `Bearer ${masterKey}`,
      },
      body: JSON.stringify({ ...capture.body, model }),
    });
  }

  it("Claude Code's request reaches Claude as it came, under the alias it sends", async () => {
    const answer = anthropicAnswer({
      blocks: [{ type: "text", pieces: ["Hello", "!"] }],
      usage: { input_tokens: 12, output_tokens: 2 },
      stopReason: "end_turn",
      stream: true,
    });
    upstream.enqueue(answer);
    const response = await replay(claudeCode, claudeCode.body.model);
    expect(response.status).toBe(200);
    const events = eventSequence(parseFramedEvents(await response.text()));
    expect(events.at(0)).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");
    const sent = upstream.requests[0];
    expect(sent.path).toBe(claudeCode.url);
    expect(sent.headers["anthropic-beta"]).toBe(claudeCode.headers["anthropic-beta"]);
    expect(sent.body).toEqual({ ...claudeCode.body, model: "claude-sonnet-4-5-20250929" });
  });

  it("Claude Code's request is served by an OpenAI model, its mid-conversation system message kept", async () => {
    upstream.enqueue(
      openAIAnswer({
        model: "gpt-5",
        content: ["Hello", "!"],
        finishReason: "stop",
        usage: openAIUsage({ input: 30, output: 2 }),
        stream: true,
      }),
    );
    const response = await replay(claudeCode, "gpt");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(eventSequence(parseFramedEvents(text))).toEqual([
      "message_start",
      "ping",
      "content_block_start:0:text",
      "content_block_delta:0:text_delta",
      "content_block_delta:0:text_delta",
      "content_block_stop:0",
      "message_delta:end_turn",
      "message_stop",
    ]);
    const sent = upstream.requests[0];
    expect(sent.path).toBe("/v1/chat/completions");
    const roles = sent.body.messages.map((message: { role: string }) => message.role);
    expect(roles[0]).toBe("system");
    expect(roles.slice(1)).toEqual(["user", "system"]);
    expect(sent.body.tools).toHaveLength(claudeCode.body.tools.length);
  });

  it("Codex's request reaches OpenAI's Responses API natively, streamed back as it came", async () => {
    upstream.enqueue(responsesStream({ model: "gpt-5", text: ["Hello", "!"] }));
    const response = await replay(codex, codex.body.model);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: response.completed");
    const sent = upstream.requests[0];
    expect(sent.path).toBe("/v1/responses");
    const { model: _model, ...rest } = sent.body;
    const { model: _captured, ...captured } = codex.body;
    expect(sent.body.model).toBe("gpt-5");
    expect(rest).toEqual(captured);
  });

  it("Codex's request is served by Claude: function tools kept, namespaced ones flattened, hosted ones left out", async () => {
    upstream.enqueue(
      anthropicAnswer({
        blocks: [{ type: "text", pieces: ["Hello", "!"] }],
        usage: { input_tokens: 40, output_tokens: 2 },
        stopReason: "end_turn",
        stream: true,
      }),
    );
    const response = await replay(codex, "claude-sonnet");
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("event: response.output_text.delta");
    expect(text).toContain("event: response.completed");
    const sent = upstream.requests[0];
    expect(sent.path).toBe("/v1/messages");
    const names = sent.body.tools.map((tool: { name: string }) => tool.name);
    const functionNames = codex.body.tools
      .filter((tool: { type: string }) => tool.type === "function")
      .map((tool: { name: string }) => tool.name);
    expect(names).toEqual(expect.arrayContaining(functionNames));
    expect(names).toContain("close_agent");
    expect(names).not.toContain("web_search");
    expect(sent.body.system).toBeDefined();
  });
});
