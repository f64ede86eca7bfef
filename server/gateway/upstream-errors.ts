import { UpstreamError } from "./errors.ts";

/*
 * The pieces of UpstreamError construction every provider shares: dropped connections,
 * answers that are not the provider's format, retry-after headers, and error text that must
 * neither be huge nor leak the credential.
 */

/** Response headers as undici gives them (lower-case names). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** An error status as an adapter receives it, before the provider's error body is read. */
export interface HttpFailure {
  provider: string;
  status: number;
  headers: ResponseHeaders;
  bodyText: string;
  /** The clock `retry-after` dates are read against. */
  now?: number;
  /** Credentials to mask should the upstream echo them. */
  secrets?: Array<string | undefined>;
}

/** What a provider's error body said, read by that provider's `<name>-error.ts`. */
export interface ReportedFailure {
  /** The provider's message (or an excerpt of a body that is not its error format). */
  detail: string;
  upstreamCode?: string;
  /** When the provider's status is not the one that tells retry what happened (a credential error sent as 400). */
  upstreamStatus?: number;
  /** When the body says how long to wait and the headers do not (Gemini's RetryInfo). */
  retryAfterMs?: number;
  /** When the provider has its own way of saying the prompt is too long; else isContextLengthError decides. */
  isContextLengthExceeded?: boolean;
}

/**
 * The UpstreamError for an error status: message `<provider> answered HTTP <status>: <detail>`
 * with the secrets masked, `retryAfterMs` from retry-after-ms / retry-after, and the
 * context-length verdict. Every provider's `<name>HttpError` reads its body and calls this.
 */
export function upstreamHttpError(
  { provider, status, headers, now = Date.now(), secrets = [] }: HttpFailure,
  reported: ReportedFailure,
): UpstreamError {
  const { detail, upstreamCode } = reported;
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus: reported.upstreamStatus ?? status,
    message: redactSecrets(`${provider} answered HTTP ${status}: ${detail}`, secrets),
    retryAfterMs: parseRetryAfterMs(headers, now) ?? reported.retryAfterMs,
    upstreamCode,
    isContextLengthExceeded:
      reported.isContextLengthExceeded ??
      isContextLengthError({ status, code: upstreamCode, message: detail }),
  });
}

/** Longest slice of a non-JSON error body kept in the message (HTML error pages are long). */
const maxRawTextLength = 300;

/**
 * A connection that failed or dropped: refused, reset, TLS failure, or the socket closed before
 * the body was complete. undici's header/body timeouts become kind "timeout".
 */
export function connectionError(provider: string, cause: unknown): UpstreamError {
  if (cause instanceof UpstreamError) return cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const isTimeout = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
  return new UpstreamError({
    provider,
    kind: isTimeout ? "timeout" : "connection",
    message:
      `${provider} connection ${isTimeout ? "timed out" : "failed"}: ${typeof code === "string" ? `${code} ` : ""}${reason}`.trim(),
    cause,
  });
}

/** A 2xx answer that is not OpenAI's wire format: not JSON, wrong shape, wrong content type. */
export function invalidResponseError(
  provider: string,
  detail: string,
  options: { status?: number; cause?: unknown } = {},
): UpstreamError {
  return new UpstreamError({
    provider,
    kind: "invalid-response",
    upstreamStatus: options.status,
    message: `${provider} sent an invalid response: ${detail}`,
    cause: options.cause,
  });
}

/**
 * Milliseconds to wait before retrying: `retry-after-ms` (OpenAI's, in milliseconds) wins over
 * `retry-after`, which is either seconds or an HTTP date. Unparsable values are ignored.
 */
export function parseRetryAfterMs(headers: ResponseHeaders, now = Date.now()): number | undefined {
  const milliseconds = Number(firstHeader(headers["retry-after-ms"]));
  if (firstHeader(headers["retry-after-ms"]) && Number.isFinite(milliseconds) && milliseconds >= 0)
    return Math.round(milliseconds);
  const retryAfter = firstHeader(headers["retry-after"])?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// OpenAI's code, llama.cpp's server's type; vLLM, Groq, OpenRouter, Mistral and LM Studio only say it in the message.
const contextLengthTypes = new Set(["context_length_exceeded", "exceed_context_size_error"]);
const contextLengthMessage =
  /context[ _-]?(length|window|size)|maximum context|prompt is too long|input is too long|too many (input |prompt )?tokens|exceeds the maximum number of tokens/i;

/**
 * Does this error say the prompt does not fit the model? OpenAI says so with
 * `code: "context_length_exceeded"`; many compatible servers only in the message. The message
 * is only trusted on statuses that mean "bad request" — a 429's "tokens per minute" is not it.
 */
export function isContextLengthError({
  status,
  code,
  type,
  message,
}: {
  status?: number;
  code?: string;
  type?: string | null;
  message?: string;
}): boolean {
  if ((code && contextLengthTypes.has(code)) || (type && contextLengthTypes.has(type))) return true;
  const isBadRequest = status === undefined || status === 400 || status === 413 || status === 422;
  return isBadRequest && !!message && contextLengthMessage.test(message);
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

/** `text` with every secret (8+ characters) replaced by "[redacted]". */
export function redactSecrets(text: string, secrets: Array<string | undefined>): string {
  return secrets.reduce<string>(
    (result, secret) =>
      secret && secret.length >= 8 ? result.replaceAll(secret, "[redacted]") : result,
    text,
  );
}
