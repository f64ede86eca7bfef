import type { ResponseHeaders } from "./upstream-errors.ts";

/**
 * The request ids of one upstream attempt: the id sent to the provider as `x-request-id` and
 * the provider's own id for the call, read from its response headers. The attempt walker opens
 * one exchange per attempt, and the pipeline binds it to the attempt's AbortSignal, which every
 * adapter already hands to `postUpstream` (the one place they all send through): so no adapter
 * carries ids through its signature, and no AsyncLocalStorage puts promise hooks on every
 * promise of the process (they cost more than the ids, issue 16).
 */
export interface UpstreamExchange {
  /** Sent as `x-request-id` unless the adapter set that header itself. */
  readonly requestId?: string;
  /** The provider's id for the call (the first of `providerRequestIdHeaders` it sent). */
  providerRequestId?: string;
}

/**
 * Where providers put their id for a call, in the order looked at: Anthropic `request-id`,
 * OpenAI, Azure OpenAI, DeepSeek and most OpenAI-compatible servers `x-request-id`, Azure's API
 * gateway `apim-request-id`, AWS (Bedrock, SageMaker) `x-amzn-requestid`. Google's Gemini and
 * Vertex APIs send none.
 */
export const providerRequestIdHeaders = [
  "request-id",
  "x-request-id",
  "apim-request-id",
  "x-amzn-requestid",
] as const;

/**
 * The exchange rides on its signal as a property of its own: a WeakMap entry per attempt cost an
 * ephemeron for the garbage collector to trace (its `set` alone was ~0.5% of the REST path's CPU
 * in issue 16's profile).
 */
const exchangeOfSignal = Symbol("upstreamExchange");
type SignalWithExchange = AbortSignal & { [exchangeOfSignal]?: UpstreamExchange };

/** Makes `exchange` the one of the attempt whose calls carry `signal`. */
export function bindUpstreamExchange(signal: AbortSignal, exchange: UpstreamExchange): void {
  (signal as SignalWithExchange)[exchangeOfSignal] = exchange;
}

/** The headers to send: `x-request-id` added from the attempt's exchange when there is one. */
export function withExchangeHeaders(
  headers: Record<string, string>,
  signal: AbortSignal,
): Record<string, string> {
  const requestId = (signal as SignalWithExchange)[exchangeOfSignal]?.requestId;
  if (!requestId) return headers;
  for (const name in headers) if (name.toLowerCase() === "x-request-id") return headers;
  return { ...headers, "x-request-id": requestId };
}

/** Notes the provider's request id from a response's headers on the attempt's exchange. */
export function noteProviderRequestId(headers: ResponseHeaders, signal: AbortSignal): void {
  const exchange = (signal as SignalWithExchange)[exchangeOfSignal];
  if (!exchange) return;
  for (const name of providerRequestIdHeaders) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === "string" && first !== "") {
      exchange.providerRequestId = first.slice(0, 200);
      return;
    }
  }
}
