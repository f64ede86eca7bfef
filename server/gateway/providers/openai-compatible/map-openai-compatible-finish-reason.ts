import type { FinishReason } from "../../spec.ts";
import { mapOpenAIFinishReason } from "../openai/map-openai-finish-reason.ts";

/**
 * Finish reasons some OpenAI-compatible servers send instead of OpenAI's: Hugging Face TGI
 * (`eos_token`, `stop_sequence`), Together (`eos`), Mistral (`model_length`), servers that
 * pass Anthropic's through (`end_turn`, `max_tokens`, `tool_use`).
 */
const aliases: Record<string, FinishReason> = {
  eos: "stop",
  eos_token: "stop",
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  model_length: "length",
  tool_use: "tool_calls",
};

/**
 * A compatible server's `finish_reason` to the gateway's: OpenAI's values as OpenAI maps them,
 * the known aliases above, anything else as "stop" (see mapOpenAIFinishReason).
 * References: https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices,
 * https://github.com/vercel/ai/blob/main/packages/openai-compatible/src/map-openai-compatible-finish-reason.ts
 */
export function mapOpenAICompatibleFinishReason(
  finishReason: string | null | undefined,
): FinishReason | null {
  return (
    (finishReason && Object.hasOwn(aliases, finishReason) ? aliases[finishReason] : undefined) ??
    mapOpenAIFinishReason(finishReason)
  );
}
