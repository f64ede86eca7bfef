import type { FinishReason } from "../../spec.ts";

/**
 * Ollama's `done_reason` to OpenAI's `finish_reason`:
 * - `stop` (end of turn or a stop sequence) → "stop", or "tool_calls" when the message carried
 *   tool calls — Ollama reports "stop" for those too;
 * - `length` (num_predict reached, or the context filled up) → "length";
 * - `load` / `unload` (an empty request that only loaded or unloaded the model), `""` (the runner
 *   closed the connection) and anything newer → "stop": the answer did end, and callers only
 *   understand OpenAI's values.
 * References: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion,
 * https://github.com/ollama/ollama/blob/main/llm/server.go (DoneReason)
 */
export function mapOllamaFinishReason(
  doneReason: string | null | undefined,
  { hasToolCalls }: { hasToolCalls: boolean },
): FinishReason {
  if (doneReason === "length") return "length";
  return hasToolCalls ? "tool_calls" : "stop";
}
