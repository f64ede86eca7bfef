import { AsyncLocalStorage } from "node:async_hooks";
import type { ResponseHeaders } from "./upstream-errors.ts";

/**
 * The request ids of one upstream attempt: the id sent to the provider as `x-request-id` and
 * the provider's own id for the call, read from its response headers. The attempt walker opens
 * one exchange per attempt; `postUpstream` (the one place every adapter sends through) fills
 * it in, so no adapter has to carry ids through its signature.
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

const exchanges = new AsyncLocalStorage<UpstreamExchange>();

/** Runs `call` (one upstream attempt) with `exchange` as the current exchange. */
export function withUpstreamExchange<Value>(exchange: UpstreamExchange, call: () => Value): Value {
  return exchanges.run(exchange, call);
}

/** The headers to send: `x-request-id` added from the current exchange when there is one. */
export function withExchangeHeaders(headers: Record<string, string>): Record<string, string> {
  const requestId = exchanges.getStore()?.requestId;
  if (!requestId || Object.keys(headers).some((name) => name.toLowerCase() === "x-request-id"))
    return headers;
  return { ...headers, "x-request-id": requestId };
}

/** Notes the provider's request id from a response's headers on the current exchange. */
export function noteProviderRequestId(headers: ResponseHeaders): void {
  const exchange = exchanges.getStore();
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
