import type { FinishReason } from "../../spec.ts";

/**
 * OpenAI's `finish_reason` to the gateway's. The gateway speaks OpenAI's vocabulary, so known
 * values map to themselves; `null` (a stream chunk before the end) stays null. A value OpenAI
 * adds later is reported as "stop": the generation did end, and callers (GraphQL's enum among
 * them) only understand the documented values.
 * Reference: https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function mapOpenAIFinishReason(
  finishReason: string | null | undefined,
): FinishReason | null {
  switch (finishReason) {
    case null:
    case undefined:
      return null;
    case "stop":
    case "length":
    case "tool_calls":
    case "content_filter":
    case "function_call":
      return finishReason;
    default:
      return "stop";
  }
}
