import { type AddressInfo, createServer } from "node:net";
import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import type { ChatChunk, ChatRequest, ProviderAdapter } from "../../server/gateway/spec.ts";
import { type ScriptedUpstream, startScriptedUpstream } from "../support/scripted-upstream.ts";
import { drain, failureOf, idle, textOf } from "./contract-helpers.ts";
import { registerChatFailureCases } from "./chat-failure-contract.ts";
import type { ProviderWire, WireUsage } from "./provider-wire.ts";

export { richRequest } from "./contract-helpers.ts";

/** What every case needs: the live upstream, pool and adapter (created in the suite's beforeAll). */
export interface ChatContractContext {
  upstream: ScriptedUpstream;
  dispatcher: Dispatcher;
  adapter: ProviderAdapter;
  request: ChatRequest;
}

/** The text the answers spell out, in the pieces a stream sends. */
export const helloPieces = ["Hello", " from", " the", " test", " upstream."];
const plainUsage: WireUsage = { input: 12, output: 7 };
const weather = {
  id: "toolu_weather_1",
  name: "get_weather",
  argumentPieces: ['{"city":', ' "Oslo",', ' "unit": "celsius"}'],
};

/**
 * The shared provider contract (DESIGN §10.8), run once per provider against the scripted
 * upstream speaking that provider's wire format (its ProviderWire kit): whatever the provider's
 * API looks like, the adapter must hand back OpenAI's shapes, the same usage, the same finish
 * reasons and the same UpstreamError semantics, and must close the upstream when cancelled.
 */
export function runChatContract(wire: ProviderWire): void {
  describe(`chat contract: ${wire.name}`, () => {
    const context = {} as ChatContractContext;

    beforeAll(async () => {
      context.upstream = await startScriptedUpstream();
      context.dispatcher = createUpstreamDispatcher();
      context.adapter = wire.createAdapter(context.upstream, { dispatcher: context.dispatcher });
      context.request = { model: wire.model, messages: [{ role: "user", content: "Say hello" }] };
    });
    afterAll(async () => {
      await context.dispatcher?.close();
      await context.upstream?.stop();
    });
    beforeEach(() => {
      context.upstream.requests.length = 0;
    });

    it("reports its provider name", () => {
      expect(context.adapter.provider).toBe(wire.provider);
    });

    describe("text", () => {
      it("answers in OpenAI's shape: content, finish reason stop, usage", async () => {
        const { upstream, adapter, request } = context;
        upstream.enqueue(wire.text({ pieces: helloPieces, usage: plainUsage, stream: false }));
        const response = await adapter.chat(request, idle());
        expect(response).toMatchObject({
          object: "chat.completion",
          id: expect.any(String),
          model: expect.any(String),
          created: expect.any(Number),
        });
        expect(response.id.length).toBeGreaterThan(0);
        expect(Number.isInteger(response.created)).toBe(true);
        expect(response.choices).toHaveLength(1);
        expect(response.choices[0]).toMatchObject({
          index: 0,
          message: { role: "assistant", content: helloPieces.join("") },
          finish_reason: "stop",
        });
        expect(response.choices[0].message.tool_calls ?? []).toEqual([]);
        expect(response.usage).toMatchObject({
          prompt_tokens: 12,
          completion_tokens: 7,
          total_tokens: 19,
        });
        wire.expectChatRequest(upstream.requests[0], { stream: false });
      });

      it("streams role first, the text piece by piece, one finish chunk, then a usage chunk", async () => {
        const { upstream, adapter, request } = context;
        upstream.enqueue(wire.text({ pieces: helloPieces, usage: plainUsage, stream: true }));
        const { chunks, error } = await drain(adapter.chatStream(request, idle()));
        expect(error).toBeUndefined();
        expectWellFormedStream(chunks);
        expect(chunks[0].choices[0].delta).toMatchObject({ role: "assistant" });
        expect(textOf(chunks)).toBe(helloPieces.join(""));
        expect(
          chunks.filter((chunk) => chunk.choices[0]?.delta.content).length,
        ).toBeGreaterThanOrEqual(helloPieces.length - 1);
        expect(finishReasonOf(chunks)).toBe("stop");
        expect(chunks.at(-1)!.usage).toMatchObject({
          prompt_tokens: 12,
          completion_tokens: 7,
          total_tokens: 19,
        });
        wire.expectChatRequest(upstream.requests[0], { stream: true });
      });
    });

    describe("tools", () => {
      it("returns the call as tool_calls with finish reason tool_calls", async () => {
        const { upstream, adapter, request } = context;
        upstream.enqueue(wire.toolCall({ ...weather, usage: plainUsage, stream: false }));
        const response = await adapter.chat(request, idle());
        const [choice] = response.choices;
        expect(choice.finish_reason).toBe("tool_calls");
        expect(choice.message.content || null).toBeNull();
        expect(choice.message.tool_calls).toHaveLength(1);
        const [call] = choice.message.tool_calls!;
        expect(call).toMatchObject({
          id: expect.any(String),
          type: "function",
          function: { name: "get_weather" },
        });
        expect(call.id.length).toBeGreaterThan(0);
        expect(JSON.parse(call.function.arguments)).toEqual({ city: "Oslo", unit: "celsius" });
      });

      it("streams a tool-call header delta, then argument deltas that assemble into the call", async () => {
        const { upstream, adapter, request } = context;
        upstream.enqueue(wire.toolCall({ ...weather, usage: plainUsage, stream: true }));
        const { chunks, error } = await drain(adapter.chatStream(request, idle()));
        expect(error).toBeUndefined();
        expectWellFormedStream(chunks);
        const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
        expect(deltas[0]).toMatchObject({
          index: 0,
          id: expect.any(String),
          type: "function",
          function: { name: "get_weather" },
        });
        expect(deltas.every((delta) => delta.index === 0)).toBe(true);
        expect(
          deltas
            .slice(1)
            .every((delta) => delta.id === undefined && delta.function?.name === undefined),
        ).toBe(true);
        expect(JSON.parse(deltas.map((delta) => delta.function?.arguments ?? "").join(""))).toEqual(
          { city: "Oslo", unit: "celsius" },
        );
        expect(finishReasonOf(chunks)).toBe("tool_calls");
        expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
      });
    });

    describe("usage details", () => {
      const cases: Array<{
        reported: boolean;
        title: string;
        usage: WireUsage;
        expected: Record<string, unknown>;
      }> = [
        {
          reported: wire.reports.cachedTokens,
          title:
            "cached prompt tokens are part of prompt_tokens and in prompt_tokens_details.cached_tokens",
          usage: { input: 2048, output: 300, cached: 1536 },
          expected: {
            prompt_tokens: 2048,
            completion_tokens: 300,
            total_tokens: 2348,
            prompt_tokens_details: expect.objectContaining({ cached_tokens: 1536 }),
          },
        },
        {
          reported: wire.reports.cacheWriteTokens,
          title:
            "cache writes are part of prompt_tokens and in prompt_tokens_details.cache_write_tokens",
          usage: { input: 3000, output: 10, cached: 1000, cacheWrite: 500 },
          expected: {
            prompt_tokens: 3000,
            completion_tokens: 10,
            total_tokens: 3010,
            prompt_tokens_details: expect.objectContaining({
              cached_tokens: 1000,
              cache_write_tokens: 500,
            }),
          },
        },
        {
          reported: wire.reports.reasoningTokens,
          title:
            "reasoning tokens are part of completion_tokens and in completion_tokens_details.reasoning_tokens",
          usage: { input: 10, output: 50, reasoning: 30 },
          expected: {
            prompt_tokens: 10,
            completion_tokens: 50,
            total_tokens: 60,
            completion_tokens_details: expect.objectContaining({ reasoning_tokens: 30 }),
          },
        },
      ];
      it("reports the basic counts as given, and no details the provider does not report", async () => {
        const { upstream, adapter, request } = context;
        upstream.enqueue(
          wire.text({ pieces: helloPieces, usage: { input: 100, output: 20 }, stream: false }),
        );
        const { usage } = await adapter.chat(request, idle());
        expect(usage).toMatchObject({
          prompt_tokens: 100,
          completion_tokens: 20,
          total_tokens: 120,
        });
        expect(usage?.prompt_tokens_details?.cached_tokens ?? 0).toBe(0);
        expect(usage?.prompt_tokens_details?.cache_write_tokens ?? 0).toBe(0);
        expect(usage?.completion_tokens_details?.reasoning_tokens ?? 0).toBe(0);
      });
      for (const { title, usage, expected } of cases.filter((entry) => entry.reported)) {
        it(`${title} (JSON and stream)`, async () => {
          const { upstream, adapter, request } = context;
          upstream.enqueue(wire.text({ pieces: helloPieces, usage, stream: false }));
          expect((await adapter.chat(request, idle())).usage).toMatchObject(expected);
          upstream.enqueue(wire.text({ pieces: helloPieces, usage, stream: true }));
          expect(
            (await drain(adapter.chatStream(request, idle()))).chunks.at(-1)!.usage,
          ).toMatchObject(expected);
        });
      }
    });

    describe("finish reasons", () => {
      it.each(Object.entries(wire.finishReasons))(
        "maps %s to %s (JSON and stream)",
        async (raw, expected) => {
          const { upstream, adapter, request } = context;
          upstream.enqueue(
            wire.text({ pieces: helloPieces, usage: plainUsage, finishReason: raw, stream: false }),
          );
          expect((await adapter.chat(request, idle())).choices[0].finish_reason).toBe(expected);
          upstream.enqueue(
            wire.text({ pieces: helloPieces, usage: plainUsage, finishReason: raw, stream: true }),
          );
          const { chunks, error } = await drain(adapter.chatStream(request, idle()));
          expect(error).toBeUndefined();
          expect(finishReasonOf(chunks)).toBe(expected);
        },
      );
    });

    if (wire.embeddings) registerEmbeddingCases(wire, context);
    registerChatFailureCases(wire, context);
    registerCancellationAndPoolCases(wire, context);
  });
}

/** Every chunk is a chunk of one completion; only the one before the usage chunk finishes; the last carries usage. */
function expectWellFormedStream(chunks: ChatChunk[]): void {
  expect(chunks.length).toBeGreaterThanOrEqual(3);
  const [{ id, model, created }] = chunks;
  for (const chunk of chunks)
    expect(chunk).toMatchObject({ id, model, created, object: "chat.completion.chunk" });
  const usageChunk = chunks.at(-1)!;
  expect(usageChunk.choices).toEqual([]);
  expect(usageChunk.usage).toBeTruthy();
  const finishing = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
  expect(finishing).toHaveLength(1);
  expect(chunks.at(-2)).toBe(finishing[0]);
}

function finishReasonOf(chunks: ChatChunk[]): string | null | undefined {
  return chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason;
}

function registerEmbeddingCases(wire: ProviderWire, context: ChatContractContext): void {
  const embeddings = wire.embeddings!;
  describe("embeddings", () => {
    it("returns one vector per input, in input order, with usage", async () => {
      const { upstream, adapter } = context;
      expect(adapter.embed).toBeTypeOf("function");
      const inputs = ["first text", "second text", "third text"];
      upstream.setDefault((sent) => embeddings.reply(sent));
      try {
        const response = await adapter.embed!(
          { model: embeddings.model, input: inputs, metadata: { trace: "x" } },
          idle(),
        );
        expect(response.object).toBe("list");
        expect(response.data.map((entry) => [entry.index, entry.embedding])).toEqual(
          inputs.map((_, index) => [index, [index + 0.5, index + 0.25, -(index + 0.125)]]),
        );
        const reported = embeddings.promptTokens(inputs);
        if (reported === undefined) expect(response.usage).toBeUndefined();
        else
          expect(response.usage).toMatchObject({ prompt_tokens: reported, total_tokens: reported });
        expect(
          upstream.requests.every((sent) => !JSON.stringify(sent.body).includes("trace")),
        ).toBe(true);

        const single = await adapter.embed!({ model: embeddings.model, input: "only one" }, idle());
        expect(single.data).toEqual([
          expect.objectContaining({ index: 0, embedding: [0.5, 0.25, -0.125] }),
        ]);
      } finally {
        upstream.setDefault({ status: 599, frames: ["no reply scripted"] });
      }
    });

    it("an upstream error on embeddings is an UpstreamError", async () => {
      const { upstream, adapter } = context;
      upstream.setDefault(wire.error("server"));
      try {
        const error = await failureOf(
          adapter.embed!({ model: embeddings.model, input: ["a"] }, idle()),
        );
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error).toMatchObject({ provider: wire.provider, isRetryable: true });
      } finally {
        upstream.setDefault({ status: 599, frames: ["no reply scripted"] });
      }
    });
  });
}

function registerCancellationAndPoolCases(wire: ProviderWire, context: ChatContractContext): void {
  const slowStream = () => ({
    ...wire.text({
      pieces: Array.from({ length: 300 }, (_, index) => `tick ${index} `),
      usage: plainUsage,
      stream: true,
    }),
    frameDelayMs: 20,
  });

  describe("cancellation", () => {
    it("a consumer that stops early closes the upstream request", async () => {
      const { upstream, adapter, request } = context;
      upstream.enqueue(slowStream());
      const closedBefore = upstream.closedRequests;
      let received = 0;
      for await (const _chunk of adapter.chatStream(request, idle())) {
        if (++received === 3) break;
      }
      await upstream.waitForClosedRequest();
      expect(upstream.closedRequests).toBe(closedBefore + 1);
    });

    it("an aborted signal mid-stream closes the upstream and rethrows the signal's reason", async () => {
      const { upstream, adapter, request } = context;
      upstream.enqueue(slowStream());
      const controller = new AbortController();
      const reason = new Error("the caller went away");
      const { chunks, error } = await drain(
        (async function* () {
          for await (const chunk of adapter.chatStream(request, { signal: controller.signal })) {
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
      const { upstream, adapter, request } = context;
      upstream.enqueue({ hang: true });
      const reason = new DOMException("The operation timed out.", "TimeoutError");
      const controller = new AbortController();
      const pending = failureOf(adapter.chat(request, { signal: controller.signal }));
      while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort(reason);
      expect(await pending).toBe(reason);
      await upstream.waitForClosedRequest();
    });

    it("an already aborted signal sends nothing and rethrows the reason", async () => {
      const { upstream, adapter, request } = context;
      const reason = new Error("cancelled before start");
      expect(await failureOf(adapter.chat(request, { signal: AbortSignal.abort(reason) }))).toBe(
        reason,
      );
      expect(
        (await drain(adapter.chatStream(request, { signal: AbortSignal.abort(reason) }))).error,
      ).toBe(reason);
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe("connections", () => {
    it("reuses keep-alive connections: finished streams and answers open no new ones", async () => {
      const { upstream, request } = context;
      // A pool of its own: right after a cancelled request undici may serve new ones on fresh sockets.
      const dispatcher = createUpstreamDispatcher();
      const adapter = wire.createAdapter(upstream, { dispatcher });
      const answer = (stream: boolean) =>
        upstream.enqueue(wire.text({ pieces: helloPieces, usage: plainUsage, stream }));
      try {
        answer(false);
        answer(false);
        await Promise.all([adapter.chat(request, idle()), adapter.chat(request, idle())]);
        const connectionsBefore = upstream.connectionCount;
        for (let round = 0; round < 5; round += 1) {
          answer(true);
          expect((await drain(adapter.chatStream(request, idle()))).error).toBeUndefined();
          answer(false);
          await adapter.chat(request, idle());
        }
        expect(upstream.connectionCount).toBe(connectionsBefore);
      } finally {
        await dispatcher.close();
      }
    });

    it("a refused connection is kind connection and retryable", async () => {
      const closedPort = await new Promise<number>((resolve) => {
        const server = createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      const unreachable = wire.createAdapter(
        { origin: `http://127.0.0.1:${closedPort}` },
        { dispatcher: context.dispatcher },
      );
      const error = await failureOf(unreachable.chat(context.request, idle()));
      expect(error).toMatchObject({
        provider: wire.provider,
        kind: "connection",
        isRetryable: true,
        status: 502,
      });
      expect(error.message).toContain("ECONNREFUSED");
    });
  });
}
