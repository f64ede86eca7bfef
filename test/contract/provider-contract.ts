import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import type { FinishReason, ProviderAdapter } from "../../server/gateway/spec.ts";
import {
  defaultMockContent,
  type MockUpstream,
  readOpenAIFixture,
  readOpenAIFixtureText,
  startMockOpenAIUpstream,
} from "../support/mock-openai-upstream.ts";
import {
  drain,
  fixturePayloads,
  hello,
  idle,
  type ProviderContractOptions,
  textOf,
  weatherCall,
} from "./contract-helpers.ts";
import { registerFailureCases } from "./failure-contract.ts";
import { registerWireCases } from "./wire-contract.ts";

export type { ProviderContractOptions };

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
        expect(response.choices).toEqual([
          {
            index: 0,
            message: {
              role: "assistant",
              content: defaultMockContent,
              refusal: null,
              annotations: [],
            },
            logprobs: null,
            finish_reason: "stop",
          },
        ]);
        expect(response.usage).toMatchObject({
          prompt_tokens: 12,
          completion_tokens: 7,
          total_tokens: 19,
          prompt_tokens_details: { cached_tokens: 0 },
        });
      });

      it("passes OpenAI's documented response through unchanged, unknown fields included", async () => {
        const fixture = readOpenAIFixture("chat-completion.json");
        upstream.enqueue({
          type: "raw",
          body: JSON.stringify(fixture),
          contentType: "application/json",
        });
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
        expect(usage.usage).toMatchObject({
          prompt_tokens: 12,
          completion_tokens: 7,
          total_tokens: 19,
        });
        expect(chunks.slice(0, -2).every((chunk) => chunk.choices[0].finish_reason === null)).toBe(
          true,
        );
      });

      it("yields OpenAI's documented stream exactly, chunk for chunk", async () => {
        upstream.enqueue({
          type: "raw",
          body: readOpenAIFixtureText("stream.sse"),
          contentType: "text/event-stream; charset=utf-8",
        });
        const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
        expect(error).toBeUndefined();
        expect(chunks).toEqual(fixturePayloads("stream.sse"));
      });
    });

    describe("tools", () => {
      it("returns tool_calls with finish reason tool_calls", async () => {
        upstream.enqueue({ type: "completion", content: null, toolCalls: [weatherCall] });
        const response = await adapter.chat(hello, idle());
        expect(response.choices[0].message).toMatchObject({
          content: null,
          tool_calls: [weatherCall],
        });
        expect(response.choices[0].finish_reason).toBe("tool_calls");
      });

      it("passes OpenAI's documented tool-call response through", async () => {
        const fixture = readOpenAIFixture("chat-completion-tool-calls.json");
        upstream.enqueue({
          type: "raw",
          body: JSON.stringify(fixture),
          contentType: "application/json",
        });
        expect(await adapter.chat(hello, idle())).toEqual(fixture);
      });

      it("streams tool-call deltas that assemble into the call", async () => {
        upstream.enqueue({ type: "completion", content: null, toolCalls: [weatherCall] });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
        expect(deltas[0]).toEqual({
          index: 0,
          id: "call_9",
          type: "function",
          function: { name: "get_weather", arguments: "" },
        });
        expect(deltas.length).toBeGreaterThan(2);
        expect(deltas.map((delta) => delta.function?.arguments ?? "").join("")).toBe(
          weatherCall.function.arguments,
        );
        expect(chunks.at(-2)!.choices[0].finish_reason).toBe("tool_calls");
      });

      it("yields OpenAI's documented tool-call stream exactly", async () => {
        upstream.enqueue({
          type: "raw",
          body: readOpenAIFixtureText("stream-tool-calls.sse"),
          contentType: "text/event-stream",
        });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        expect(chunks).toEqual(fixturePayloads("stream-tool-calls.sse"));
      });
    });

    describe("usage", () => {
      const usage = {
        prompt_tokens: 2048,
        completion_tokens: 300,
        prompt_tokens_details: { cached_tokens: 1536 },
      };

      it("reports cached prompt tokens (prompt_tokens_details.cached_tokens)", async () => {
        upstream.enqueue({ type: "completion", usage });
        const response = await adapter.chat(hello, idle());
        expect(response.usage).toMatchObject({
          prompt_tokens: 2048,
          completion_tokens: 300,
          total_tokens: 2348,
          prompt_tokens_details: { cached_tokens: 1536 },
        });
      });

      it("reports them on the stream's usage chunk", async () => {
        upstream.enqueue({ type: "completion", usage });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        expect(chunks.at(-1)!.usage).toMatchObject({
          prompt_tokens: 2048,
          total_tokens: 2348,
          prompt_tokens_details: { cached_tokens: 1536 },
        });
      });

      it("fills in total_tokens when a server leaves it out", async () => {
        const body = {
          ...readOpenAIFixture("chat-completion.json"),
          usage: { prompt_tokens: 5, completion_tokens: 2 },
        };
        upstream.enqueue({
          type: "raw",
          body: JSON.stringify(body),
          contentType: "application/json",
        });
        expect((await adapter.chat(hello, idle())).usage).toEqual({
          prompt_tokens: 5,
          completion_tokens: 2,
          total_tokens: 7,
        });
      });
    });

    describe("finish reason", () => {
      const table: Record<string, FinishReason> = {
        stop: "stop",
        length: "length",
        tool_calls: "tool_calls",
        content_filter: "content_filter",
        something_new: "stop",
        ...options.finishReasons,
      };

      it.each(Object.entries(table))("maps %s to %s (JSON and stream)", async (raw, expected) => {
        const body = readOpenAIFixture("chat-completion.json");
        body.choices[0].finish_reason = raw;
        upstream.enqueue({
          type: "raw",
          body: JSON.stringify(body),
          contentType: "application/json",
        });
        expect((await adapter.chat(hello, idle())).choices[0].finish_reason).toBe(expected);

        const frame = {
          id: "chatcmpl-1",
          object: "chat.completion.chunk",
          created: 1,
          model: "m",
          choices: [{ index: 0, delta: {}, finish_reason: raw }],
        };
        upstream.enqueue({
          type: "raw",
          body: `data: ${JSON.stringify(frame)}\n\ndata: [DONE]\n\n`,
          contentType: "text/event-stream",
        });
        const { chunks } = await drain(adapter.chatStream(hello, idle()));
        expect(chunks[0].choices[0].finish_reason).toBe(expected);
      });
    });

    describe("identity", () => {
      const request = { ...hello, model: "local-llama" };
      const unixSeconds = () => Math.floor(Date.now() / 1000);

      it("fills in id, model and created when a compatible server leaves them out", async () => {
        const body = {
          object: "chat.completion",
          system_fingerprint: "fp_local",
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: "hello" },
              logprobs: null,
              finish_reason: "stop",
            },
          ],
          usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        };
        upstream.enqueue({
          type: "raw",
          body: JSON.stringify(body),
          contentType: "application/json",
        });
        const before = unixSeconds();
        const answer = await adapter.chat(request, idle());
        expect(answer.id).toMatch(/^chatcmpl-[A-Za-z0-9]+$/);
        expect(Number.isInteger(answer.created)).toBe(true);
        expect(answer.created).toBeGreaterThanOrEqual(before);
        expect(answer.created).toBeLessThanOrEqual(unixSeconds());
        expect(answer).toEqual({
          ...body,
          id: answer.id,
          model: "local-llama",
          created: answer.created,
        });

        const sent = { ...body, model: "local-llama-q4", created: 1700000000 };
        upstream.enqueue({
          type: "raw",
          body: JSON.stringify(sent),
          contentType: "application/json",
        });
        const kept = await adapter.chat(request, idle());
        expect(kept.id).toMatch(/^chatcmpl-[A-Za-z0-9]+$/);
        expect(kept).toEqual({ ...sent, id: kept.id });

        const frames = [
          {
            object: "chat.completion.chunk",
            choices: [
              { index: 0, delta: { role: "assistant", content: "he" }, finish_reason: null },
            ],
          },
          {
            object: "chat.completion.chunk",
            choices: [{ index: 0, delta: { content: "llo" }, finish_reason: "stop" }],
          },
          {
            object: "chat.completion.chunk",
            choices: [],
            usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
          },
        ];
        upstream.enqueue({
          type: "raw",
          body: `${frames.map((frame) => `data: ${JSON.stringify(frame)}\n\n`).join("")}data: [DONE]\n\n`,
          contentType: "text/event-stream",
        });
        const streamedBefore = unixSeconds();
        const { chunks, error } = await drain(
          adapter.chatStream({ ...request, stream: true }, idle()),
        );
        expect(error).toBeUndefined();
        const [{ id }] = chunks;
        expect(id).toMatch(/^chatcmpl-[A-Za-z0-9]+$/);
        expect(id).not.toBe(answer.id);
        expect(chunks.map((chunk) => chunk.id)).toEqual([id, id, id]);
        expect(chunks).toEqual(
          frames.map((frame, index) => ({
            ...frame,
            id,
            model: "local-llama",
            created: chunks[index].created,
          })),
        );
        expect(
          chunks.every(
            (chunk) =>
              Number.isInteger(chunk.created) &&
              chunk.created >= streamedBefore &&
              chunk.created <= unixSeconds(),
          ),
        ).toBe(true);
      });
    });

    registerFailureCases(options, () => ({ upstream, adapter, dispatcher }));
    registerWireCases(options, () => ({ upstream, adapter, dispatcher }));
  });
}
