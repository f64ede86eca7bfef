import type { ChatResponse, FinishReason, Usage } from "../../spec.ts";

/*
 * The gateway's answer (OpenAI's shape) as a Messages API answer, for deployments that are not
 * Claude (a Claude deployment's own body is sent as it came).
 * Reference: https://docs.anthropic.com/en/api/messages
 */

/** Anthropic's usage object: `input_tokens` leaves out the tokens read from and written to the cache. */
export interface AnthropicUsageOut {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * OpenAI's finish reason as Anthropic's stop_reason: tool calls (whatever the finish reason said:
 * some backends say "stop" with calls) → tool_use; length → max_tokens; content_filter → refusal;
 * stop → end_turn (OpenAI does not say whether a stop sequence matched).
 * Reference: https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function anthropicStopReason(
  finishReason: FinishReason | null | undefined,
  producedToolCalls: boolean,
): "end_turn" | "max_tokens" | "tool_use" | "refusal" {
  if (producedToolCalls || finishReason === "tool_calls" || finishReason === "function_call")
    return "tool_use";
  if (finishReason === "length") return "max_tokens";
  if (finishReason === "content_filter") return "refusal";
  return "end_turn";
}

/**
 * The gateway's usage in Anthropic's terms: `prompt_tokens` counts every prompt token, cache
 * reads (`cached_tokens`) and writes (`cache_write_tokens`) included; Anthropic's `input_tokens`
 * counts only the rest.
 */
export function anthropicUsageOf(usage: Usage | null | undefined): AnthropicUsageOut {
  const cacheReads = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrites = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cacheReads - cacheWrites),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: cacheWrites,
    cache_read_input_tokens: cacheReads,
  };
}

/** A message id in Anthropic's form (`msg_…`), from the gateway's or the provider's id. */
export function anthropicMessageId(id: string): string {
  return id.startsWith("msg_") ? id : `msg_${id.replace(/^chatcmpl-/, "")}`;
}

/** A tool call's arguments as tool_use `input` (an object); arguments that are not a JSON object become `{}`. */
export function toolInputOf(argumentsText: string): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(argumentsText || "{}");
    return input && typeof input === "object" && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * One Messages API answer: reasoning (`reasoning_content`, or `reasoning`) as a thinking block
 * first (with an empty signature: it was not Claude's), then the text, then one tool_use block
 * per tool call. `model` is the name the caller asked for.
 */
export function anthropicMessageFromChat(response: ChatResponse, model: string) {
  const choice = response.choices[0];
  const message = choice?.message;
  const content: Array<Record<string, unknown>> = [];
  const reasoning = message?.reasoning_content ?? message?.reasoning;
  if (typeof reasoning === "string" && reasoning !== "")
    content.push({ type: "thinking", thinking: reasoning, signature: "" });
  if (typeof message?.content === "string" && message.content !== "")
    content.push({ type: "text", text: message.content });
  const toolCalls = message?.tool_calls ?? [];
  for (const call of toolCalls)
    content.push({
      type: "tool_use",
      id: call.id,
      name: call.function.name,
      input: toolInputOf(call.function.arguments),
    });
  return {
    id: anthropicMessageId(response.id),
    type: "message" as const,
    role: "assistant" as const,
    model,
    content,
    stop_reason: anthropicStopReason(choice?.finish_reason, toolCalls.length > 0),
    stop_sequence: null,
    usage: anthropicUsageOf(response.usage),
  };
}
