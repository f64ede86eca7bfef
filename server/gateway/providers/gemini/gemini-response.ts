import type { ChatRequest, ChatResponse, FinishReason, ToolCall, Usage } from "../../spec.ts";
import type { GeminiPart, GeminiResponse, GeminiUsage } from "./gemini-api.ts";
import { mapGeminiFinishReason } from "./map-gemini-finish-reason.ts";
import { newCompletionId, newToolCallId } from "../../identifiers.ts";

/**
 * Gemini's usageMetadata in OpenAI's terms:
 * - prompt_tokens = promptTokenCount (cached tokens included) + toolUsePromptTokenCount;
 * - prompt_tokens_details.cached_tokens = cachedContentTokenCount (Gemini reports no cache writes);
 * - completion_tokens = candidatesTokenCount + thoughtsTokenCount (Gemini counts thoughts apart);
 * - completion_tokens_details.reasoning_tokens = thoughtsTokenCount;
 * - total_tokens = prompt + completion (totalTokenCount is not read).
 * Reference: https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function convertGeminiUsage(usage: GeminiUsage): Usage {
  const promptTokens = (usage.promptTokenCount ?? 0) + (usage.toolUsePromptTokenCount ?? 0);
  const reasoningTokens = usage.thoughtsTokenCount ?? 0;
  const completionTokens = (usage.candidatesTokenCount ?? 0) + reasoningTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedContentTokenCount ?? 0 },
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
}

/** What one answer (or a stream event) holds: visible text, thought summaries, whole function calls. */
export interface GeminiPartsByKind {
  text: string[];
  thoughts: string[];
  calls: Array<{ id: string; name: string; arguments: string }>;
}

/**
 * Sorts a candidate's parts: thought parts (`thought: true`) are reasoning, other text is the
 * answer, each function call (always whole in Gemini's API) becomes an OpenAI tool call with
 * the provider's id when it sends one, else an invented `call_<random>`. Parts of other kinds
 * (inline images, executable code) are not part of a chat completion and are left out.
 */
export function sortParts(parts: GeminiPart[] | null | undefined): GeminiPartsByKind {
  const sorted: GeminiPartsByKind = { text: [], thoughts: [], calls: [] };
  for (const part of parts ?? []) {
    if (part.functionCall?.name) {
      sorted.calls.push({
        id: part.functionCall.id || newToolCallId(),
        name: part.functionCall.name,
        arguments: JSON.stringify(part.functionCall.args ?? {}),
      });
    } else if (typeof part.text === "string" && part.text.length > 0) {
      (part.thought ? sorted.thoughts : sorted.text).push(part.text);
    }
  }
  return sorted;
}

/**
 * The finish reason of an answer: a prompt blocked before generation (`promptFeedback.blockReason`,
 * no candidates) is "content_filter"; otherwise the candidate's mapped finishReason.
 */
export function finishReasonOf(
  response: Pick<GeminiResponse, "promptFeedback">,
  finishReason: string | null | undefined,
  hasToolCalls: boolean,
): FinishReason | null {
  if (response.promptFeedback?.blockReason) return "content_filter";
  return mapGeminiFinishReason(finishReason, { hasToolCalls });
}

/**
 * A generateContent answer as an OpenAI chat.completion: the first candidate's text as
 * `content` (null when there is none), thoughts as `reasoning_content`, function calls as
 * `tool_calls`; `id` is Gemini's responseId, `model` its modelVersion (else the request's).
 */
export function convertGeminiResponse(
  response: GeminiResponse,
  request: ChatRequest,
): ChatResponse {
  const candidate = response.candidates?.[0];
  const { text, thoughts, calls } = sortParts(candidate?.content?.parts);
  const toolCalls: ToolCall[] = calls.map(({ id, name, arguments: args }) => ({
    id,
    type: "function",
    function: { name, arguments: args },
  }));
  return {
    id: response.responseId || newCompletionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion || request.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: text.length > 0 ? text.join("") : null,
          ...(thoughts.length > 0 ? { reasoning_content: thoughts.join("") } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason:
          finishReasonOf(response, candidate?.finishReason, toolCalls.length > 0) ?? "stop",
      },
    ],
    ...(response.usageMetadata ? { usage: convertGeminiUsage(response.usageMetadata) } : {}),
  };
}
