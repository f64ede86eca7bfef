import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anthropicAnswer,
  anthropicError,
  anthropicTestKey,
} from "../contract/wires/anthropic-wire.ts";
import { openAIAnswer, openAIUsage } from "../contract/wires/openai-wire.ts";
import { createTeamWithKey } from "../support/admin-calls.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../support/scripted-upstream.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * /v1/messages under the same governance as every completion: budgets reserved before the call,
 * rate limits, model allow-lists, the request log (source "anthropic-messages", the spend) and
 * the caller's disconnect closing the upstream — refusals in Anthropic's error shape.
 */

const masterKey = "sk-master-anthropic-governance";
// 1000 USD per million tokens: an answer of 12 + 7 tokens costs exactly 0.019 USD.
const pricing = { inputPerMillion: 1000, outputPerMillion: 1000 };
const usage = {
  input_tokens: 12,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  output_tokens: 7,
};
const hello = { max_tokens: 10, messages: [{ role: "user" as const, content: "hi" }] };

/** Resolves once the upstream has received its `count`th request. */
async function upstreamReceived(upstream: ScriptedUpstream, count: number): Promise<void> {
  while (upstream.requests.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("/v1/messages under the gateway's governance", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;
  const client = (apiKey: string) => new Anthropic({ apiKey, baseURL: gateway.url, maxRetries: 0 });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    upstream.setDefault(
      anthropicAnswer({
        blocks: [{ type: "text", pieces: ["ok"] }],
        usage,
        stopReason: "end_turn",
        stream: false,
      }),
    );
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
          pricing,
        },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("logs the request with source anthropic-messages and its spend", async () => {
    await client(masterKey).messages.create({ model: "claude-sonnet", ...hello });
    expect(await gateway.latestLog()).toMatchObject({
      source: "anthropic-messages",
      status: "SUCCESS",
      requestedModel: "claude-sonnet",
      promptTokens: 12,
      completionTokens: 7,
      costUsd: "0.019",
    });
  });

  it("a spent budget refuses before anything is sent, as rate_limit_error 429 that the SDK will not retry", async () => {
    const { secret } = await createTeamWithKey(gateway, masterKey, {
      name: "anthropic-budget",
      budget: { limitUsd: "0.03", period: "MONTHLY" },
    });
    await client(secret).messages.create({ model: "claude-sonnet", ...hello });
    const sentBefore = upstream.requests.length;
    const failure = await new Anthropic({
      apiKey: secret,
      baseURL: gateway.url,
      maxRetries: 3,
    }).messages
      .create({ model: "claude-sonnet", ...hello })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    const error = failure as InstanceType<typeof Anthropic.RateLimitError>;
    expect(error.error).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error", message: expect.stringMatching(/budget/i) },
    });
    expect(error.headers.get("x-should-retry")).toBe("false");
    // Refused at the reservation: nothing reached the upstream, and the SDK did not try again.
    expect(upstream.requests.length).toBe(sentBefore);
    expect(await gateway.latestLog()).toMatchObject({
      source: "anthropic-messages",
      status: "ERROR",
      errorCode: "BUDGET_EXCEEDED",
    });
  });

  it("a rate limit refuses as rate_limit_error 429 with retry-after", async () => {
    const { secret } = await createTeamWithKey(gateway, masterKey, {
      name: "anthropic-rpm",
      limits: { rpm: 1 },
    });
    await client(secret).messages.create({ model: "claude-sonnet", ...hello });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": secret },
      body: JSON.stringify({ model: "claude-sonnet", ...hello }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error" },
    });
  });

  it("a model outside the key's allow-list is permission_error 403, for messages and count_tokens", async () => {
    const { secret } = await createTeamWithKey(gateway, masterKey, {
      name: "anthropic-allow-list",
      models: ["some-other-model"],
    });
    const sentBefore = upstream.requests.length;
    await expect(
      client(secret).messages.create({ model: "claude-sonnet", ...hello }),
    ).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    await expect(
      client(secret).messages.countTokens({ model: "claude-sonnet", messages: hello.messages }),
    ).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(upstream.requests.length).toBe(sentBefore);
  });

  it("the caller going away before the answer closes the upstream request and is logged as cancelled", async () => {
    upstream.enqueue({ hang: true });
    const controller = new AbortController();
    const before = upstream.requests.length;
    const closedBefore = upstream.closedRequests;
    const call = fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": masterKey },
      body: JSON.stringify({ model: "claude-sonnet", ...hello }),
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await upstreamReceived(upstream, before + 1);
    controller.abort();
    await call;
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({
      source: "anthropic-messages",
      status: "CANCELLED",
    });
  });

  it("the caller going away mid-stream closes the upstream stream", async () => {
    const reply = anthropicAnswer({
      blocks: [
        { type: "text", pieces: Array.from({ length: 50 }, (_, index) => `piece ${index} `) },
      ],
      usage,
      stopReason: "end_turn",
      stream: true,
    });
    upstream.enqueue({ ...reply, frameDelayMs: 20 });
    const controller = new AbortController();
    const closedBefore = upstream.closedRequests;
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": masterKey },
      body: JSON.stringify({ model: "claude-sonnet", ...hello, stream: true }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event: message_start");
    controller.abort();
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({
      source: "anthropic-messages",
      status: "CANCELLED",
      stream: true,
    });
  });
});

describe("/v1/messages and the response cache", () => {
  let claude: ScriptedUpstream;
  let openai: ScriptedUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    claude = await startScriptedUpstream();
    openai = await startScriptedUpstream();
    claude.setDefault(
      anthropicAnswer({
        blocks: [{ type: "text", pieces: ["ok"] }],
        usage,
        stopReason: "end_turn",
        stream: false,
      }),
    );
    openai.setDefault(
      openAIAnswer({
        model: "gpt-4o-mini",
        content: ["cached?"],
        finishReason: "stop",
        usage: openAIUsage({ input: 12, output: 7 }),
        stream: false,
      }),
    );
    gateway = await startTestApp({
      cache: { enabled: true },
      models: [
        {
          name: "claude-sonnet",
          provider: "anthropic",
          apiKey: anthropicTestKey,
          apiBase: claude.origin,
        },
        {
          name: "gpt-4o-mini",
          provider: "openai",
          apiKey: "sk-upstream",
          apiBase: `${openai.origin}/v1`,
        },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await claude?.stop();
    await openai?.stop();
  });

  const ask = (model: string) =>
    fetch(`${gateway.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model, ...hello, temperature: 0 }),
    });

  it("a model Claude serves is never answered from the cache (its body is the caller's own)", async () => {
    await ask("claude-sonnet");
    const second = await ask("claude-sonnet");
    expect(second.headers.get("x-switchboard-cache")).not.toBe("hit");
    expect(claude.requests).toHaveLength(2);
  });

  it("another model is, converted from the stored answer", async () => {
    await ask("gpt-4o-mini");
    const second = await ask("gpt-4o-mini");
    expect(second.headers.get("x-switchboard-cache")).toBe("hit");
    expect(await second.json()).toMatchObject({
      type: "message",
      content: [{ type: "text", text: "cached?" }],
    });
    expect(openai.requests).toHaveLength(1);
  });
});

describe("/v1/messages through the router's fallbacks", () => {
  let claude: ScriptedUpstream;
  let openai: ScriptedUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    claude = await startScriptedUpstream();
    openai = await startScriptedUpstream();
    gateway = await startTestApp({
      router: { retries: 0, fallbacks: { "claude-sonnet": ["gpt-4o-mini"] } },
      models: [
        {
          name: "claude-sonnet",
          provider: "anthropic",
          apiKey: anthropicTestKey,
          apiBase: claude.origin,
        },
        {
          name: "gpt-4o-mini",
          provider: "openai",
          apiKey: "sk-upstream",
          apiBase: `${openai.origin}/v1`,
        },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await claude?.stop();
    await openai?.stop();
  });

  it("an overloaded Claude falls back to another provider, whose answer comes back converted", async () => {
    claude.enqueue(anthropicError("overloaded"));
    openai.enqueue(
      openAIAnswer({
        model: "gpt-4o-mini",
        content: ["Fallback ", "answer."],
        finishReason: "stop",
        usage: openAIUsage({ input: 12, output: 7 }),
        stream: true,
      }),
    );
    const stream = new Anthropic({
      apiKey: "unused",
      baseURL: gateway.url,
      maxRetries: 0,
    }).messages.stream({
      model: "claude-sonnet",
      ...hello,
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: "Fallback answer." }]);
    expect(claude.requests).toHaveLength(1);
    expect(openai.requests[0].body.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(await gateway.latestLog()).toMatchObject({
      source: "anthropic-messages",
      status: "SUCCESS",
    });
  });
});
