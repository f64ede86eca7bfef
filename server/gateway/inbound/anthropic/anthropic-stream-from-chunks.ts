import type { ChatChunk, FinishReason, Usage } from "../../spec.ts";
import {
  anthropicMessageId,
  anthropicStopReason,
  anthropicUsageOf,
} from "./anthropic-message-from-chat.ts";

/** One event of a Messages API stream: its `type` is also the SSE `event:` name. */
export interface AnthropicStreamEventOut {
  type: string;
  [field: string]: unknown;
}

type OpenBlock = { index: number; kind: "text" | "thinking" | "tool"; toolIndex?: number };

/**
 * Turns the gateway's chunks (OpenAI's shape) into the event sequence Anthropic sends, for
 * deployments that are not Claude: one message_start and a ping first; then one block at a time,
 * each content_block_start, its deltas, content_block_stop, with indexes from 0 — reasoning as
 * a thinking block (thinking_delta), text as a text block (text_delta), each tool call as a
 * tool_use block (input_json_delta); a change of kind closes the open block and opens the next,
 * so kinds are never mixed in one block. finish() closes the last block and sends message_delta
 * (stop_reason — tool_use whenever tool calls came — and the usage) and message_stop.
 * Reference: https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export class AnthropicStreamFormatter {
  private started = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  /** Block index of each tool call (by its OpenAI `index`). */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: FinishReason | null = null;
  private usage: Usage | undefined;

  constructor(private readonly model: string) {}

  /** The events one chunk becomes (message_start and ping come with the first). */
  push(chunk: ChatChunk): AnthropicStreamEventOut[] {
    const events = this.start(chunk);
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const delta = choice.delta ?? {};
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === "string" && reasoning !== "")
        events.push(
          ...this.into("thinking"),
          this.delta({ type: "thinking_delta", thinking: reasoning }),
        );
      if (typeof delta.content === "string" && delta.content !== "")
        events.push(...this.into("text"), this.delta({ type: "text_delta", text: delta.content }));
      for (const call of delta.tool_calls ?? []) events.push(...this.toolCallDelta(call));
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return events;
  }

  /**
   * The closing events: the open block's stop, message_delta with stop_reason and usage,
   * message_stop. `fallbackUsage` (the gateway's estimate) stands in when no chunk had usage.
   */
  finish(fallbackUsage?: Usage): AnthropicStreamEventOut[] {
    const events = [...this.start(undefined), ...this.close()];
    events.push({
      type: "message_delta",
      delta: {
        stop_reason: anthropicStopReason(this.finishReason, this.toolBlocks.size > 0),
        stop_sequence: null,
      },
      usage: anthropicUsageOf(this.usage ?? fallbackUsage),
    });
    events.push({ type: "message_stop" });
    return events;
  }

  private start(chunk: ChatChunk | undefined): AnthropicStreamEventOut[] {
    if (this.started) return [];
    this.started = true;
    return [
      {
        type: "message_start",
        message: {
          id: anthropicMessageId(chunk?.id ?? `msg_${Date.now().toString(36)}`),
          type: "message",
          role: "assistant",
          model: this.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          // The counts come with message_delta: an OpenAI-format stream reports them at its end.
          usage: { input_tokens: 0, output_tokens: 0 },
        },
      },
      { type: "ping" },
    ];
  }

  private toolCallDelta(
    call: NonNullable<ChatChunk["choices"][number]["delta"]["tool_calls"]>[number],
  ) {
    const events: AnthropicStreamEventOut[] = [];
    let index = this.toolBlocks.get(call.index);
    if (index === undefined) {
      events.push(...this.close());
      index = this.nextIndex++;
      this.toolBlocks.set(call.index, index);
      this.open = { index, kind: "tool", toolIndex: call.index };
      events.push({
        type: "content_block_start",
        index,
        content_block: {
          type: "tool_use",
          id: call.id ?? `toolu_${index}`,
          name: call.function?.name ?? "",
          input: {},
        },
      });
    }
    const piece = call.function?.arguments;
    // Arguments of an earlier call (rare: backends send calls one after another) keep its index.
    if (piece)
      events.push({
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: piece },
      });
    return events;
  }

  /** Makes sure a block of `kind` is open (closing another kind's). */
  private into(kind: "text" | "thinking"): AnthropicStreamEventOut[] {
    if (this.open?.kind === kind) return [];
    const events = this.close();
    const index = this.nextIndex++;
    this.open = { index, kind };
    events.push({
      type: "content_block_start",
      index,
      content_block:
        kind === "text"
          ? { type: "text", text: "" }
          : { type: "thinking", thinking: "", signature: "" },
    });
    return events;
  }

  private delta(delta: Record<string, unknown>): AnthropicStreamEventOut {
    return { type: "content_block_delta", index: this.open!.index, delta };
  }

  private close(): AnthropicStreamEventOut[] {
    if (!this.open) return [];
    const { index } = this.open;
    this.open = undefined;
    return [{ type: "content_block_stop", index }];
  }
}

/** One event as SSE: `event: <type>` and its JSON. */
export function formatAnthropicEvent(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
