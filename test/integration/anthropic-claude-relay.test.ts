import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeAwsEvent } from "../../server/gateway/aws-event-stream.ts";
import { anthropicAnswer, anthropicTestKey } from "../contract/wires/anthropic-wire.ts";
import { bedrockTestCredentials } from "../contract/wires/bedrock-wire.ts";
import { parseFramedEvents, scriptedEvents } from "../support/anthropic-events.ts";
import {
  jsonReply,
  startScriptedUpstream,
  type ScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * What reaches Claude: a request shaped like Claude Code's arrives at Anthropic byte for byte
 * (but the model) with its beta header and ?beta=true; Claude on Bedrock (InvokeModel) and on
 * Vertex AI (rawPredict) gets the same body in its platform's envelope, at the platform's path.
 */

const masterKey = "sk-master-test-key";
const betas =
  "claude-code-20250219,interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14";
const usage = {
  input_tokens: 3000,
  cache_creation_input_tokens: 1200,
  cache_read_input_tokens: 9000,
  output_tokens: 40,
};

/** A request the way Claude Code sends one: system blocks with cache_control, many tools, metadata, thinking, fields the gateway does not know. */
function claudeCodeRequest(model: string, stream: boolean) {
  const tools = Array.from({ length: 40 }, (_, index) => ({
    name: `tool_${index}`,
    description: `Tool number ${index}: does something useful with files.`,
    input_schema: {
      type: "object",
      properties: { path: { type: "string", description: "An absolute path" } },
      required: ["path"],
      additionalProperties: false,
    },
    ...(index === 39 ? { cache_control: { type: "ephemeral" } } : {}),
  }));
  return {
    model,
    max_tokens: 32000,
    stream,
    system: [
      { type: "text", text: "You are Claude Code, Anthropic's official CLI for Claude." },
      { type: "text", text: "Long instructions…", cache_control: { type: "ephemeral", ttl: "1h" } },
    ],
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "<system-reminder>context</system-reminder>" },
          { type: "text", text: "Fix the bug in main.ts", cache_control: { type: "ephemeral" } },
        ],
      },
    ],
    tools,
    thinking: { type: "enabled", budget_tokens: 31999 },
    metadata: { user_id: "user_abc_account_123_session_456" },
    context_management: { edits: [{ type: "clear_tool_uses_20250919" }] },
    a_field_from_next_year: { keep: ["me", 1, true] },
  };
}

/** Anthropic's stream events as Bedrock's InvokeModelWithResponseStream frames them: a `chunk` with base64 bytes each. */
function bedrockChunks(frames: Array<string | Uint8Array>): Uint8Array[] {
  return scriptedEvents(frames).map(({ data }) =>
    encodeAwsEvent({
      eventType: "chunk",
      payload: { bytes: Buffer.from(JSON.stringify(data)).toString("base64") },
    }),
  );
}

describe("the Anthropic edge reaching Claude without loss", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;
  let client: Anthropic;

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
          name: "claude-bedrock",
          provider: "bedrock",
          model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
          apiBase: upstream.origin,
          ...bedrockTestCredentials,
        },
        {
          name: "claude-vertex",
          provider: "vertex",
          model: "claude-sonnet-4-5@20250929",
          project: "test-project",
          location: "us-east5",
          apiKey: "vertex-test-api-key-0123456789",
          apiBase: upstream.origin,
        },
      ],
    });
    client = new Anthropic({ apiKey: masterKey, baseURL: gateway.url, maxRetries: 0 });
  });
  beforeEach(() => void (upstream.requests.length = 0));
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("a Claude Code request reaches Anthropic byte for byte but the model, with its beta header and query", async () => {
    const reply = anthropicAnswer({
      blocks: [
        { type: "thinking", pieces: ["Look at main.ts."] },
        {
          type: "tool_use",
          id: "toolu_01",
          name: "tool_3",
          argumentPieces: ['{"path":', '"/main.ts"}'],
        },
      ],
      usage,
      stopReason: "tool_use",
      stream: true,
    });
    upstream.enqueue(reply);
    const text = JSON.stringify(claudeCodeRequest("claude-sonnet", true));
    const response = await fetch(`${gateway.url}/v1/messages?beta=true`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${masterKey}`,
        "anthropic-version": "2023-06-01",
        "anthropic-beta": betas,
        "x-claude-code-session-id": "session-456",
      },
      body: text,
    });
    expect(parseFramedEvents(await response.text())).toEqual(scriptedEvents(reply.frames!));
    const sent = upstream.requests[0];
    expect(sent.path).toBe("/v1/messages?beta=true");
    expect(sent.rawBody).toBe(
      text.replace('"model":"claude-sonnet"', '"model":"claude-sonnet-4-5-20250929"'),
    );
    expect(sent.headers["anthropic-beta"]).toBe(betas);
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers["x-api-key"]).toBe(anthropicTestKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(await gateway.latestLog()).toMatchObject({
      source: "anthropic-messages",
      status: "SUCCESS",
      promptTokens: 13200,
      completionTokens: 40,
    });
  });

  it("the SDK's beta client sends ?beta=true and anthropic-beta, and both reach Anthropic", async () => {
    upstream.enqueue(
      anthropicAnswer({
        blocks: [{ type: "text", pieces: ["ok"] }],
        usage,
        stopReason: "end_turn",
        stream: false,
      }),
    );
    const message = await client.beta.messages.create({
      model: "claude-sonnet",
      max_tokens: 100,
      betas: ["interleaved-thinking-2025-05-14", "context-1m-2025-08-07"],
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(message.content).toEqual([{ type: "text", text: "ok" }]);
    expect(upstream.requests[0].path).toBe("/v1/messages?beta=true");
    expect(upstream.requests[0].headers["anthropic-beta"]).toBe(
      "interleaved-thinking-2025-05-14,context-1m-2025-08-07",
    );
  });

  it("Claude on Bedrock gets the body through InvokeModel: no model, bedrock's anthropic_version, betas in the body", async () => {
    const answer = anthropicAnswer({
      blocks: [{ type: "text", pieces: ["Hi from Bedrock"] }],
      usage,
      stopReason: "end_turn",
      stream: false,
    });
    upstream.enqueue(answer);
    const message = await client.messages.create(
      {
        model: "claude-bedrock",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      },
      { headers: { "anthropic-beta": "context-1m-2025-08-07" } },
    );
    expect(message).toEqual(JSON.parse(String(answer.frames![0])));
    const sent = upstream.requests[0];
    expect(sent.path).toBe("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke");
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0TEST1234\//,
    );
    expect(sent.body).toEqual({
      anthropic_version: "bedrock-2023-05-31",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
      anthropic_beta: ["context-1m-2025-08-07"],
    });
  });

  it("Claude on Bedrock streams through invoke-with-response-stream, each chunk's event relayed", async () => {
    const reply = anthropicAnswer({
      blocks: [{ type: "text", pieces: ["Hello", " from", " Bedrock"] }],
      usage,
      stopReason: "end_turn",
      stream: true,
    });
    upstream.enqueue({
      status: 200,
      headers: { "content-type": "application/vnd.amazon.eventstream" },
      frames: bedrockChunks(reply.frames!),
    });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": masterKey },
      body: JSON.stringify(claudeCodeRequest("claude-bedrock", true)),
    });
    expect(parseFramedEvents(await response.text())).toEqual(scriptedEvents(reply.frames!));
    const sent = upstream.requests[0];
    expect(sent.path).toBe(
      "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream",
    );
    const { model: _model, stream: _stream, ...rest } = claudeCodeRequest("claude-bedrock", true);
    expect(sent.body).toEqual({ anthropic_version: "bedrock-2023-05-31", ...rest });
    expect(await gateway.latestLog()).toMatchObject({
      status: "SUCCESS",
      stream: true,
      completionTokens: 40,
    });
  });

  it("Claude on Vertex AI gets the body through rawPredict / streamRawPredict with vertex's anthropic_version", async () => {
    upstream.enqueue(
      jsonReply(
        200,
        JSON.parse(
          String(
            anthropicAnswer({
              blocks: [{ type: "text", pieces: ["Vertex"] }],
              usage,
              stopReason: "end_turn",
              stream: false,
            }).frames![0],
          ),
        ),
      ),
    );
    const message = await client.messages.create(
      { model: "claude-vertex", max_tokens: 100, messages: [{ role: "user", content: "Hi" }] },
      { headers: { "anthropic-beta": "context-1m-2025-08-07" } },
    );
    expect(message.content).toEqual([{ type: "text", text: "Vertex" }]);
    const models = "/v1/projects/test-project/locations/us-east5/publishers/anthropic/models";
    expect(upstream.requests[0].path).toBe(`${models}/claude-sonnet-4-5@20250929:rawPredict`);
    expect(upstream.requests[0].headers["x-goog-api-key"]).toBe("vertex-test-api-key-0123456789");
    expect(upstream.requests[0].headers["anthropic-beta"]).toBe("context-1m-2025-08-07");
    expect(upstream.requests[0].body).toEqual({
      anthropic_version: "vertex-2023-10-16",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });

    const reply = anthropicAnswer({
      blocks: [{ type: "text", pieces: ["Streamed", " Vertex"] }],
      usage,
      stopReason: "end_turn",
      stream: true,
    });
    upstream.enqueue(reply);
    const final = await client.messages
      .stream({
        model: "claude-vertex",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      })
      .finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Streamed Vertex" }]);
    expect(upstream.requests[1].path).toBe(`${models}/claude-sonnet-4-5@20250929:streamRawPredict`);
    expect(upstream.requests[1].body).toMatchObject({
      anthropic_version: "vertex-2023-10-16",
      stream: true,
    });
    expect(upstream.requests[1].body.model).toBeUndefined();
  });

  it("count_tokens for Claude on Bedrock asks CountTokens with the InvokeModel body", async () => {
    upstream.enqueue(jsonReply(200, { inputTokens: 31 }));
    const counted = await client.messages.countTokens(
      { model: "claude-bedrock", system: "Be brief.", messages: [{ role: "user", content: "Hi" }] },
      { headers: { "anthropic-beta": "context-1m-2025-08-07" } },
    );
    expect(counted).toEqual({ input_tokens: 31 });
    const sent = upstream.requests[0];
    expect(sent.path).toBe("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens");
    expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(JSON.parse(Buffer.from(sent.body.input.invokeModel.body, "base64").toString())).toEqual({
      max_tokens: 1,
      anthropic_version: "bedrock-2023-05-31",
      system: "Be brief.",
      messages: [{ role: "user", content: "Hi" }],
      anthropic_beta: ["context-1m-2025-08-07"],
    });
  });

  it("count_tokens for Claude on Vertex AI asks count-tokens:rawPredict with the model in the body", async () => {
    upstream.enqueue(jsonReply(200, { input_tokens: 12 }));
    const counted = await client.messages.countTokens({
      model: "claude-vertex",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(counted).toEqual({ input_tokens: 12 });
    expect(upstream.requests[0].path).toBe(
      "/v1/projects/test-project/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict",
    );
    expect(upstream.requests[0].body).toEqual({
      anthropic_version: "vertex-2023-10-16",
      model: "claude-sonnet-4-5@20250929",
      messages: [{ role: "user", content: "Hi" }],
    });
  });

  it("an overloaded_error in the middle of Claude's stream reaches the caller as Anthropic's error event", async () => {
    const reply = anthropicAnswer({
      blocks: [{ type: "text", pieces: ["Par", "tial"] }],
      usage,
      stopReason: "end_turn",
      stream: true,
    });
    const failure = `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })}\n\n`;
    upstream.enqueue({ ...reply, frames: [...reply.frames!.slice(0, 5), failure] });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": masterKey },
      body: JSON.stringify({
        model: "claude-sonnet",
        max_tokens: 10,
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
    const events = parseFramedEvents(await response.text());
    expect(events.slice(0, 5)).toEqual(scriptedEvents(reply.frames!.slice(0, 5)));
    expect(events.at(-1)).toEqual({
      event: "error",
      data: {
        type: "error",
        error: { type: "overloaded_error", message: "Overloaded" },
      },
    });
    expect(await gateway.latestLog()).toMatchObject({
      status: "ERROR",
      stream: true,
      source: "anthropic-messages",
    });
  });
});
