// Same wire format as OpenAI, and openai's loose schemas already allow these servers' variations (optional ids, numeric error codes).
export {
  openAIChatChunkSchema as openAICompatibleChatChunkSchema,
  openAIChatResponseSchema as openAICompatibleChatResponseSchema,
  openAIErrorBodySchema as openAICompatibleErrorBodySchema,
  type OpenAIErrorBody as OpenAICompatibleErrorBody,
} from "../openai/openai-api.ts";
