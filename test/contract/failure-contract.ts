import { type AddressInfo, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { readOpenAIFixture } from "../support/mock-openai-upstream.ts";
import {
  type ContractContext,
  drain,
  failureOf,
  fixturePayloads,
  hello,
  idle,
  type ProviderContractOptions,
} from "./contract-helpers.ts";

/** Upstream errors: statuses, retryability, garbage and dropped connections. */
export function registerFailureCases(
  options: ProviderContractOptions,
  context: ContractContext,
): void {
  const { provider } = options;
  describe("upstream errors", () => {
    it("429 with retry-after is retryable and carries retryAfterMs", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({
        type: "error",
        status: 429,
        body: readOpenAIFixture("error-429.json"),
        headers: { "retry-after": "3" },
      });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        provider,
        kind: "http",
        upstreamStatus: 429,
        isRetryable: true,
        retryAfterMs: 3000,
        upstreamCode: "rate_limit_exceeded",
        isContextLengthExceeded: false,
        status: 429,
      });
      expect(error.message).toContain("Rate limit reached for gpt-4o");
    });

    it("retry-after-ms wins over retry-after", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({
        type: "error",
        status: 429,
        body: readOpenAIFixture("error-429.json"),
        headers: { "retry-after-ms": "120", "retry-after": "1" },
      });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ retryAfterMs: 120 });
    });

    it("500 is retryable", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        kind: "http",
        upstreamStatus: 500,
        isRetryable: true,
        upstreamCode: "server_error",
        status: 502,
      });
    });

    it("400 context_length_exceeded is not retryable and says so", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({
        type: "error",
        status: 400,
        body: readOpenAIFixture("error-context-length.json"),
      });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({
        upstreamStatus: 400,
        isRetryable: false,
        isContextLengthExceeded: true,
        upstreamCode: "context_length_exceeded",
        status: 400,
      });
      expect(error.message).toContain("maximum context length is 128000 tokens");
    });

    it("401 is not retryable (and is the gateway's credentials, so 502 to the caller)", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "error", status: 401, body: readOpenAIFixture("error-401.json") });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        upstreamStatus: 401,
        isRetryable: false,
        upstreamCode: "invalid_api_key",
        status: 502,
      });
    });

    it("a non-JSON error body keeps its text", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({
        type: "error",
        status: 503,
        body: "upstream connect error or disconnect/reset before headers",
      });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({
        upstreamStatus: 503,
        isRetryable: true,
        upstreamCode: undefined,
      });
      expect(error.message).toContain("upstream connect error");
    });

    it("an error status on a stream is thrown before anything is yielded", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({
        type: "error",
        status: 429,
        body: readOpenAIFixture("error-429.json"),
        headers: { "retry-after": "2" },
      });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ upstreamStatus: 429, isRetryable: true, retryAfterMs: 2000 });
    });

    it("garbage on 200 is an invalid response, not retryable (JSON and stream)", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "garbage", body: "<html>502 Bad Gateway</html>" });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        provider,
        kind: "invalid-response",
        isRetryable: false,
      });
      upstream.enqueue({ type: "garbage", body: { hello: "world" } });
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        kind: "invalid-response",
      });
      upstream.enqueue({ type: "garbage", body: "<html>502 Bad Gateway</html>" });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ kind: "invalid-response", isRetryable: false });
    });

    it("garbage in the middle of a stream fails after the chunks already yielded", async () => {
      const { upstream, adapter } = context();
      const [first] = fixturePayloads("stream.sse");
      upstream.enqueue({
        type: "raw",
        body: `data: ${JSON.stringify(first)}\n\ndata: <html>oops</html>\n\n`,
        contentType: "text/event-stream",
      });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([first]);
      expect(error).toMatchObject({ kind: "invalid-response" });
      expect(error.message).toContain("oops");
    });

    it("an error event in the middle of a stream is the upstream's error", async () => {
      const { upstream, adapter } = context();
      const [first] = fixturePayloads("stream.sse");
      const failure = {
        error: {
          message: "The server had an error while processing your request.",
          type: "server_error",
          param: null,
          code: null,
        },
      };
      upstream.enqueue({
        type: "raw",
        body: `data: ${JSON.stringify(first)}\n\ndata: ${JSON.stringify(failure)}\n\n`,
        contentType: "text/event-stream",
      });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toHaveLength(1);
      expect(error).toMatchObject({
        kind: "http",
        isRetryable: true,
        upstreamCode: "server_error",
      });
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
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        kind: "connection",
        isRetryable: true,
      });

      const closedPort = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const unreachable = options.createAdapter(
        { baseUrl: `http://127.0.0.1:${closedPort}/v1` },
        { dispatcher: context().dispatcher },
      );
      const error = await failureOf(unreachable.chat(hello, idle()));
      expect(error).toMatchObject({ provider, kind: "connection", isRetryable: true, status: 502 });
      expect(error.message).toContain("ECONNREFUSED");
    });
  });
}
