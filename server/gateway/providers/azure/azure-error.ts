// Azure's error bodies are OpenAI's `{ "error": { "message", "code", … } }` (code "429", "401",
// "DeploymentNotFound", "content_filter", "context_length_exceeded"), so openai's normalisation
// applies: upstreamCode is `error.code`, retry-after-ms / retry-after are read, and a prompt the
// content filter rejects (HTTP 400, code "content_filter", innererror.code
// "ResponsibleAIPolicyViolation") keeps upstreamCode "content_filter" for content-policy fallbacks.
// Reference: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/concepts/content-filter
export {
  openAIConnectionError as azureConnectionError,
  openAIHttpError as azureHttpError,
  openAIInvalidResponseError as azureInvalidResponseError,
  openAIPayloadError as azurePayloadError,
  parseRetryAfterMs,
} from "../openai/openai-error.ts";
