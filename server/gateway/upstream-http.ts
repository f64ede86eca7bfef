import { ParseError } from "eventsource-parser";
import { getGlobalDispatcher, type Dispatcher } from "undici";
import type { UpstreamError } from "./errors.ts";
import {
  connectionError,
  excerptOf,
  invalidResponseError,
  type ResponseHeaders,
} from "./upstream-errors.ts";
import { noteProviderRequestId, withExchangeHeaders } from "./upstream-exchange.ts";

/*
 * The HTTP plumbing every provider adapter shares: one POST through the keep-alive pool, the
 * caller's abort honoured, error statuses turned into the provider's UpstreamError, and the
 * response body released so the socket either returns to the pool or closes.
 */

export type UpstreamResponse = Dispatcher.ResponseData;

/**
 * How long the end of a stream's body may take to arrive once the provider said it is done.
 * Reading the body to its end is what returns the socket to the keep-alive pool; a server that
 * never ends it loses the socket instead.
 */
const drainAfterDoneMs = 1_000;

export interface UpstreamPost {
  provider: string;
  url: URL;
  headers: Record<string, string>;
  /** The exact bytes to send (signed requests need them fixed before sending). */
  body: string;
  signal: AbortSignal;
  dispatcher?: Dispatcher;
}

/**
 * POSTs `body` with the attempt's `x-request-id`, noting the provider's own id
 * (upstream-exchange.ts); a failure to connect becomes a `connection` UpstreamError, an abort
 * rethrows the signal's reason.
 */
export async function postUpstream({
  provider,
  url,
  headers,
  body,
  signal,
  dispatcher,
}: UpstreamPost): Promise<UpstreamResponse> {
  signal.throwIfAborted();
  try {
    // The dispatcher's own request(): undici's top-level request() copies these options and
    // reads the URL apart again on every call (~1% of the REST path's CPU, issue 16).
    const response = await (dispatcher ?? getGlobalDispatcher()).request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: "POST",
      signal,
      headers: withExchangeHeaders(headers, signal),
      body,
    });
    noteProviderRequestId(response.headers, signal);
    return response;
  } catch (error) {
    throw asUpstreamFailure(error, signal, provider);
  }
}

/**
 * What a failure inside an adapter becomes: the caller's own abort reason wins (so callers can
 * tell cancellation from failure); UpstreamErrors pass; a broken SSE frame is an invalid
 * response; anything else was the connection.
 */
export function asUpstreamFailure(error: unknown, signal: AbortSignal, provider: string): unknown {
  if (signal.aborted) return signal.reason;
  if (error instanceof ParseError)
    return invalidResponseError(
      provider,
      `the stream is not server-sent events (${error.message})`,
      { cause: error },
    );
  return connectionError(provider, error);
}

/** Throws the provider's error (built by `toError` from the status, headers and body text) unless the status is 2xx. */
export async function rejectUnlessSuccessful(
  response: UpstreamResponse,
  toError: (failure: {
    status: number;
    headers: ResponseHeaders;
    bodyText: string;
  }) => UpstreamError,
): Promise<void> {
  if (response.statusCode >= 200 && response.statusCode < 300) return;
  const bodyText = await response.body.text();
  throw toError({ status: response.statusCode, headers: response.headers, bodyText });
}

/** The content type of a response, lower-cased ("" when absent). */
export function contentTypeOf(response: UpstreamResponse): string {
  return String(response.headers["content-type"] ?? "").toLowerCase();
}

/**
 * Ends our use of a response body. A finished stream is read to its end (normally already
 * there) so the socket goes back to the pool; anything else (the consumer stopped early, an
 * error) is destroyed, which closes the socket — the upstream sees the client go away and
 * stops generating.
 *
 * Nothing waits for the drain: a stream's end (its `[DONE]`, the usage it carried) is known
 * before the body's own end arrives, often a read later, and waiting for it held the caller's
 * last write back to a tick of its own — one more system call per stream (issue 16).
 */
export function releaseBody(body: UpstreamResponse["body"], { drain }: { drain: boolean }): void {
  if (body.destroyed || body.readableEnded) return;
  if (!drain) {
    // undici reports destroying an unfinished body as an 'error' (AbortError); nobody reads it
    // any more, so without a listener it would be an uncaught exception.
    body.on("error", () => {});
    body.destroy();
    return;
  }
  // A plain timer rather than AbortSignal.timeout: creating an AbortSignal costs ~5–20 µs on
  // Node 20, and this runs at the end of every stream (issue 16).
  const giveUp = setTimeout(() => {
    body.on("error", () => {});
    body.destroy();
  }, drainAfterDoneMs);
  giveUp.unref();
  void body
    .dump({ limit: Number.MAX_SAFE_INTEGER })
    .catch(() => {})
    .finally(() => clearTimeout(giveUp));
}

/** JSON when the text is JSON, else the text itself (to quote or inspect in an error). */
export function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A schema that checks an answer: zod's `safeParse`, or anything shaped like it. */
export interface AnswerSchema {
  safeParse(value: unknown): { success: boolean; data?: unknown };
}

export interface UpstreamJsonReading {
  provider: string;
  /** Names the provider's format in the error: "OpenAI's", "Anthropic's", … */
  format: string;
  /** The provider's own error body where an answer should be becomes that error; undefined when `json` is not one. */
  reportedError?: (json: unknown) => UpstreamError | undefined;
}

/**
 * A 2xx body read as the provider's answer: JSON matching `schema` (its parsed value is
 * returned: zod's loose objects keep every field the provider sent). The provider's own error
 * body in its place is that error; anything else — not JSON, the wrong shape — is an invalid
 * response quoting the start of what came instead.
 */
export function readUpstreamJson<Answer>(
  text: string,
  schema: AnswerSchema,
  what: string,
  reading: UpstreamJsonReading,
): Answer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidResponseError(reading.provider, `${what} is not JSON: ${quotedExcerpt(text)}`, {
      cause: error,
    });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return (parsed.data ?? json) as Answer;
  throw unexpectedAnswer(json, text, what, reading);
}

/** The error for a 2xx body that is not an answer: the provider's reported error, or an invalid response. */
export function unexpectedAnswer(
  json: unknown,
  text: string,
  what: string,
  { provider, format, reportedError }: UpstreamJsonReading,
): UpstreamError {
  return (
    reportedError?.(json) ??
    invalidResponseError(provider, `${what} is not in ${format} format: ${quotedExcerpt(text)}`)
  );
}

/** What the upstream sent instead, quoted, for an error message. */
export function quotedExcerpt(text: string): string {
  return JSON.stringify(excerptOf(text, 120));
}
