import { UpstreamError } from "../../errors.ts";
import {
  excerptOf,
  type HttpFailure,
  isContextLengthError,
  redactSecrets,
  upstreamHttpError,
} from "../../upstream-errors.ts";
import { geminiErrorBodySchema, type GeminiErrorBody } from "./gemini-api.ts";

export {
  connectionError as geminiConnectionError,
  invalidResponseError as geminiInvalidResponseError,
} from "../../upstream-errors.ts";

/**
 * The HTTP status of each google.rpc canonical code, for errors reported without one (inside a
 * 200 stream, `code` is usually there; this is the fallback).
 * Reference: https://cloud.google.com/apis/design/errors#handling_errors
 */
const statusByCanonicalCode: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** ErrorInfo reasons that mean the gateway's credential is wrong although Google answers 400. */
const credentialReasons = new Set([
  "API_KEY_INVALID",
  "API_KEY_EXPIRED",
  "API_KEY_SERVICE_BLOCKED",
]);

/**
 * An error status from the Gemini API (or Vertex AI, same body) turned into the one
 * UpstreamError retry and fallback read:
 * - message: `error.message` (or the start of a non-JSON body), the API key redacted;
 * - `upstreamCode`: the ErrorInfo `reason` when there is one (API_KEY_INVALID), else the
 *   canonical `error.status` (RESOURCE_EXHAUSTED, UNAVAILABLE, INVALID_ARGUMENT…);
 * - `retryAfterMs`: `retry-after` headers first, else the RetryInfo detail's `retryDelay`
 *   ("34.4s") Gemini puts in 429 bodies;
 * - a bad API key comes back as 400 INVALID_ARGUMENT with reason API_KEY_INVALID: it is
 *   reported as upstreamStatus 401, so it counts as the gateway's credentials failing (502 to
 *   the caller, not retried) rather than as the caller's bad request;
 * - "The input token count (…) exceeds the maximum number of tokens allowed (…)." is a
 *   context-length error.
 * Reference: https://ai.google.dev/gemini-api/docs/troubleshooting
 */
export function geminiHttpError(failure: HttpFailure): UpstreamError {
  const { bodyText } = failure;
  const error = parseGeminiErrorBody(bodyText)?.error;
  const detail = error?.message || excerptOf(bodyText);
  const reason = reasonOf(error);
  const upstreamCode = reason ?? error?.status ?? undefined;
  return upstreamHttpError(failure, {
    detail,
    upstreamCode,
    upstreamStatus: reason && credentialReasons.has(reason) ? 401 : undefined,
    retryAfterMs: retryDelayMs(error),
    isContextLengthExceeded: isContextLengthError({ status: failure.status, message: detail }),
  });
}

/**
 * An error Google reports inside a 2xx answer — a `data: {"error": {...}}` event in the middle of
 * a stream, or an error body where an answer should be. Its status is `error.code`, else the
 * canonical code's, else 500 (Google failed; trying again is reasonable).
 */
export function geminiPayloadError(
  provider: string,
  payload: GeminiErrorBody,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const { error } = payload;
  const upstreamStatus =
    error.code ?? (error.status ? statusByCanonicalCode[error.status] : undefined) ?? 500;
  const detail = error.message || "unknown error";
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus,
    message: redactSecrets(
      `${provider} reported an error${error.status ? ` (${error.status})` : ""}: ${detail}`,
      secrets,
    ),
    retryAfterMs: retryDelayMs(error),
    upstreamCode: reasonOf(error) ?? error.status ?? undefined,
    isContextLengthExceeded: isContextLengthError({ status: upstreamStatus, message: detail }),
  });
}

/** Google's error body in `json` (parsed already), when it is one. */
export function asGeminiErrorBody(json: unknown): GeminiErrorBody | undefined {
  const parsed = geminiErrorBodySchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Google's error body in `text`, when it is one. */
export function parseGeminiErrorBody(text: string): GeminiErrorBody | undefined {
  try {
    return asGeminiErrorBody(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** The ErrorInfo detail's `reason` (API_KEY_INVALID, RATE_LIMIT_EXCEEDED…). */
function reasonOf(error: GeminiErrorBody["error"] | undefined): string | undefined {
  return (
    error?.details?.find(
      (detail) => detail["@type"]?.endsWith("google.rpc.ErrorInfo") && detail.reason,
    )?.reason ?? undefined
  );
}

/**
 * The RetryInfo detail's delay: a protobuf Duration in JSON, seconds with up to nine decimals
 * and an "s" ("30s", "34.4s"). Reference: https://cloud.google.com/apis/design/errors#retryinfo
 */
function retryDelayMs(error: GeminiErrorBody["error"] | undefined): number | undefined {
  const delay = error?.details?.find((detail) =>
    detail["@type"]?.endsWith("google.rpc.RetryInfo"),
  )?.retryDelay;
  const match = delay ? /^(\d+(?:\.\d+)?)s$/.exec(delay.trim()) : null;
  return match ? Math.round(Number(match[1]) * 1000) : undefined;
}
