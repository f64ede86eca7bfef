import { UpstreamError } from "../../errors.ts";
import {
  excerptOf,
  type HttpFailure,
  isContextLengthError,
  redactSecrets,
  upstreamHttpError,
} from "../../upstream-errors.ts";
import { anthropicErrorBodySchema, type AnthropicErrorBody } from "./anthropic-api.ts";

/**
 * The HTTP status each documented error type is sent with; an error inside a 200 stream is
 * given the status it would have had, so retry and fallback treat both alike (an
 * overloaded_error mid-stream is as retryable as a 529).
 * Reference: https://docs.anthropic.com/en/api/errors
 */
export const statusByErrorType: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/**
 * An error status turned into the one UpstreamError that retry and fallback read. The message is
 * Anthropic's `error.message` (or the start of the raw body when it is not Anthropic's JSON, e.g.
 * Cloudflare's 413 page); `upstreamCode` is `error.type`; `retryAfterMs` comes from `retry-after`;
 * a 400 "prompt is too long: 208310 tokens > 200000 maximum" is a context-length error.
 * `secrets` (the API key) are masked should the upstream echo them.
 */
export function anthropicHttpError(failure: HttpFailure): UpstreamError {
  const { bodyText } = failure;
  const error = parseAnthropicErrorBody(bodyText)?.error;
  const detail = error?.message || excerptOf(bodyText);
  const upstreamCode = error?.type ?? undefined;
  return upstreamHttpError(failure, { detail, upstreamCode });
}

/**
 * An error Anthropic reports after the 200 headers — the stream's `event: error`
 * (`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`) — or an error
 * body where a message should be. Its status is the one the error type is documented with
 * (unknown types count as 500: Anthropic failed, and trying again is reasonable).
 */
export function anthropicPayloadError(
  provider: string,
  payload: AnthropicErrorBody,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const type = payload.error.type ?? undefined;
  const upstreamStatus = (type && statusByErrorType[type]) || 500;
  const detail = payload.error.message || "unknown error";
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus,
    message: redactSecrets(
      `${provider} reported an error${type ? ` (${type})` : ""}: ${detail}`,
      secrets,
    ),
    upstreamCode: type,
    isContextLengthExceeded: isContextLengthError({
      status: upstreamStatus,
      type,
      message: detail,
    }),
  });
}

/** Anthropic's error body in `text`, when it is one. */
export function parseAnthropicErrorBody(text: string): AnthropicErrorBody | undefined {
  try {
    const parsed = anthropicErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
