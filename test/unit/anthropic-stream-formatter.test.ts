import { describe, expect, it } from "vitest";
import {
  AnthropicStreamFormatter,
  type AnthropicStreamEventOut,
  formatAnthropicEvent,
} from "../../server/gateway/inbound/anthropic/anthropic-stream-from-chunks.ts";
import type { ChatChunk, FinishReason } from "../../server/gateway/spec.ts";

type Delta = ChatChunk["choices"][number]["delta"];

const chunk = (delta: Delta, finishReason: FinishReason | null = null): ChatChunk => ({
  id: "chatcmpl-7",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o",
  choices: [{ index: 0, delta, finish_reason: finishReason }],
});
const usageChunk: ChatChunk = {
  id: "chatcmpl-7",
  object: "chat.completion.chunk",
  created: 1,
  model: "gpt-4o",
  choices: [],
  usage: {
    prompt_tokens: 50,
    completion_tokens: 9,
    total_tokens: 59,
    prompt_tokens_details: { cached_tokens: 20 },
  },
};

/** All events of a stream of `chunks`, finish() included. */
function format(chunks: ChatChunk[]): AnthropicStreamEventOut[] {
  const formatter = new AnthropicStreamFormatter("requested-model");
  return [...chunks.flatMap((one) => formatter.push(one)), ...formatter.finish()];
}

/** `type[:index][:block or delta type]` per event. */
function sequence(events: AnthropicStreamEventOut[]): string[] {
  return events.map((event) => {
    const block = event.content_block as { type: string } | undefined;
    const delta = event.delta as { type?: string; stop_reason?: string } | undefined;
    if (event.type === "content_block_start") return `start:${event.index}:${block!.type}`;
    if (event.type === "content_block_delta") return `delta:${event.index}:${delta!.type}`;
    if (event.type === "content_block_stop") return `stop:${event.index}`;
    if (event.type === "message_delta") return `message_delta:${delta!.stop_reason}`;
    return event.type;
  });
}

describe("ChatChunks as Anthropic's stream events", () => {
  it("a text answer: message_start, ping, one text block, message_delta with usage, message_stop", () => {
    const events = format([
      chunk({ role: "assistant", content: "" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({}, "stop"),
      usageChunk,
    ]);
    expect(events).toEqual([
      {
        type: "message_start",
        message: {
          id: "msg_7",
          type: "message",
          role: "assistant",
          model: "requested-model",
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: "ping" },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
      { type: "content_block_stop", index: 0 },
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: {
          input_tokens: 30,
          output_tokens: 9,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 20,
        },
      },
      { type: "message_stop" },
    ]);
  });

  it("reasoning, text and two tool calls: one block each, in order, never mixed", () => {
    const events = format([
      chunk({ role: "assistant", content: "" }),
      chunk({ reasoning_content: "First " }),
      chunk({ reasoning_content: "think." }),
      chunk({ content: "Calling tools." }),
      chunk({
        tool_calls: [
          { index: 0, id: "call_a", type: "function", function: { name: "a", arguments: "" } },
        ],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }),
      chunk({
        tool_calls: [
          { index: 1, id: "call_b", type: "function", function: { name: "b", arguments: "{}" } },
        ],
      }),
      chunk({}, "tool_calls"),
      usageChunk,
    ]);
    expect(sequence(events)).toEqual([
      "message_start",
      "ping",
      "start:0:thinking",
      "delta:0:thinking_delta",
      "delta:0:thinking_delta",
      "stop:0",
      "start:1:text",
      "delta:1:text_delta",
      "stop:1",
      "start:2:tool_use",
      "delta:2:input_json_delta",
      "delta:2:input_json_delta",
      "stop:2",
      "start:3:tool_use",
      "delta:3:input_json_delta",
      "stop:3",
      "message_delta:tool_use",
      "message_stop",
    ]);
    expect(events[9]).toEqual({
      type: "content_block_start",
      index: 2,
      content_block: { type: "tool_use", id: "call_a", name: "a", input: {} },
    });
    expect(
      events.filter((event) => event.index === 2 && event.type === "content_block_delta"),
    ).toEqual([
      {
        type: "content_block_delta",
        index: 2,
        delta: { type: "input_json_delta", partial_json: '{"x":' },
      },
      {
        type: "content_block_delta",
        index: 2,
        delta: { type: "input_json_delta", partial_json: "1}" },
      },
    ]);
  });

  it("text, then reasoning again, then text: each change of kind opens a new block", () => {
    const events = format([
      chunk({ content: "a" }),
      chunk({ reasoning_content: "b" }),
      chunk({ content: "c" }),
      chunk({}, "length"),
    ]);
    expect(sequence(events)).toEqual([
      "message_start",
      "ping",
      "start:0:text",
      "delta:0:text_delta",
      "stop:0",
      "start:1:thinking",
      "delta:1:thinking_delta",
      "stop:1",
      "start:2:text",
      "delta:2:text_delta",
      "stop:2",
      "message_delta:max_tokens",
      "message_stop",
    ]);
  });

  it("tool calls with a finish reason of stop still end with tool_use", () => {
    const events = format([
      chunk({
        tool_calls: [
          { index: 0, id: "call_a", type: "function", function: { name: "a", arguments: "{}" } },
        ],
      }),
      chunk({}, "stop"),
    ]);
    expect(sequence(events).at(-2)).toBe("message_delta:tool_use");
  });

  it("without a usage chunk, the estimate given to finish() is the usage sent", () => {
    const formatter = new AnthropicStreamFormatter("m");
    formatter.push(chunk({ content: "hi" }, "stop"));
    const estimate = { prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 };
    expect(formatter.finish(estimate).at(-2)).toMatchObject({
      usage: { input_tokens: 11, output_tokens: 2 },
    });
  });

  it("an empty stream still starts and ends the message", () => {
    expect(sequence(format([]))).toEqual([
      "message_start",
      "ping",
      "message_delta:end_turn",
      "message_stop",
    ]);
  });

  it("frames an event as SSE with its type as the event name", () => {
    expect(formatAnthropicEvent({ type: "ping" })).toBe('event: ping\ndata: {"type":"ping"}\n\n');
  });
});
