import { createServer, type AddressInfo } from "node:net";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import type { ChatChunk, ChatRequest, FinishReason, ProviderAdapter } from "../../server/gateway/spec.ts";
import { defaultMockContent, readOpenAIFixture, readOpenAIFixtureText, startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";

export interface ProviderContractOptions {
  /** The suite's title, e.g. "openai". */
  name: string;
  /** The provider name the adapter reports (and puts in its errors). */
  provider: string;
  /** An adapter pointed at the mock upstream, sending through the shared pool. */
  createAdapter(upstream: { baseUrl: string }, context: { dispatcher: Dispatcher }): ProviderAdapter;
  /** The Authorization header the upstream must receive; undefined means none at all. */
  expectedAuthorization: string | undefined;
  /** Raw upstream finish reasons and what the adapter must turn them into, besides OpenAI's own. */
  finishReasons?: Record<string, FinishReason>;
}

const hello: ChatRequest = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] };
const weatherCall = { id: "call_9", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Oslo","unit":"celsius"}' } };

/** A signal that never fires, for calls that are not about cancellation. */
function idle(): { signal: AbortSignal } {
  return { signal: new AbortController().signal };
}

/** The UpstreamError (or whatever) a call rejects with; fails the test when it resolves. */
async function failureOf(call: Promise<unknown> | (() => Promise<unknown>)): Promise<any> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** Every chunk a stream yields, and the error it ended with (if any). */
async function drain(stream: AsyncIterable<ChatChunk>): Promise<{ chunks: ChatChunk[]; error: any }> {
  const chunks: ChatChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

function textOf(chunks: ChatChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

/** The `data:` payloads of an SSE fixture, parsed, without [DONE]. */
function fixturePayloads(name: string): unknown[] {
  return [...readOpenAIFixtureText(name).matchAll(/^data: (.*)$/gm)].map((match) => match[1]).filter((data) => data !== "[DONE]").map((data) => JSON.parse(data));
}

/**
 * The shared provider contract (DESIGN §10.8): every adapter that speaks to an OpenAI-format
 * upstream passes these cases against the mock upstream, whose answers are OpenAI's documented
 * wire format (test/fixtures/openai/).
 */
export function runProviderContract(options: ProviderContractOptions): void {
  const { name, provider } = options;

  describe(`provider contract: ${name}`, () => {
    let upstream: MockUpstream;
    let dispatcher: Dispatcher;
    let adapter: ProviderAdapter;

    beforeAll(async () => {
      upstream = await startMockOpenAIUpstream();
      dispatcher = createUpstreamDispatcher();
      adapter = options.createAdapter(upstream, { dispatcher });
    });
    afterAll(async () => {
      await dispatcher?.close();
      await upstream?.stop();
    });
    beforeEach(() => {
      upstream.requests.length = 0;
    });

    it("reports its provider name", () => {
      expect(adapter.provider).toBe(provider);
    });

    describe("text", () => {
      it("returns a completion with content, finish reason and usage", async () => {
        const response = await adapter.chat(hello, idle());
        expect(response.object).toBe("chat.completion");
        expect(response.model).toBe("gpt-4o-mini");
        expect(response.choices).toEqual([{ index: 0, message: { role: "assistant", content: defaultMockContent, refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }]);
        expect(response.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, prompt_tokens_details: { cached_tokens: 0 } });
      });

      it("passes OpenAI's documented response through unchanged, unknown fields included", async () => {
        const fixture = readOpenAIFixture("chat-completion.json");
        upstream.enqueue({ type: "raw", body: JSON.stringify(fixture), contentType: "application/json" });
        expect(await adapter.chat(hello, idle())).toEqual(fixture);
      });
    });

    describe("stream", () => {
      it("yields chunks in order: role first, the text, the finish reason, then the usage chunk", async () => {
        const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
        expect(error).toBeUndefined();
        expect(chunks[0].choices[0].delta).toMatchObject({ role: "assistant" });
        expect(textOf(chunks)).toBe(defaultMockContent);
        expect(chunks.length).toBeGreaterThan(4);
        const [finishing, usage] = chunks.slice(-2);
        expect(finishing.choices[0].finish_reason).toBe("stop");
        expect(usage.choices).toEqual([]);
        expect(usage.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 });
        expect(chunks.slice(0, -2).every((chunk) => chunk.choices[0].finish_reason === null)).toBe(true);
      });

      it("yields OpenAI's documented stream exactly, chunk for chunk", async () => {
        upstream.enqueue({ type: "raw", body: readOpenAIFixtureText("stream.sse"), contentType: "text/event-stream; charset=utf-8" });
        const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
        expect(error).toBeUndefined();
        expect(chunks).toEqual(fixturePayloads("stream.sse"));
      });
    });

    describe("tools", () => {
      it("returns tool_calls with finish reason tool_calls", async () => {
        upstream.enqueue({ type: "completion", content: null, toolCalls: [weatherCall] });
        const response = await adapter.chat(hello, idle());
        expect(response.choices[0].message).toMatchObject({ content: null, tool_calls: [weatherCall] });
        expect(response.choices[0].finish_reason).toBe("tool_calls");
      });

      it("passes OpenAI's documented tool-call response through", async () => {
        const fixture = readOpenAIFixture("chat-completion-tool-calls.json");
        upstream.enqueue({ type: "raw", body: JSON.stringify(fixture), contentType: "application/json" });
        expect(await adapter.chat(hello, idle())).toEqual(fixture);
      });

      it("streams tool-call deltas that assemble into the call", async () => {
        upstream.enqueue({ type: "completion", content: null, toolCalls: [weatherCall] });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
        expect(deltas[0]).toEqual({ index: 0, id: "call_9", type: "function", function: { name: "get_weather", arguments: "" } });
        expect(deltas.length).toBeGreaterThan(2);
        expect(deltas.map((delta) => delta.function?.arguments ?? "").join("")).toBe(weatherCall.function.arguments);
        expect(chunks.at(-2)!.choices[0].finish_reason).toBe("tool_calls");
      });

      it("yields OpenAI's documented tool-call stream exactly", async () => {
        upstream.enqueue({ type: "raw", body: readOpenAIFixtureText("stream-tool-calls.sse"), contentType: "text/event-stream" });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        expect(chunks).toEqual(fixturePayloads("stream-tool-calls.sse"));
      });
    });

    describe("usage", () => {
      const usage = { prompt_tokens: 2048, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1536 } };

      it("reports cached prompt tokens (prompt_tokens_details.cached_tokens)", async () => {
        upstream.enqueue({ type: "completion", usage });
        const response = await adapter.chat(hello, idle());
        expect(response.usage).toMatchObject({ prompt_tokens: 2048, completion_tokens: 300, total_tokens: 2348, prompt_tokens_details: { cached_tokens: 1536 } });
      });

      it("reports them on the stream's usage chunk", async () => {
        upstream.enqueue({ type: "completion", usage });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 2048, total_tokens: 2348, prompt_tokens_details: { cached_tokens: 1536 } });
      });

      it("fills in total_tokens when a server leaves it out", async () => {
        const body = { ...readOpenAIFixture("chat-completion.json"), usage: { prompt_tokens: 5, completion_tokens: 2 } };
        upstream.enqueue({ type: "raw", body: JSON.stringify(body), contentType: "application/json" });
        expect((await adapter.chat(hello, idle())).usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
      });
    });

    describe("finish reason", () => {
      const table: Record<string, FinishReason> = { stop: "stop", length: "length", tool_calls: "tool_calls", content_filter: "content_filter", something_new: "stop", ...options.finishReasons };

      it.each(Object.entries(table))("maps %s to %s (JSON and stream)", async (raw, expected) => {
        const body = readOpenAIFixture("chat-completion.json");
        body.choices[0].finish_reason = raw;
        upstream.enqueue({ type: "raw", body: JSON.stringify(body), contentType: "application/json" });
        expect((await adapter.chat(hello, idle())).choices[0].finish_reason).toBe(expected);

        const frame = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: raw }] };
        upstream.enqueue({ type: "raw", body: `data: ${JSON.stringify(frame)}\n\ndata: [DONE]\n\n`, contentType: "text/event-stream" });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        expect(chunks[0].choices[0].finish_reason).toBe(expected);
      });
    });

    registerFailureCases(options, () => ({ upstream, adapter, dispatcher }));
    registerCancellationCases(() => ({ upstream, adapter }));
    registerWireCases(options, () => ({ upstream, adapter }));
  });
}

function registerFailureCases(options: ProviderContractOptions, context: () => { upstream: MockUpstream; adapter: ProviderAdapter; dispatcher: Dispatcher }): void {
  const { provider } = options;
  describe("upstream errors", () => {
    it("429 with retry-after is retryable and carries retryAfterMs", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 429, body: readOpenAIFixture("error-429.json"), headers: { "retry-after": "3" } });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ provider, kind: "http", upstreamStatus: 429, isRetryable: true, retryAfterMs: 3000, upstreamCode: "rate_limit_exceeded", isContextLengthExceeded: false, status: 429 });
      expect(error.message).toContain("Rate limit reached for gpt-4o");
    });

    it("retry-after-ms wins over retry-after", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 429, body: readOpenAIFixture("error-429.json"), headers: { "retry-after-ms": "120", "retry-after": "1" } });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ retryAfterMs: 120 });
    });

    it("500 is retryable", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ kind: "http", upstreamStatus: 500, isRetryable: true, upstreamCode: "server_error", status: 502 });
    });

    it("400 context_length_exceeded is not retryable and says so", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 400, body: readOpenAIFixture("error-context-length.json") });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({ upstreamStatus: 400, isRetryable: false, isContextLengthExceeded: true, upstreamCode: "context_length_exceeded", status: 400 });
      expect(error.message).toContain("maximum context length is 128000 tokens");
    });

    it("401 is not retryable (and is the gateway's credentials, so 502 to the caller)", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 401, body: readOpenAIFixture("error-401.json") });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ upstreamStatus: 401, isRetryable: false, upstreamCode: "invalid_api_key", status: 502 });
    });

    it("a non-JSON error body keeps its text", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 503, body: "upstream connect error or disconnect/reset before headers" });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({ upstreamStatus: 503, isRetryable: true, upstreamCode: undefined });
      expect(error.message).toContain("upstream connect error");
    });

    it("an error status on a stream is thrown before anything is yielded", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 429, body: readOpenAIFixture("error-429.json"), headers: { "retry-after": "2" } });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ upstreamStatus: 429, isRetryable: true, retryAfterMs: 2000 });
    });

    it("garbage on 200 is an invalid response, not retryable (JSON and stream)", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "garbage", body: "<html>502 Bad Gateway</html>" });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ provider, kind: "invalid-response", isRetryable: false });
      upstream.enqueue({ type: "garbage", body: { hello: "world" } });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ kind: "invalid-response" });
      upstream.enqueue({ type: "garbage", body: "<html>502 Bad Gateway</html>" });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ kind: "invalid-response", isRetryable: false });
    });

    it("garbage in the middle of a stream fails after the chunks already yielded", async () => {
      const { upstream, adapter } = context();
      const [first] = fixturePayloads("stream.sse");
      upstream.enqueue({ type: "raw", body: `data: ${JSON.stringify(first)}\n\ndata: <html>oops</html>\n\n`, contentType: "text/event-stream" });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([first]);
      expect(error).toMatchObject({ kind: "invalid-response" });
      expect(error.message).toContain("oops");
    });

    it("an error event in the middle of a stream is the upstream's error", async () => {
      const { upstream, adapter } = context();
      const [first] = fixturePayloads("stream.sse");
      const failure = { error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null } };
      upstream.enqueue({ type: "raw", body: `data: ${JSON.stringify(first)}\n\ndata: ${JSON.stringify(failure)}\n\n`, contentType: "text/event-stream" });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toHaveLength(1);
      expect(error).toMatchObject({ kind: "http", isRetryable: true, upstreamCode: "server_error" });
    });

    it("a connection dropped mid-stream fails with kind connection after the chunks already yielded", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "drop-mid-stream", afterChunks: 2 });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toHaveLength(2);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ provider, kind: "connection", isRetryable: true });
    });

    it("a connection dropped mid-body (JSON) and a refused connection are kind connection", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "drop-mid-stream", afterChunks: 1 });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ kind: "connection", isRetryable: true });

      const closedPort = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const unreachable = options.createAdapter({ baseUrl: `http://127.0.0.1:${closedPort}/v1` }, { dispatcher: context().dispatcher });
      const error = await failureOf(unreachable.chat(hello, idle()));
      expect(error).toMatchObject({ provider, kind: "connection", isRetryable: true, status: 502 });
      expect(error.message).toContain("ECONNREFUSED");
    });
  });
}

function registerCancellationCases(context: () => { upstream: MockUpstream; adapter: ProviderAdapter }): void {
  describe("cancellation", () => {
    it("a consumer that stops early closes the upstream request", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "slow-stream", chunkDelayMs: 20, chunks: 500 });
      const closedBefore = upstream.closedRequests;
      let received = 0;
      for await (const _chunk of adapter.chatStream(hello, idle())) {
        if (++received === 3) break;
      }
      await upstream.waitForClosedRequest();
      expect(upstream.closedRequests).toBe(closedBefore + 1);
    });

    it("an aborted signal mid-stream closes the upstream and rethrows the signal's reason", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "slow-stream", chunkDelayMs: 20, chunks: 500 });
      const controller = new AbortController();
      const reason = new Error("the caller went away");
      const { chunks, error } = await drain(
        (async function* () {
          for await (const chunk of adapter.chatStream(hello, { signal: controller.signal })) {
            yield chunk;
            controller.abort(reason);
          }
        })(),
      );
      expect(error).toBe(reason);
      expect(chunks).toHaveLength(1);
      await upstream.waitForClosedRequest();
    });

    it("an aborted signal while waiting for headers closes the upstream and rethrows the reason", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "hang" });
      const reason = new DOMException("The operation timed out.", "TimeoutError");
      const controller = new AbortController();
      const pending = failureOf(adapter.chat(hello, { signal: controller.signal }));
      while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort(reason);
      expect(await pending).toBe(reason);
      await upstream.waitForClosedRequest();
    });

    it("an already aborted signal sends nothing and rethrows the reason", async () => {
      const { upstream, adapter } = context();
      const reason = new Error("cancelled before start");
      expect(await failureOf(adapter.chat(hello, { signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect((await drain(adapter.chatStream(hello, { signal: AbortSignal.abort(reason) }))).error).toBe(reason);
      expect(upstream.requests).toHaveLength(0);
    });
  });
}

function registerWireCases(options: ProviderContractOptions, context: () => { upstream: MockUpstream; adapter: ProviderAdapter }): void {
  const { expectedAuthorization } = options;
  describe("what is sent upstream", () => {
    it("POSTs JSON to {apiBase}/chat/completions with the expected Authorization", async () => {
      const { upstream, adapter } = context();
      await adapter.chat(hello, idle());
      const [sent] = upstream.requests;
      expect(sent.method).toBe("POST");
      expect(sent.path).toBe("/v1/chat/completions");
      expect(sent.headers["content-type"]).toBe("application/json");
      expect(sent.headers.authorization).toBe(expectedAuthorization);
    });

    it("passes the request through faithfully, without the gateway's metadata", async () => {
      const { upstream, adapter } = context();
      await adapter.chat(richRequest, idle());
      const { metadata: _metadata, ...everythingElse } = richRequest;
      expect(upstream.requests[0].body).toEqual(everythingElse);
      expect(upstream.requests[0].body).toMatchInlineSnapshot(`
        {
          "logit_bias": {
            "50256": -100,
          },
          "max_completion_tokens": 200,
          "messages": [
            {
              "content": "Answer in JSON.",
              "role": "developer",
            },
            {
              "content": [
                {
                  "text": "What is the weather where this photo was taken?",
                  "type": "text",
                },
                {
                  "image_url": {
                    "detail": "low",
                    "url": "data:image/png;base64,iVBORw0KGgo=",
                  },
                  "type": "image_url",
                },
              ],
              "role": "user",
            },
            {
              "content": null,
              "role": "assistant",
              "tool_calls": [
                {
                  "function": {
                    "arguments": "{"city":"Paris"}",
                    "name": "get_weather",
                  },
                  "id": "call_1",
                  "type": "function",
                },
              ],
            },
            {
              "content": "sunny, 21°C",
              "role": "tool",
              "tool_call_id": "call_1",
            },
          ],
          "model": "gpt-4o-mini",
          "parallel_tool_calls": false,
          "response_format": {
            "json_schema": {
              "name": "answer",
              "schema": {
                "properties": {
                  "summary": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
            "type": "json_schema",
          },
          "seed": 7,
          "stop": [
            "END",
          ],
          "temperature": 0.2,
          "tool_choice": "auto",
          "tools": [
            {
              "function": {
                "description": "Current weather for a city",
                "name": "get_weather",
                "parameters": {
                  "properties": {
                    "city": {
                      "type": "string",
                    },
                  },
                  "required": [
                    "city",
                  ],
                  "type": "object",
                },
                "strict": true,
              },
              "type": "function",
            },
          ],
          "top_p": 0.9,
          "user": "user-1",
        }
      `);
    });

    it("asks a stream for usage, merged into the caller's stream_options", async () => {
      const { upstream, adapter } = context();
      await drain(adapter.chatStream({ ...hello, stream: true, stream_options: { include_obfuscation: false }, metadata: { tag: "x" } }, idle()));
      expect(upstream.requests[0].body).toEqual({ ...hello, stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
      expect(upstream.requests[0].headers.accept).toBe("text/event-stream");
    });

    it("drops stream and stream_options from a non-stream call", async () => {
      const { upstream, adapter } = context();
      await adapter.chat({ ...hello, stream: true, stream_options: { include_usage: true } }, idle());
      expect(upstream.requests[0].body).toEqual(hello);
    });

    it("reuses keep-alive connections: finished streams and answers open no new ones", async () => {
      const { upstream } = context();
      // A pool of its own: for a short while after a request is cancelled, undici 7 (observed with
      // 7.30) serves each new request on a fresh socket and closes it — not what this checks.
      const dispatcher = createUpstreamDispatcher();
      const adapter = options.createAdapter(upstream, { dispatcher });
      try {
        // undici may alternate between two warm sockets for back-to-back requests; warm both.
        await Promise.all([adapter.chat(hello, idle()), adapter.chat(hello, idle())]);
        const connectionsBefore = upstream.connectionCount;
        for (let round = 0; round < 5; round += 1) {
          expect((await drain(adapter.chatStream(hello, idle()))).error).toBeUndefined();
          await adapter.chat(hello, idle());
        }
        expect(upstream.connectionCount).toBe(connectionsBefore);
      } finally {
        await dispatcher.close();
      }
    });
  });
}

const richRequest: ChatRequest = {
  model: "gpt-4o-mini",
  messages: [
    { role: "developer", content: "Answer in JSON." },
    {
      role: "user",
      content: [
        { type: "text", text: "What is the weather where this photo was taken?" },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" } },
      ],
    },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", tool_call_id: "call_1", content: "sunny, 21°C" },
  ],
  tools: [
    {
      type: "function",
      function: { name: "get_weather", description: "Current weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, strict: true },
    },
  ],
  tool_choice: "auto",
  parallel_tool_calls: false,
  response_format: { type: "json_schema", json_schema: { name: "answer", schema: { type: "object", properties: { summary: { type: "string" } } } } },
  temperature: 0.2,
  top_p: 0.9,
  max_completion_tokens: 200,
  stop: ["END"],
  seed: 7,
  user: "user-1",
  logit_bias: { "50256": -100 },
  metadata: { team: "search", trace: "abc123" },
};
