import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { createAnthropicAdapter } from "../../../server/gateway/providers/anthropic/anthropic-adapter.ts";
import { jsonReply, type ScriptedReply, sseReply } from "../../support/scripted-upstream.ts";
import type { ProviderWire, WireErrorKind, WireUsage } from "../provider-wire.ts";

/*
 * Anthropic's Messages API wire format, built from the documented shapes in
 * test/fixtures/anthropic/ (each names its source): the `type: "message"` JSON answer, and the
 * named SSE stream — message_start, content_block_start / _delta / _stop, ping, message_delta,
 * message_stop — with `event: error` for failures after the 200 headers.
 */

const fixtureDirectory = new URL("../../fixtures/anthropic/", import.meta.url);

/** A fixture under test/fixtures/anthropic/ as raw text (`.sse` fixtures are served as is). */
export function readAnthropicFixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), "utf8");
}

/** A JSON fixture without its `_source` note: the body as Anthropic sends it. */
export function readAnthropicFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(readAnthropicFixtureText(name));
  return body;
}

export const anthropicTestKey = "sk-ant-api03-test-0123456789abcdef";
const model = "claude-sonnet-4-5-20250929";
const messageTemplate = readAnthropicFixture("message.json");

/** The suite's token counts in Anthropic's accounting: `input_tokens` leaves cache reads and writes out. */
export function anthropicUsage({
  input,
  output,
  cached = 0,
  cacheWrite = 0,
}: WireUsage): Record<string, number> {
  return {
    input_tokens: input - cached - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cached,
    output_tokens: output,
  };
}

/** One content block of an answer, with the pieces a stream sends it in. */
export type WireBlock =
  | { type: "text"; pieces: string[] }
  | { type: "tool_use"; id: string; name: string; argumentPieces: string[] }
  | { type: "thinking"; pieces: string[] };

/** A Messages API answer as JSON, or as its SSE stream, in the documented shapes. */
export function anthropicAnswer({
  blocks,
  usage,
  stopReason,
  stream,
}: {
  blocks: WireBlock[];
  usage: Record<string, number>;
  stopReason: string;
  stream: boolean;
}): ScriptedReply {
  const id = "msg_01XFDUDYJgAACzvnptvVoYEL";
  if (!stream) {
    const content = blocks.map((block) => {
      if (block.type === "text") return { type: "text", text: block.pieces.join("") };
      if (block.type === "thinking")
        return {
          type: "thinking",
          thinking: block.pieces.join(""),
          signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxB",
        };
      return {
        type: "tool_use",
        id: block.id,
        name: block.name,
        input: JSON.parse(block.argumentPieces.join("")),
      };
    });
    return jsonReply(200, {
      ...messageTemplate,
      id,
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: stopReason === "stop_sequence" ? "END" : null,
      usage,
    });
  }
  const { output_tokens: outputTokens, ...inputUsage } = usage;
  const events: Array<{ event: string; data: unknown }> = [
    {
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          id,
          type: "message",
          role: "assistant",
          content: [],
          model,
          stop_reason: null,
          stop_sequence: null,
          usage: { ...inputUsage, output_tokens: 1 },
        },
      },
    },
  ];
  blocks.forEach((block, index) => {
    const delta = (value: Record<string, unknown>) => ({
      event: "content_block_delta",
      data: { type: "content_block_delta", index, delta: value },
    });
    if (block.type === "text") {
      events.push({
        event: "content_block_start",
        data: { type: "content_block_start", index, content_block: { type: "text", text: "" } },
      });
      if (index === 0) events.push({ event: "ping", data: { type: "ping" } });
      for (const text of block.pieces) events.push(delta({ type: "text_delta", text }));
    } else if (block.type === "thinking") {
      events.push({
        event: "content_block_start",
        data: {
          type: "content_block_start",
          index,
          content_block: { type: "thinking", thinking: "" },
        },
      });
      for (const thinking of block.pieces) events.push(delta({ type: "thinking_delta", thinking }));
      events.push(
        delta({ type: "signature_delta", signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxB" }),
      );
    } else {
      events.push({
        event: "content_block_start",
        data: {
          type: "content_block_start",
          index,
          content_block: { type: "tool_use", id: block.id, name: block.name, input: {} },
        },
      });
      // Anthropic's first input_json_delta is empty (see stream-tool-use.sse).
      for (const partial_json of ["", ...block.argumentPieces])
        events.push(delta({ type: "input_json_delta", partial_json }));
    }
    events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
  });
  events.push({
    event: "message_delta",
    data: {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    },
  });
  events.push({ event: "message_stop", data: { type: "message_stop" } });
  return sseReply(events);
}

/** Anthropic's error bodies and statuses for each kind (https://docs.anthropic.com/en/api/errors). */
export function anthropicError(
  kind: WireErrorKind,
  { retryAfterSeconds }: { retryAfterSeconds?: number } = {},
): ScriptedReply {
  switch (kind) {
    case "rate-limit":
      return jsonReply(
        429,
        readAnthropicFixture("error-rate-limit.json"),
        retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
      );
    case "overloaded":
      return jsonReply(529, readAnthropicFixture("error-overloaded.json"));
    case "server":
      return jsonReply(500, readAnthropicFixture("error-api.json"));
    case "context-length":
      return jsonReply(400, readAnthropicFixture("error-context-length.json"));
    case "auth":
      return jsonReply(401, readAnthropicFixture("error-authentication.json"));
    case "bad-request":
      return jsonReply(400, readAnthropicFixture("error-invalid-request.json"));
  }
}

export const anthropicWire: ProviderWire = {
  name: "anthropic",
  provider: "anthropic",
  model,
  createAdapter: ({ origin }, { dispatcher }) =>
    createAnthropicAdapter({ apiKey: anthropicTestKey, apiBase: origin, dispatcher }),
  text: ({ pieces, usage, finishReason = "end_turn", stream }) =>
    anthropicAnswer({
      blocks: [{ type: "text", pieces }],
      usage: anthropicUsage(usage),
      stopReason: finishReason,
      stream,
    }),
  toolCall: ({ id, name, argumentPieces, usage, stream }) =>
    anthropicAnswer({
      blocks: [{ type: "tool_use", id, name, argumentPieces }],
      usage: anthropicUsage(usage),
      stopReason: "tool_use",
      stream,
    }),
  error: anthropicError,
  midStreamError(pieces) {
    const answer = anthropicAnswer({
      blocks: [{ type: "text", pieces }],
      usage: anthropicUsage({ input: 1, output: 1 }),
      stopReason: "end_turn",
      stream: true,
    });
    // message_start, content_block_start, ping, the pieces — then the documented error event.
    const failure = `event: error\ndata: ${JSON.stringify(readAnthropicFixture("error-overloaded.json"))}\n\n`;
    return { ...answer, frames: [...answer.frames!.slice(0, 3 + pieces.length), failure] };
  },
  finishReasons: {
    end_turn: "stop",
    stop_sequence: "stop",
    pause_turn: "stop",
    max_tokens: "length",
    model_context_window_exceeded: "length",
    tool_use: "tool_calls",
    refusal: "content_filter",
    something_new: "stop",
  },
  reports: { cachedTokens: true, cacheWriteTokens: true, reasoningTokens: false },
  rateLimitHasRetryAfter: true,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/messages");
    expect(sent.headers["x-api-key"]).toBe(anthropicTestKey);
    expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.stream ?? false).toBe(stream);
    expect(sent.body.max_tokens).toEqual(expect.any(Number));
  },
};
