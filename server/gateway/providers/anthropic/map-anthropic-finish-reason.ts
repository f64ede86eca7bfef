import type { FinishReason } from "../../spec.ts";

/**
 * Anthropic's `stop_reason` to OpenAI's `finish_reason`:
 * end_turn, stop_sequence and pause_turn (a server tool paused a long turn) → "stop";
 * max_tokens and model_context_window_exceeded → "length"; tool_use → "tool_calls", except when
 * the only tool used was the gateway's structured-output tool (`isJsonResponse`), whose input is
 * the answer → "stop"; refusal → "content_filter". `null` (not finished yet) stays null, and a
 * value Anthropic adds later is "stop": the generation did end.
 * Reference: https://docs.anthropic.com/en/api/messages#response-stop-reason
 *            (the same table as the Vercel AI SDK's map-anthropic-stop-reason.ts)
 */
export function mapAnthropicFinishReason(
  stopReason: string | null | undefined,
  { isJsonResponse = false }: { isJsonResponse?: boolean } = {},
): FinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return isJsonResponse ? "stop" : "tool_calls";
    case "refusal":
      return "content_filter";
    default:
      return "stop";
  }
}
