import { UpstreamError } from "../../errors.ts";
import {
  excerptOf,
  type HttpFailure,
  isContextLengthError,
  parseRetryAfterMs,
  redactSecrets,
  type ResponseHeaders,
  upstreamHttpError,
} from "../../upstream-errors.ts";
import { openAIErrorBodySchema, type OpenAIErrorBody } from "./openai-api.ts";

// The generic pieces, under the names this provider's callers and tests know.
export {
  connectionError as openAIConnectionError,
  invalidResponseError as openAIInvalidResponseError,
} from "../../upstream-errors.ts";
export { excerptOf, isContextLengthError, parseRetryAfterMs, type ResponseHeaders };

/**
 * An upstream error status turned into the one UpstreamError that retry and fallback read.
 * The message is OpenAI's `error.message` (or the start of the raw body when it is not OpenAI's
 * JSON); `upstreamCode` is `error.code` or else `error.type`; `retryAfterMs` comes from
 * `retry-after-ms` / `retry-after`. `secrets` (the API key) are masked should the upstream echo them.
 * Reference: https://platform.openai.com/docs/guides/error-codes
 */
export function openAIHttpError(failure: HttpFailure): UpstreamError {
  const { bodyText } = failure;
  const error = parseErrorBody(bodyText)?.error;
  const detail = error?.message || excerptOf(bodyText);
  const upstreamCode = error?.code != null ? String(error.code) : (error?.type ?? undefined);
  return upstreamHttpError(failure, {
    detail,
    upstreamCode,
    isContextLengthExceeded: isContextLengthError({
      status: failure.status,
      code: upstreamCode,
      type: error?.type,
      message: detail,
    }),
  });
}

/**
 * An error the upstream reported inside a 2xx answer — `data: {"error": {...}}` in the middle
 * of a stream, as OpenAI and several compatible servers do when generation fails after the
 * headers were sent. A numeric `code` (OpenRouter's) is taken as the status.
 */
export function openAIPayloadError(
  provider: string,
  payload: OpenAIErrorBody,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const { message, code, type } = payload.error;
  const upstreamStatus = typeof code === "number" ? code : undefined;
  const upstreamCode = typeof code === "string" ? code : (type ?? undefined);
  const detail = message || "unknown error";
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus,
    message: redactSecrets(`${provider} reported an error: ${detail}`, secrets),
    upstreamCode,
    isContextLengthExceeded: isContextLengthError({
      status: upstreamStatus,
      code: upstreamCode,
      type,
      message: detail,
    }),
  });
}

function parseErrorBody(bodyText: string): OpenAIErrorBody | undefined {
  try {
    const parsed = openAIErrorBodySchema.safeParse(JSON.parse(bodyText));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
