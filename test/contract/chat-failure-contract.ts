import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import type { ScriptedReply } from "../support/scripted-upstream.ts";
import type { ChatContractContext } from "./chat-contract.ts";
import { drain, failureOf, idle } from "./contract-helpers.ts";
import type { ProviderWire } from "./provider-wire.ts";

const usage = { input: 12, output: 7 };
const pieces = ["Hello", " from", " the", " test", " upstream."];

/** Upstream failures in the provider's own wire format: statuses, retryability, garbage, drops. */
export function registerChatFailureCases(wire: ProviderWire, context: ChatContractContext): void {
  const { provider } = wire;
  const failChat = async (reply: ScriptedReply) => {
    context.upstream.enqueue(reply);
    return failureOf(context.adapter.chat(context.request, idle()));
  };

  describe("upstream errors", () => {
    it("a rate limit is retryable, passes through as 429, and carries retry-after", async () => {
      const error = await failChat(wire.error("rate-limit", { retryAfterSeconds: 3 }));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        provider,
        kind: "http",
        isRetryable: true,
        isContextLengthExceeded: false,
        status: 429,
      });
      if (wire.rateLimitHasRetryAfter) expect(error.retryAfterMs).toBe(3000);
      expect(error.message).toContain(provider);
    });

    it("an overloaded provider is retryable", async () => {
      expect(await failChat(wire.error("overloaded"))).toMatchObject({
        provider,
        kind: "http",
        isRetryable: true,
        isContextLengthExceeded: false,
      });
    });

    it("an internal error is retryable and a 502 to the caller", async () => {
      expect(await failChat(wire.error("server"))).toMatchObject({
        provider,
        kind: "http",
        isRetryable: true,
        status: 502,
      });
    });

    it("a prompt too long for the model is recognised, not retryable, and a 4xx to the caller", async () => {
      const error = await failChat(wire.error("context-length"));
      expect(error).toMatchObject({
        provider,
        kind: "http",
        isRetryable: false,
        isContextLengthExceeded: true,
      });
      expect(error.status).toBeGreaterThanOrEqual(400);
      expect(error.status).toBeLessThan(500);
    });

    it("bad credentials are not retryable (the gateway's credentials: 502 to the caller)", async () => {
      const error = await failChat(wire.error("auth"));
      expect(error).toMatchObject({
        provider,
        kind: "http",
        isRetryable: false,
        isContextLengthExceeded: false,
        status: 502,
      });
      expect([401, 403]).toContain(error.upstreamStatus);
    });

    it("any other bad request is not retryable and not a context-length error", async () => {
      const error = await failChat(wire.error("bad-request"));
      expect(error).toMatchObject({
        provider,
        kind: "http",
        isRetryable: false,
        isContextLengthExceeded: false,
        status: 400,
      });
      expect(error.message.length).toBeGreaterThan(provider.length + 10);
    });

    it("an error status on a stream is thrown before anything is yielded", async () => {
      context.upstream.enqueue(wire.error("rate-limit", { retryAfterSeconds: 2 }));
      const { chunks, error } = await drain(context.adapter.chatStream(context.request, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ provider, isRetryable: true, status: 429 });
    });

    it("garbage on 200 is an invalid response, not retryable (JSON and stream)", async () => {
      const html: ScriptedReply = {
        status: 200,
        headers: { "content-type": "text/html; charset=utf-8" },
        frames: ["<html><body>502 Bad Gateway</body></html>"],
      };
      expect(await failChat(html)).toMatchObject({
        provider,
        kind: "invalid-response",
        isRetryable: false,
      });
      const wrongJson: ScriptedReply = {
        status: 200,
        headers: { "content-type": "application/json" },
        frames: ['{"hello":"world"}'],
      };
      expect(await failChat(wrongJson)).toMatchObject({
        provider,
        kind: "invalid-response",
        isRetryable: false,
      });
      context.upstream.enqueue(html);
      const { chunks, error } = await drain(context.adapter.chatStream(context.request, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ provider, kind: "invalid-response", isRetryable: false });
    });

    if (wire.midStreamError) {
      it("an error the provider reports inside a 200 stream fails after the chunks already yielded", async () => {
        context.upstream.enqueue(wire.midStreamError!(pieces.slice(0, 2)));
        const { chunks, error } = await drain(context.adapter.chatStream(context.request, idle()));
        expect(chunks.length).toBeGreaterThanOrEqual(1);
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error).toMatchObject({ provider, kind: "http", isRetryable: true });
      });
    }

    it("a connection dropped mid-stream fails with kind connection after the chunks already yielded", async () => {
      const long = wire.text({
        pieces: Array.from({ length: 40 }, (_, index) => `word${index} `),
        usage,
        stream: true,
      });
      context.upstream.enqueue({ ...long, dropAfterFrames: 5 });
      const { chunks, error } = await drain(context.adapter.chatStream(context.request, idle()));
      expect(chunks.length).toBeGreaterThanOrEqual(1);
      expect(chunks.every((chunk) => !chunk.choices[0]?.finish_reason)).toBe(true);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ provider, kind: "connection", isRetryable: true });
    });

    it("a connection dropped in the middle of a JSON answer is kind connection", async () => {
      const answer = wire.text({ pieces, usage, stream: false });
      const body = Buffer.concat((answer.frames ?? []).map((frame) => Buffer.from(frame)));
      const half = Math.floor(body.length / 2);
      const headers = { ...answer.headers, "content-length": String(body.length) };
      expect(
        await failChat({
          ...answer,
          headers,
          frames: [body.subarray(0, half), body.subarray(half)],
          dropAfterFrames: 1,
        }),
      ).toMatchObject({ provider, kind: "connection", isRetryable: true });
    });
  });
}
