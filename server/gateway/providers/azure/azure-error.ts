import { UpstreamError } from "../../errors.ts";
import { redactSecrets } from "../../upstream-errors.ts";

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

/**
 * The same failure with the Azure credentials masked in its message. openai's adapter only
 * masks the bearer key it sends itself; Azure's `api-key` header travels beside it, so the
 * Azure adapter passes every failure through here. Anything else (the caller's abort reason,
 * a GatewayError) is returned unchanged.
 */
export function redactAzureCredentials(error: unknown, secrets: Array<string | undefined>): unknown {
  if (!(error instanceof UpstreamError)) return error;
  const message = redactSecrets(error.message, secrets);
  if (message === error.message) return error;
  const { provider, kind, upstreamStatus, retryAfterMs, upstreamCode, isContextLengthExceeded, cause } = error;
  return new UpstreamError({ provider, kind, message, upstreamStatus, retryAfterMs, upstreamCode, isContextLengthExceeded, cause });
}
