import { UpstreamError } from "../../errors.ts";
import { openAIErrorBodySchema, type OpenAIErrorBody } from "./openai-api.ts";

/** Response headers as undici gives them (lower-case names). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** Longest slice of a non-JSON error body kept in the message (HTML error pages are long). */
const maxRawTextLength = 300;

/**
 * An upstream error status turned into the one UpstreamError that retry and fallback read.
 * The message is OpenAI's `error.message` (or the start of the raw body when it is not OpenAI's
 * JSON); `upstreamCode` is `error.code` or else `error.type`; `retryAfterMs` comes from
 * `retry-after-ms` / `retry-after`. `secrets` (the API key) are masked should the upstream echo them.
 * Reference: https://platform.openai.com/docs/guides/error-codes
 */
export function openAIHttpError({
  provider,
  status,
  headers,
  bodyText,
  now = Date.now(),
  secrets = [],
}: {
  provider: string;
  status: number;
  headers: ResponseHeaders;
  bodyText: string;
  now?: number;
  secrets?: Array<string | undefined>;
}): UpstreamError {
  const error = parseErrorBody(bodyText)?.error;
  const detail = error?.message || excerptOf(bodyText);
  const upstreamCode = error?.code != null ? String(error.code) : (error?.type ?? undefined);
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus: status,
    message: redact(`${provider} answered HTTP ${status}: ${detail}`, secrets),
    retryAfterMs: parseRetryAfterMs(headers, now),
    upstreamCode,
    isContextLengthExceeded: isContextLengthError({ status, code: upstreamCode, type: error?.type, message: detail }),
  });
}

/**
 * An error the upstream reported inside a 2xx answer — `data: {"error": {...}}` in the middle
 * of a stream, as OpenAI and several compatible servers do when generation fails after the
 * headers were sent. A numeric `code` (OpenRouter's) is taken as the status.
 */
export function openAIPayloadError(provider: string, payload: OpenAIErrorBody, secrets: Array<string | undefined> = []): UpstreamError {
  const { message, code, type } = payload.error;
  const upstreamStatus = typeof code === "number" ? code : undefined;
  const upstreamCode = typeof code === "string" ? code : (type ?? undefined);
  const detail = message || "unknown error";
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus,
    message: redact(`${provider} reported an error: ${detail}`, secrets),
    upstreamCode,
    isContextLengthExceeded: isContextLengthError({ status: upstreamStatus, code: upstreamCode, type, message: detail }),
  });
}

/**
 * A connection that failed or dropped: refused, reset, TLS failure, or the socket closed before
 * the body was complete. undici's header/body timeouts become kind "timeout".
 */
export function openAIConnectionError(provider: string, cause: unknown): UpstreamError {
  if (cause instanceof UpstreamError) return cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const isTimeout = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
  return new UpstreamError({
    provider,
    kind: isTimeout ? "timeout" : "connection",
    message: `${provider} connection ${isTimeout ? "timed out" : "failed"}: ${typeof code === "string" ? `${code} ` : ""}${reason}`.trim(),
    cause,
  });
}

/** A 2xx answer that is not OpenAI's wire format: not JSON, wrong shape, wrong content type. */
export function openAIInvalidResponseError(provider: string, detail: string, options: { status?: number; cause?: unknown } = {}): UpstreamError {
  return new UpstreamError({ provider, kind: "invalid-response", upstreamStatus: options.status, message: `${provider} sent an invalid response: ${detail}`, cause: options.cause });
}

/**
 * Milliseconds to wait before retrying: `retry-after-ms` (OpenAI's, in milliseconds) wins over
 * `retry-after`, which is either seconds or an HTTP date. Unparsable values are ignored.
 */
export function parseRetryAfterMs(headers: ResponseHeaders, now = Date.now()): number | undefined {
  const milliseconds = Number(firstHeader(headers["retry-after-ms"]));
  if (firstHeader(headers["retry-after-ms"]) && Number.isFinite(milliseconds) && milliseconds >= 0) return Math.round(milliseconds);
  const retryAfter = firstHeader(headers["retry-after"])?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// llama.cpp's server; vLLM, Groq, OpenRouter, Mistral and LM Studio only say it in the message.
const contextLengthTypes = new Set(["context_length_exceeded", "exceed_context_size_error"]);
const contextLengthMessage = /context[ _-]?(length|window|size)|maximum context|prompt is too long|too many (input |prompt )?tokens/i;

/**
 * Does this error say the prompt does not fit the model? OpenAI says so with
 * `code: "context_length_exceeded"`; many compatible servers only in the message. The message
 * is only trusted on statuses that mean "bad request" — a 429's "tokens per minute" is not it.
 */
export function isContextLengthError({ status, code, type, message }: { status?: number; code?: string; type?: string | null; message?: string }): boolean {
  if ((code && contextLengthTypes.has(code)) || (type && contextLengthTypes.has(type))) return true;
  const isBadRequest = status === undefined || status === 400 || status === 413 || status === 422;
  return isBadRequest && !!message && contextLengthMessage.test(message);
}

function parseErrorBody(bodyText: string): OpenAIErrorBody | undefined {
  try {
    const parsed = openAIErrorBodySchema.safeParse(JSON.parse(bodyText));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The start of a body that is not what was expected, on one line, for an error message. */
export function excerptOf(text: string, maxLength = maxRawTextLength): string {
  const flat = text.trim().replace(/\s+/g, " ");
  if (!flat) return "(empty body)";
  return flat.length > maxLength ? `${flat.slice(0, maxLength)}…` : flat;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function redact(text: string, secrets: Array<string | undefined>): string {
  return secrets.reduce<string>((result, secret) => (secret && secret.length >= 8 ? result.replaceAll(secret, "[redacted]") : result), text);
}
