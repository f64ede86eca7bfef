// DeepSeek's error bodies are OpenAI's `{ "error": { "message", "type", "param", "code" } }`
// (e.g. 402 `{"message":"Insufficient Balance","type":"unknown_error","code":"invalid_request_error"}`,
// 400 "This model's maximum context length is 131072 tokens. …"), so openai's normalisation
// applies: the message is DeepSeek's, the status decides retrying (402 Insufficient Balance and
// 422 Invalid Parameters are not retried, 429, 500 and 503 Server Overloaded are), and the
// context-length message is recognised. 402 is a billing problem of the gateway's DeepSeek
// account, not a credentials one: it keeps its own status.
// Reference: https://api-docs.deepseek.com/quick_start/error_codes
export {
  openAIConnectionError as deepSeekConnectionError,
  openAIHttpError as deepSeekHttpError,
  openAIInvalidResponseError as deepSeekInvalidResponseError,
  openAIPayloadError as deepSeekPayloadError,
  parseRetryAfterMs,
} from "../openai/openai-error.ts";
