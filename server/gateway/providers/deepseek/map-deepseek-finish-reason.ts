import type { FinishReason } from "../../spec.ts";
import { mapOpenAIFinishReason } from "../openai/map-openai-finish-reason.ts";

/**
 * DeepSeek's `finish_reason` to the gateway's. DeepSeek sends OpenAI's values (stop, length,
 * content_filter, tool_calls) plus `insufficient_system_resource`: DeepSeek ran out of
 * inference capacity and cut the generation short. That answer is incomplete in the same way a
 * token-limit cut is, so it becomes "length" — callers already treat "length" as "the text
 * stops early" — rather than "stop", which would pass a truncated answer off as finished.
 * Anything else maps as OpenAI's do (unknown values → "stop").
 * Reference: https://api-docs.deepseek.com/api/create-chat-completion (choices[].finish_reason)
 */
export function mapDeepSeekFinishReason(
  finishReason: string | null | undefined,
): FinishReason | null {
  if (finishReason === "insufficient_system_resource") return "length";
  return mapOpenAIFinishReason(finishReason);
}
