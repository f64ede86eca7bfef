import { z } from "zod";

// DeepSeek answers in OpenAI's shapes (plus reasoning_content and its cache counters), which openai's loose schemas keep.
export {
  openAIChatChunkSchema as deepSeekChatChunkSchema,
  openAIChatResponseSchema as deepSeekChatResponseSchema,
  openAIErrorBodySchema as deepSeekErrorBodySchema,
  type OpenAIErrorBody as DeepSeekErrorBody,
} from "../openai/openai-api.ts";

/**
 * DeepSeek's usage object: OpenAI's counts plus its context-cache split of the prompt
 * (`prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens`) and, for thinking
 * mode, `completion_tokens_details.reasoning_tokens` (part of completion_tokens). Newer answers
 * also carry OpenAI's `prompt_tokens_details.cached_tokens`.
 * Reference: https://api-docs.deepseek.com/api/create-chat-completion (usage),
 *            https://api-docs.deepseek.com/guides/kv_cache
 */
export const deepSeekUsageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  prompt_cache_hit_tokens: z.number().nullish(),
  prompt_cache_miss_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});
