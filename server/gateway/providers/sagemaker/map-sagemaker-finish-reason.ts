import type { FinishReason } from "../../spec.ts";
import { mapOpenAIFinishReason } from "../openai/map-openai-finish-reason.ts";

/**
 * Finish reasons the containers behind SageMaker send besides OpenAI's. TGI's generation
 * details say `eos_token`, `stop_sequence` and `length`, and older TGI Messages API releases
 * passed the first two through instead of OpenAI's "stop"; some LMI backends say `eos`.
 */
const aliases: Record<string, FinishReason> = {
  eos_token: "stop",
  eos: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
};

/**
 * A container's `finish_reason` to the gateway's: OpenAI's values as OpenAI maps them, TGI's
 * aliases above, anything else "stop" (see mapOpenAIFinishReason). `hasToolCalls` says whether
 * the answer carries tool calls: TGI ends a tool call with "stop" (its grammar finished), which
 * becomes "tool_calls" so callers that branch on finish_reason see the call.
 * References: https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices,
 * https://huggingface.github.io/text-generation-inference/ (FinishReason: length, eos_token, stop_sequence)
 */
export function mapSageMakerFinishReason(
  finishReason: string | null | undefined,
  { hasToolCalls = false }: { hasToolCalls?: boolean } = {},
): FinishReason | null {
  const mapped =
    (finishReason && Object.hasOwn(aliases, finishReason) ? aliases[finishReason] : undefined) ??
    mapOpenAIFinishReason(finishReason);
  return mapped === "stop" && hasToolCalls ? "tool_calls" : mapped;
}
