import type { FinishReason } from "../../spec.ts";

/**
 * Bedrock's `stopReason` (Converse's response and ConverseStream's messageStop) to OpenAI's
 * finish_reason. A context window that filled up mid-answer is "length", like max_tokens;
 * guardrails and content filters are "content_filter". `malformed_model_output`,
 * `malformed_tool_use` and values Bedrock adds later become "stop": the generation did end, and
 * callers only understand OpenAI's documented values.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_MessageStopEvent.html
 */
export function mapBedrockFinishReason(stopReason: string | null | undefined): FinishReason | null {
  switch (stopReason) {
    case null:
    case undefined:
      return null;
    case "end_turn":
    case "stop_sequence":
      return "stop";
    case "max_tokens":
    case "model_context_window_exceeded":
      return "length";
    case "tool_use":
      return "tool_calls";
    case "guardrail_intervened":
    case "content_filtered":
      return "content_filter";
    default:
      return "stop";
  }
}
