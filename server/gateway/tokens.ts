import type { ChatMessage, ContentPart } from "./spec.ts";

/*
 * Token estimates for when a provider reports no usage (a stream cancelled before its usage
 * chunk, a server that ignores `stream_options.include_usage`), so spend is never silently
 * zero. They are a heuristic, not a tokenizer: English text averages about 4 characters per
 * token with OpenAI's tokenizers, and each chat message carries a few tokens of framing
 * (role and separators; see OpenAI's cookbook "How to count tokens with tiktoken").
 * Whenever the provider reports usage, its numbers are used instead.
 */

const charactersPerToken = 4;
/** Framing tokens per message (`<|start|>role ... <|end|>`). */
const tokensPerMessage = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
const tokensPerReply = 3;
/**
 * Images, audio and files: OpenAI's base cost of one low-detail image. Their real cost depends
 * on size or duration, which we cannot know without decoding them; counting their base64 text
 * instead would overcharge by orders of magnitude.
 */
const tokensPerMediaPart = 85;

/**
 * Estimated tokens in `text`: about 4 characters per token, rounded up.
 * A heuristic, used only when the provider reports no usage.
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / charactersPerToken);
}

/**
 * Estimated prompt tokens of a chat request's messages: each message's text, name and tool
 * calls at about 4 characters per token, plus 3 tokens of framing per message and 3 for the
 * reply. A heuristic, used only when the provider reports no usage.
 */
export function estimatePromptTokens(messages: ChatMessage[]): number {
  let total = tokensPerReply;
  for (const message of messages) {
    total += tokensPerMessage + contentTokens(message.content);
    if (message.name) total += estimateTokens(message.name);
    // Defensive: this runs while logging a failed or cancelled request, where a throw would lose the log.
    for (const call of message.tool_calls ?? [])
      total +=
        estimateTokens(call.function?.name ?? "") + estimateTokens(call.function?.arguments ?? "");
  }
  return total;
}

function contentTokens(content: ChatMessage["content"]): number {
  if (typeof content === "string") return estimateTokens(content);
  if (!Array.isArray(content)) return 0;
  return content.reduce((sum, part) => sum + partTokens(part), 0);
}

function partTokens(part: ContentPart): number {
  if (part.type === "text" && typeof part.text === "string") return estimateTokens(part.text);
  return tokensPerMediaPart;
}

/** Estimated tokens of an embeddings input: its texts' (token-array inputs are counted by the provider). */
export function estimateInputTokens(input: string | unknown[]): number {
  return (Array.isArray(input) ? input : [input]).reduce<number>(
    (sum, item) => sum + (typeof item === "string" ? estimateTokens(item) : 0),
    0,
  );
}
