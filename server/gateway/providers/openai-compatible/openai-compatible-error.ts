// Same error shape as OpenAI's (or plain text), and openai's normalisation already recognises these servers' context-length messages.
export {
  openAIConnectionError as openAICompatibleConnectionError,
  openAIHttpError as openAICompatibleHttpError,
  openAIInvalidResponseError as openAICompatibleInvalidResponseError,
  openAIPayloadError as openAICompatiblePayloadError,
  parseRetryAfterMs,
} from "../openai/openai-error.ts";
