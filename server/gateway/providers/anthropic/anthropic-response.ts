import type { ChatRequest, ChatResponse, ToolCall, Usage } from "../../spec.ts";
import type { AnthropicContentBlock, AnthropicMessage, AnthropicUsage } from "./anthropic-api.ts";
import { mapAnthropicFinishReason } from "./map-anthropic-finish-reason.ts";
import { newToolCallId } from "../../identifiers.ts";

/*
 * A Messages API answer in OpenAI's shape. Reference: https://docs.anthropic.com/en/api/messages
 */

/**
 * Anthropic's token counts in OpenAI's terms. Anthropic's `input_tokens` leaves out cache reads
 * and writes, so prompt_tokens adds both back (every token of the prompt, as OpenAI counts);
 * cache reads are `cached_tokens`, cache writes `cache_write_tokens` (billed differently).
 * Thinking tokens are part of `output_tokens`; Anthropic does not report them separately.
 * Reference: https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
 */
export function toOpenAIUsage(usage: AnthropicUsage): Usage {
  const cacheReads = usage.cache_read_input_tokens ?? 0;
  const cacheWrites = usage.cache_creation_input_tokens ?? 0;
  const promptTokens = (usage.input_tokens ?? 0) + cacheReads + cacheWrites;
  const completionTokens = usage.output_tokens ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: {
      cached_tokens: cacheReads,
      ...(typeof usage.cache_creation_input_tokens === "number"
        ? { cache_write_tokens: cacheWrites }
        : {}),
    },
  };
}

/** A tool_use input (an object) as OpenAI's `arguments` string. */
export function argumentsOf(input: unknown): string {
  return JSON.stringify(input ?? {});
}

/**
 * The answer's content blocks become one assistant message: text blocks joined as `content`
 * (null when there is none); tool_use blocks as `tool_calls` (Anthropic's `toolu_…` ids kept);
 * the structured-output tool's input (`jsonResponseToolName`) as JSON text in `content`;
 * thinking blocks joined as `reasoning_content` (the DeepSeek/LiteLLM field), never in content;
 * redacted thinking and block types added later are left out.
 */
export function toChatResponse(
  message: AnthropicMessage,
  {
    request,
    jsonResponseToolName,
    created,
  }: { request: ChatRequest; jsonResponseToolName?: string; created: number },
): ChatResponse {
  const content: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  let usedJsonResponseTool = false;
  for (const block of message.content as AnthropicContentBlock[]) {
    if (block.type === "text" && block.text) content.push(block.text);
    else if (block.type === "thinking" && block.thinking) reasoning.push(block.thinking);
    else if (
      block.type === "tool_use" &&
      jsonResponseToolName &&
      block.name === jsonResponseToolName
    ) {
      usedJsonResponseTool = true;
      content.push(argumentsOf(block.input));
    } else if (block.type === "tool_use" && block.name) {
      toolCalls.push({
        id: block.id || newToolCallId(),
        type: "function",
        function: { name: block.name, arguments: argumentsOf(block.input) },
      });
    }
  }
  return {
    id: message.id,
    object: "chat.completion",
    created,
    model: message.model || request.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: content.length > 0 ? content.join("") : null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning_content: reasoning.join("") } : {}),
        },
        finish_reason:
          mapAnthropicFinishReason(message.stop_reason, {
            isJsonResponse: usedJsonResponseTool && toolCalls.length === 0,
          }) ?? "stop",
      },
    ],
    usage: toOpenAIUsage(message.usage),
  };
}
