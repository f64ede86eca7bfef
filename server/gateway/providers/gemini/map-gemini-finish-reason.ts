import type { FinishReason } from "../../spec.ts";

/** Finish reasons that mean Google's filters stopped the answer (safety, recitation, blocklists, PII, images). */
const filtered = new Set([
  "SAFETY",
  "RECITATION",
  "BLOCKLIST",
  "PROHIBITED_CONTENT",
  "SPII",
  "IMAGE_SAFETY",
  "IMAGE_PROHIBITED_CONTENT",
  "IMAGE_RECITATION",
]);

/**
 * A Gemini candidate's `finishReason` to the gateway's:
 * - STOP → "tool_calls" when the answer holds function calls (Gemini says STOP for those too), else "stop";
 * - MAX_TOKENS → "length";
 * - SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY (and the other IMAGE_
 *   filter reasons) → "content_filter";
 * - MALFORMED_FUNCTION_CALL (the model tried a call that does not parse; no call is returned),
 *   LANGUAGE, OTHER, FINISH_REASON_UNSPECIFIED and any value Google adds later → "stop":
 *   the generation did end, and OpenAI's vocabulary has nothing closer;
 * - none (a stream event before the end) → null.
 * Reference: https://ai.google.dev/api/generate-content#FinishReason
 */
export function mapGeminiFinishReason(
  finishReason: string | null | undefined,
  { hasToolCalls }: { hasToolCalls: boolean },
): FinishReason | null {
  if (!finishReason) return null;
  if (finishReason === "STOP") return hasToolCalls ? "tool_calls" : "stop";
  if (finishReason === "MAX_TOKENS") return "length";
  if (filtered.has(finishReason)) return "content_filter";
  return "stop";
}
