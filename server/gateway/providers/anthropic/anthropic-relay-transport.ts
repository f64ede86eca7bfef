import type { Dispatcher } from "undici";
import type { ModelEntry } from "../../../config.ts";
import type { UpstreamError } from "../../errors.ts";
import { readServerSentEvents } from "../../sse.ts";
import { invalidResponseError, type HttpFailure } from "../../upstream-errors.ts";
import { z } from "zod";
import {
  type AnswerSchema,
  asUpstreamFailure,
  contentTypeOf,
  postUpstream,
  quotedExcerpt,
  readUpstreamJson,
  rejectUnlessSuccessful,
  type UpstreamResponse,
} from "../../upstream-http.ts";
import { anthropicHttpError } from "./anthropic-error.ts";

/** What the caller sent besides its body that must reach Claude unchanged. */
export interface ClaudeRelayRequest {
  /** The upstream model id (the deployment's). */
  model: string;
  /** The caller's body, as it came (its `model` is replaced or removed by the transport). */
  body: Record<string, unknown>;
  stream: boolean;
  /** The caller's `anthropic-beta` header (comma-separated betas). */
  beta?: string;
  /** The caller's `anthropic-version` header. */
  version?: string;
  /** The caller's `?beta=true`. */
  betaQuery?: boolean;
}

/**
 * One way of reaching Claude with a Messages API body: Anthropic's own API, Bedrock's
 * InvokeModel or Vertex AI's rawPredict. Each sends the body in its platform's envelope and
 * reads Anthropic's own events back, so the relay above them is one.
 */
export interface ClaudeRelayTransport {
  provider: string;
  /** Credentials to mask should an upstream echo them. */
  secrets: Array<string | undefined>;
  send(request: ClaudeRelayRequest, signal: AbortSignal): Promise<UpstreamResponse>;
  /** An error status's UpstreamError (the platform's error body). */
  httpError(failure: Omit<HttpFailure, "provider">): UpstreamError;
  /** Anthropic's stream events (parsed JSON) from a 2xx streaming body. */
  events(response: UpstreamResponse): AsyncIterable<unknown>;
  /** Counts the request's input tokens on the platform: resolves with Anthropic's `{ input_tokens }` answer. */
  countTokens?(request: ClaudeRelayRequest, signal: AbortSignal): Promise<Record<string, unknown>>;
}

/** Anthropic's stream: SSE whose `data:` is each event's JSON (shared by Vertex AI's streamRawPredict). */
export async function* anthropicServerSentEvents(
  response: UpstreamResponse,
  provider: string,
): AsyncGenerator<unknown> {
  const contentType = contentTypeOf(response);
  if (contentType && !contentType.includes("text/event-stream"))
    throw invalidResponseError(
      provider,
      `the stream is not server-sent events (content-type ${contentType}): ${quotedExcerpt(await response.body.text())}`,
    );
  // The body outlives this reader on purpose: a finished stream is drained by the relay, not destroyed.
  for await (const event of readServerSentEvents(
    response.body.iterator({ destroyOnReturn: false }),
  )) {
    try {
      yield JSON.parse(event.data);
    } catch {
      throw invalidResponseError(
        provider,
        `a stream event is not JSON: ${quotedExcerpt(event.data)}`,
      );
    }
  }
}

const tokenCountSchema = z.looseObject({ input_tokens: z.number() });

/**
 * A count_tokens answer (`{ input_tokens }`, kept whole: fields Anthropic adds pass), or the
 * platform's error; the body is released either way.
 */
export async function readTokenCount(
  response: UpstreamResponse,
  {
    provider,
    signal,
    httpError,
    schema = tokenCountSchema,
  }: {
    provider: string;
    signal: AbortSignal;
    httpError: ClaudeRelayTransport["httpError"];
    schema?: AnswerSchema;
  },
): Promise<Record<string, unknown>> {
  try {
    await rejectUnlessSuccessful(response, httpError);
    return readUpstreamJson(await response.body.text(), schema, "the token count", {
      provider,
      format: "Anthropic's",
    });
  } catch (error) {
    throw asUpstreamFailure(error, signal, provider);
  } finally {
    response.body.destroy();
  }
}

/**
 * Anthropic's own API: the caller's body with the deployment's model, to `{apiBase}/v1/messages`
 * (and `/v1/messages/count_tokens`), with the deployment's key and the caller's
 * `anthropic-version` (the entry's apiVersion, or 2023-06-01, when it sent none) and
 * `anthropic-beta` headers; `?beta=true` is kept.
 * Reference: https://docs.anthropic.com/en/api/messages
 */
export function createAnthropicRelayTransport(
  entry: Pick<ModelEntry, "apiKey" | "apiBase" | "apiVersion">,
  { dispatcher, provider = "anthropic" }: { dispatcher?: Dispatcher; provider?: string },
): ClaudeRelayTransport {
  const root = (entry.apiBase ?? "https://api.anthropic.com").replace(/\/+$/, "");
  const base = `${root}${/\/v1$/.test(root) ? "" : "/v1"}/messages`;
  const secrets = [entry.apiKey];

  function post(path: string, request: ClaudeRelayRequest, signal: AbortSignal) {
    const url = new URL(`${base}${path}${request.betaQuery ? "?beta=true" : ""}`);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: request.stream ? "text/event-stream" : "application/json",
      "anthropic-version": request.version ?? entry.apiVersion ?? "2023-06-01",
      ...(request.beta ? { "anthropic-beta": request.beta } : {}),
      ...(entry.apiKey ? { "x-api-key": entry.apiKey } : {}),
    };
    // Spreading keeps `model` where the caller put it: the rest of the bytes are the caller's.
    const body = JSON.stringify({ ...request.body, model: request.model });
    return postUpstream({ provider, url, headers, body, signal, dispatcher });
  }

  return {
    provider,
    secrets,
    send: (request, signal) => post("", request, signal),
    countTokens: async (request, signal) =>
      readTokenCount(await post("/count_tokens", request, signal), {
        provider,
        signal,
        httpError: (failure) => anthropicHttpError({ ...failure, provider, secrets }),
      }),
    httpError: (failure) => anthropicHttpError({ ...failure, provider, secrets }),
    events: (response) => anthropicServerSentEvents(response, provider),
  };
}
