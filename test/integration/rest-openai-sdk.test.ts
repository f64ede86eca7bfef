import { once } from "node:events";
import { connect } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-test-key";

describe("OpenAI-compatible REST, driven by the official openai SDK", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    // No retries: these cases check how a provider's errors reach the SDK.
    gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl)],
      auth: { masterKey },
      router: { retries: 0 },
    });
    openai = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("creates a completion and returns the gateway's headers", async () => {
    const { data: completion, response } = await openai.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] })
      .withResponse();
    expect(completion.choices[0].message.content).toBe("Hello from the mock upstream.");
    expect(completion.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
    });
    expect(response.headers.get("x-switchboard-provider")).toBe("openai");
    expect(response.headers.get("x-switchboard-cost-usd")).toBe("0.000006");
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-upstream-test");
    expect(await gateway.latestLog()).toMatchObject({
      status: "SUCCESS",
      source: "rest",
      costUsd: "0.000006",
    });
  });

  it("streams chunk by chunk and ends with usage when include_usage is asked", async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finishReason: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello from the mock upstream.");
    expect(finishReason).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
    expect(await gateway.latestLog()).toMatchObject({
      status: "SUCCESS",
      stream: true,
      source: "rest",
      completionTokens: 7,
    });
  });

  it("does not send a usage chunk the caller did not ask for (but still logs usage)", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      }),
    });
    const text = await response.text();
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(text).not.toContain('"usage"');
    expect(upstream.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    expect(await gateway.latestLog()).toMatchObject({ completionTokens: 7, costUsd: "0.000006" });
  });

  it("lists models", async () => {
    const models = await openai.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["gpt-4o-mini"]);
  });

  it("maps errors to OpenAI's error body and status, and the SDK raises the matching class", async () => {
    await expect(
      openai.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({
      status: 404,
      error: { type: "invalid_request_error", code: "model_not_found", param: "model" },
    });
    await expect(
      openai.chat.completions.create({ model: "gpt-4o-mini", messages: [] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);

    upstream.enqueue({
      type: "error",
      status: 429,
      body: {
        error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
      },
      headers: { "retry-after": "7" },
    });
    const limited = await openai.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe(
      "7",
    );

    upstream.enqueue({
      type: "error",
      status: 500,
      body: { error: { message: "boom", type: "server_error" } },
    });
    await expect(
      openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "x" }],
      }),
    ).rejects.toMatchObject({ status: 502 });

    const unauthenticated = new OpenAI({
      apiKey: "sk-wrong",
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    await expect(unauthenticated.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("answers invalid JSON with 400 in OpenAI's shape, logs it, and keeps serving", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: '{"model": "gpt-4o-mini", "messages": [',
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: "invalid_request_error", code: "bad_request" });
    expect(body.error.message).toMatch(/not valid JSON/);
    expect(await gateway.latestLog()).toMatchObject({
      status: "ERROR",
      errorCode: "BAD_REQUEST",
      httpStatus: 400,
    });
    const after = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "still there?" }],
    });
    expect(after.choices[0].message.content).toBeTruthy();
  });

  it("refuses a body over 20 MB with 413, logs it, and keeps serving", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "x".repeat(21 * 1024 * 1024) }],
      }),
    });
    expect(response.status).toBe(413);
    expect((await response.json()).error.message).toMatch(/larger than 20971520 bytes/);
    expect(await gateway.latestLog()).toMatchObject({ errorCode: "BAD_REQUEST", httpStatus: 413 });
    const after = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "still there?" }],
    });
    expect(after.choices[0].message.content).toBeTruthy();
  });

  it("logs a caller that goes away half-way through its body as cancelled, sending nothing upstream", async () => {
    const before = upstream.requests.length;
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${masterKey}\r\ncontent-length: 1000\r\n\r\n{"model": "gpt-4o-mini",`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await expect
      .poll(() => gateway.latestLog(), { timeout: 5_000 })
      .toMatchObject({ status: "CANCELLED", errorCode: "CANCELLED" });
    expect(upstream.requests.length).toBe(before);
  });

  it("relays a 3 MB stream whole and in order to a caller that stops reading for a while", async () => {
    const piece = "x".repeat(1000);
    const frames = Array.from(
      { length: 3000 },
      (_, index) =>
        `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: `${index}:${piece};` }, finish_reason: null }] })}\n\n`,
    );
    upstream.enqueue({
      type: "raw",
      contentType: "text/event-stream",
      body: `${frames.join("")}data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\ndata: [DONE]\n\n`,
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "x" }],
        stream: true,
      }),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value, { stream: true });
    // The caller stops reading: the gateway's socket buffer fills and its writes wait for drain.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (let part = await reader.read(); !part.done; part = await reader.read())
      text += decoder.decode(part.value, { stream: true });
    const contents = text
      .split("\n\n")
      .filter((event) => event.startsWith("data: {"))
      .map((event) => JSON.parse(event.slice(6)).choices[0]?.delta?.content ?? "")
      .join("");
    expect(contents).toBe(frames.map((_, index) => `${index}:${piece};`).join(""));
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("ends a stream with an error event when the upstream drops mid-stream", async () => {
    upstream.enqueue({ type: "drop-mid-stream", afterChunks: 2 });
    const stream = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "x" }],
      stream: true,
    });
    let received = 0;
    const failure = await (async () => {
      try {
        for await (const _chunk of stream) received += 1;
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(received).toBeGreaterThan(0);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(await gateway.latestLog()).toMatchObject({
      status: "ERROR",
      errorCode: "PROVIDER_ERROR",
      stream: true,
    });
  });

  it("aborts the upstream request when a non-streaming REST caller disconnects while it waits", async () => {
    upstream.enqueue({ type: "hang" });
    const closedBefore = upstream.closedRequests;
    const requestsBefore = upstream.requests.length;
    const controller = new AbortController();
    const call = openai.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] },
      { signal: controller.signal, maxRetries: 0 },
    );
    await vi.waitFor(() => expect(upstream.requests.length).toBe(requestsBefore + 1));
    controller.abort();
    await expect(call).rejects.toThrow();
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({ status: "CANCELLED", stream: false });
  });

  it("aborts the upstream request when the REST caller disconnects", async () => {
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 500 });
    const closedBefore = upstream.closedRequests;
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }], stream: true },
      { signal: controller.signal },
    );
    let received = 0;
    try {
      for await (const _chunk of stream) {
        received += 1;
        if (received === 2) controller.abort();
      }
    } catch {
      // The SDK raises an abort error; the point is what the upstream saw.
    }
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({ status: "CANCELLED", stream: true });
  });
});
