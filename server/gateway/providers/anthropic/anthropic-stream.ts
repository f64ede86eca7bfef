import type { ChatChunk, ChatRequest, ToolCallDelta } from "../../spec.ts";
import type { AnthropicStreamEvent, AnthropicUsage } from "./anthropic-api.ts";
import { argumentsOf, toOpenAIUsage } from "./anthropic-response.ts";
import { mapAnthropicFinishReason } from "./map-anthropic-finish-reason.ts";
import { newCompletionId, newToolCallId } from "../../identifiers.ts";
import { connectionError, invalidResponseError } from "../../upstream-errors.ts";

/** What a content block of the stream turns into. */
type BlockKind =
  | { kind: "text" }
  | { kind: "thinking" }
  | { kind: "json" }
  | { kind: "tool"; toolIndex: number }
  | { kind: "ignored" };

type Delta = ChatChunk["choices"][number]["delta"];

/**
 * Translates a Messages API stream, event by event, into OpenAI chunks:
 * - message_start → the first chunk `{ role: "assistant", content: "" }` (id `msg_…`, model);
 * - text blocks' text_delta → content deltas;
 * - a tool_use block → a tool-call header `{ index, id, type, function: { name, arguments: "" } }`
 *   (index counts tool calls from 0), its input_json_delta pieces → `function.arguments` deltas;
 * - the structured-output tool's input_json_delta pieces → content deltas (the JSON answer);
 * - thinking_delta → `reasoning_content` deltas; signature_delta, citations, ping and event
 *   types added later → nothing;
 * - message_delta → remembered stop_reason and usage (cumulative counts, merged);
 * - message_stop → a `delta: {}` chunk with the finish reason, then the usage chunk `{ choices: [] }`.
 * Reference: https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export class AnthropicStreamTranslator {
  /** message_stop arrived: the answer is complete. */
  finished = false;
  private readonly created = Math.floor(Date.now() / 1000);
  private id = newCompletionId();
  private model: string;
  private started = false;
  private readonly blocks = new Map<number, BlockKind>();
  private toolCount = 0;
  private usedJsonResponseTool = false;
  private stopReason: string | null | undefined;
  private usage: AnthropicUsage = {};

  constructor(
    request: ChatRequest,
    private readonly jsonResponseToolName: string | undefined,
  ) {
    this.model = request.model;
  }

  /** The chunks one event becomes (often none). Error events are the adapter's to throw. */
  translate(event: AnthropicStreamEvent): ChatChunk[] {
    switch (event.type) {
      case "message_start":
        this.id = event.message.id || this.id;
        this.model = event.message.model || this.model;
        this.mergeUsage(event.message.usage);
        return this.start();
      case "content_block_start":
        return [...this.start(), ...this.blockStart(event.index, event.content_block)];
      case "content_block_delta":
        return [...this.start(), ...this.blockDelta(event.index, event.delta)];
      case "message_delta":
        this.stopReason = event.delta.stop_reason ?? this.stopReason;
        this.mergeUsage(event.usage);
        return [];
      case "message_stop":
        this.finished = true;
        return [...this.start(), this.finishChunk(), this.usageChunk()];
      default:
        return [];
    }
  }

  private start(): ChatChunk[] {
    if (this.started) return [];
    this.started = true;
    return [this.chunk({ role: "assistant", content: "" })];
  }

  private blockStart(
    index: number,
    block: {
      type: string;
      text?: string | null;
      id?: string | null;
      name?: string | null;
      input?: unknown;
      thinking?: string | null;
    },
  ): ChatChunk[] {
    const input =
      block.input && typeof block.input === "object" && Object.keys(block.input).length > 0
        ? argumentsOf(block.input)
        : "";
    if (block.type === "text") {
      this.blocks.set(index, { kind: "text" });
      return block.text ? [this.chunk({ content: block.text })] : [];
    }
    if (block.type === "thinking") {
      this.blocks.set(index, { kind: "thinking" });
      return block.thinking ? [this.chunk({ reasoning_content: block.thinking })] : [];
    }
    if (
      block.type === "tool_use" &&
      this.jsonResponseToolName &&
      block.name === this.jsonResponseToolName
    ) {
      this.blocks.set(index, { kind: "json" });
      this.usedJsonResponseTool = true;
      return input ? [this.chunk({ content: input })] : [];
    }
    if (block.type === "tool_use" && block.name) {
      const toolIndex = this.toolCount++;
      this.blocks.set(index, { kind: "tool", toolIndex });
      const header: ToolCallDelta = {
        index: toolIndex,
        id: block.id || newToolCallId(),
        type: "function",
        function: { name: block.name, arguments: "" },
      };
      // A block that arrives with its input filled in gets no input_json_delta events after it.
      return [
        this.chunk({ tool_calls: [header] }),
        ...(input
          ? [this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: input } }] })]
          : []),
      ];
    }
    this.blocks.set(index, { kind: "ignored" });
    return [];
  }

  private blockDelta(
    index: number,
    delta: {
      type: string;
      text?: string | null;
      partial_json?: string | null;
      thinking?: string | null;
    },
  ): ChatChunk[] {
    const block = this.blocks.get(index) ?? { kind: "text" };
    if (delta.type === "text_delta" && delta.text && block.kind !== "ignored")
      return [this.chunk({ content: delta.text })];
    if (delta.type === "thinking_delta" && delta.thinking)
      return [this.chunk({ reasoning_content: delta.thinking })];
    if (delta.type === "input_json_delta" && delta.partial_json) {
      if (block.kind === "json") return [this.chunk({ content: delta.partial_json })];
      if (block.kind === "tool")
        return [
          this.chunk({
            tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }],
          }),
        ];
    }
    return [];
  }

  /** message_delta's usage repeats the counts cumulatively, sometimes only output_tokens: later values win. */
  private mergeUsage(usage: AnthropicUsage | null | undefined): void {
    for (const [field, value] of Object.entries(usage ?? {})) {
      if (typeof value === "number") (this.usage as Record<string, number>)[field] = value;
    }
  }

  private finishChunk(): ChatChunk {
    const finishReason =
      mapAnthropicFinishReason(this.stopReason, {
        isJsonResponse: this.usedJsonResponseTool && this.toolCount === 0,
      }) ?? "stop";
    return { ...this.chunk({}), choices: [{ index: 0, delta: {}, finish_reason: finishReason }] };
  }

  private usageChunk(): ChatChunk {
    return { ...this.chunk({}), choices: [], usage: toOpenAIUsage(this.usage) };
  }

  private chunk(delta: Delta): ChatChunk {
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: null }],
    };
  }
}

/**
 * After a Messages stream's last event: a stream that sent no event is an invalid response, and
 * one that ended cleanly before message_stop was cut off on the way (a proxy, a load balancer),
 * like a drop.
 */
export function assertMessagesStreamEnded(
  translator: AnthropicStreamTranslator,
  eventCount: number,
  provider: string,
): void {
  if (eventCount === 0)
    throw invalidResponseError(provider, "the stream ended without sending any event");
  if (!translator.finished)
    throw connectionError(provider, new Error("the stream ended before message_stop"));
}
