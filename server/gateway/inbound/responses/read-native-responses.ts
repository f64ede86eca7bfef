import type { ChatChunk, ChatResponse, FinishReason, ToolCall } from "../../spec.ts";
import type { ResponsesItem } from "./responses-api.ts";
import { chatUsageOf } from "./response-object.ts";

/*
 * What an OpenAI (or Azure) Responses answer means to the pipeline: the ChatResponse /
 * ChatChunks that routing, accounting and the log read, while the caller gets the upstream's
 * own body and events (native-relay.ts).
 */

/** The finish reason a Response object stands for. */
function finishReasonOf(response: Record<string, unknown>, hasToolCalls: boolean): FinishReason {
  const reason = (response.incomplete_details as { reason?: string } | null | undefined)?.reason;
  if (response.status === "incomplete")
    return reason === "content_filter" ? "content_filter" : "length";
  return hasToolCalls ? "tool_calls" : "stop";
}

/** A Responses answer read as a chat answer: its output text, function calls and usage. */
export function chatResponseOfNative(
  response: Record<string, unknown>,
  model: string,
): ChatResponse {
  const output = Array.isArray(response.output) ? (response.output as ResponsesItem[]) : [];
  let content = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  for (const item of output) {
    if (item.type === "message" && Array.isArray(item.content))
      for (const part of item.content as Array<{ type?: string; text?: unknown }>)
        if (part.type === "output_text" && typeof part.text === "string") content += part.text;
    if (item.type === "function_call" || item.type === "custom_tool_call")
      toolCalls.push({
        id: String(item.call_id ?? item.id ?? ""),
        type: "function",
        function: {
          name: String(item.name ?? ""),
          arguments: String(
            item.type === "function_call" ? (item.arguments ?? "") : (item.input ?? ""),
          ),
        },
      });
    if (item.type === "reasoning")
      for (const part of [
        ...((item.summary as unknown[] | undefined) ?? []),
        ...((item.content as unknown[] | undefined) ?? []),
      ] as Array<{ text?: unknown }>)
        if (typeof part.text === "string") reasoning += part.text;
  }
  return {
    id: String(response.id ?? ""),
    object: "chat.completion",
    created:
      typeof response.created_at === "number" ? response.created_at : Math.floor(Date.now() / 1000),
    model: typeof response.model === "string" ? response.model : model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: content || null,
          ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
          ...(reasoning && { reasoning_content: reasoning }),
        },
        finish_reason: finishReasonOf(response, toolCalls.length > 0),
      },
    ],
    usage: chatUsageOf(response.usage),
  };
}

/** The events that end a Responses stream. */
export const terminalEventTypes = new Set([
  "response.completed",
  "response.incomplete",
  "response.failed",
  "error",
]);

/**
 * Reads a Responses event stream as chat chunks, one per event (a chunk with no choices for an
 * event that has no chat meaning): text and function-call argument deltas, and a last chunk
 * with the finish reason and usage.
 */
export function createNativeEventReader(model: string) {
  const created = Math.floor(Date.now() / 1000);
  let id = "";
  let responseModel = model;
  let toolCount = 0;
  let sawToolCall = false;
  /** Function-call item id → its chat tool-call index. */
  const toolIndexByItem = new Map<string, number>();

  const chunk = (choices: ChatChunk["choices"], extra: Partial<ChatChunk> = {}): ChatChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: responseModel,
    choices,
    ...extra,
  });

  /** The chunk one event becomes. */
  return function read(event: Record<string, unknown>): ChatChunk {
    const type = String(event.type ?? "");
    const response = event.response as Record<string, unknown> | undefined;
    if (response) {
      if (typeof response.id === "string") id = response.id;
      if (typeof response.model === "string") responseModel = response.model;
    }
    if (type === "response.output_text.delta" && typeof event.delta === "string")
      return chunk([{ index: 0, delta: { content: event.delta }, finish_reason: null }]);
    if (type === "response.output_item.added") {
      const item = event.item as ResponsesItem | undefined;
      if (item && (item.type === "function_call" || item.type === "custom_tool_call")) {
        const index = toolCount++;
        sawToolCall = true;
        toolIndexByItem.set(String(item.id ?? ""), index);
        const calls = [
          {
            index,
            id: String(item.call_id ?? ""),
            type: "function" as const,
            function: { name: String(item.name ?? ""), arguments: "" },
          },
        ];
        return chunk([{ index: 0, delta: { tool_calls: calls }, finish_reason: null }]);
      }
    }
    if (
      (type === "response.function_call_arguments.delta" ||
        type === "response.custom_tool_call_input.delta") &&
      typeof event.delta === "string"
    ) {
      const index = toolIndexByItem.get(String(event.item_id ?? "")) ?? Math.max(0, toolCount - 1);
      const calls = [{ index, function: { arguments: event.delta } }];
      return chunk([{ index: 0, delta: { tool_calls: calls }, finish_reason: null }]);
    }
    if ((type === "response.completed" || type === "response.incomplete") && response)
      return chunk(
        [{ index: 0, delta: {}, finish_reason: finishReasonOf(response, sawToolCall) }],
        { usage: chatUsageOf(response.usage) ?? null },
      );
    return chunk([]);
  };
}
