import type { ChatChunk, ChatRequest, Usage } from "../../spec.ts";
import type { GeminiResponse } from "./gemini-api.ts";
import { geminiInvalidResponseError } from "./gemini-error.ts";
import { convertGeminiUsage, finishReasonOf, sortParts } from "./gemini-response.ts";
import { newCompletionId } from "../../identifiers.ts";

/**
 * Gemini's stream (each `data:` event a whole GenerateContentResponse carrying the next piece of
 * the first candidate) as OpenAI chunks:
 * - a first chunk `{role: "assistant", content: ""}` when the first event arrives;
 * - each text part → a `content` delta; each thought part → a `reasoning_content` delta;
 * - each function call (Gemini sends them whole) → a header delta `{index, id, type, function:
 *   {name, arguments: ""}}` then one delta with all its arguments;
 * - at the end one `delta: {}` chunk with the finish reason ("tool_calls" when a call was
 *   made and Gemini said STOP; "content_filter" when the prompt was blocked), then a usage
 *   chunk `{choices: [], usage}` from the last usageMetadata (Gemini repeats the running
 *   totals on every event). With no usageMetadata at all there is no usage chunk, and the
 *   gateway estimates.
 * Every chunk has Gemini's responseId (else one `chatcmpl-…`), modelVersion (else the request's
 * model) and one `created`. A stream that ends cleanly without a finish reason was cut short:
 * that is an invalid response, not a finished answer.
 * Reference: https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export async function* translateGeminiStream(
  responses: AsyncIterable<GeminiResponse>,
  request: ChatRequest,
  { provider }: { provider: string },
): AsyncGenerator<ChatChunk> {
  let head: Pick<ChatChunk, "id" | "object" | "created" | "model"> | undefined;
  const chunk = (
    delta: ChatChunk["choices"][number]["delta"],
    finishReason: ChatChunk["choices"][number]["finish_reason"] = null,
  ): ChatChunk => ({
    ...head!,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  let toolCallCount = 0;
  let finishReason: string | undefined;
  let blocked: GeminiResponse["promptFeedback"];
  let usage: Usage | undefined;

  for await (const response of responses) {
    if (!head) {
      head = {
        id: response.responseId || newCompletionId(),
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: response.modelVersion || request.model,
      };
      yield chunk({ role: "assistant", content: "" });
    }
    const candidate = response.candidates?.[0];
    const { text, thoughts, calls } = sortParts(candidate?.content?.parts);
    for (const thought of thoughts) yield chunk({ reasoning_content: thought });
    for (const piece of text) yield chunk({ content: piece });
    for (const call of calls) {
      const index = toolCallCount++;
      yield chunk({
        tool_calls: [
          { index, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
        ],
      });
      yield chunk({ tool_calls: [{ index, function: { arguments: call.arguments } }] });
    }
    if (candidate?.finishReason) finishReason = candidate.finishReason;
    if (response.promptFeedback?.blockReason) blocked = response.promptFeedback;
    if (response.usageMetadata) usage = convertGeminiUsage(response.usageMetadata);
  }

  if (!head) return;
  if (!finishReason && !blocked)
    throw geminiInvalidResponseError(provider, "the stream ended without a finish reason");
  yield chunk(
    {},
    finishReasonOf({ promptFeedback: blocked }, finishReason, toolCallCount > 0) ?? "stop",
  );
  if (usage) yield { ...head, choices: [], usage };
}
