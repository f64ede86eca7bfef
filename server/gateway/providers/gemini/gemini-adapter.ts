import type { Dispatcher } from "undici";
import type { UpstreamError } from "../../errors.ts";
import { readServerSentEvents, type ServerSentEvent } from "../../sse.ts";
import type {
  CallOptions,
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  ProviderAdapter,
} from "../../spec.ts";
import {
  type AnswerSchema,
  asUpstreamFailure,
  contentTypeOf,
  parseJsonOrText,
  postUpstream,
  readUpstreamJson,
  rejectUnlessSuccessful as rejectStatus,
  releaseBody,
  unexpectedAnswer,
  type UpstreamJsonReading,
  type UpstreamResponse,
} from "../../upstream-http.ts";
import { convertToGeminiRequest } from "./convert-to-gemini-request.ts";
import {
  geminiResponseSchema,
  geminiStreamEventSchema,
  type GeminiResponse,
} from "./gemini-api.ts";
import {
  embeddingInputsOf,
  geminiEmbeddingsWire,
  type GoogleEmbeddingsWire,
} from "./gemini-embeddings.ts";
import {
  asGeminiErrorBody,
  geminiHttpError,
  geminiInvalidResponseError,
  geminiPayloadError,
} from "./gemini-error.ts";
import { convertGeminiResponse } from "./gemini-response.ts";
import { translateGeminiStream } from "./gemini-stream.ts";

/** How one request authenticates: its headers, and the secret in them to mask in error messages. */
export interface GoogleCredentials {
  headers: Record<string, string>;
  secret?: string;
}

export interface GeminiAdapterOptions {
  /** Sent as `x-goog-api-key`. */
  apiKey?: string;
  /** The API origin; `/v1beta` is appended unless it already ends in a version (`/v1`, `/v1beta`). */
  apiBase?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher); undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request (a proxy's own). */
  headers?: Record<string, string>;
  /** Where a model's operation (`generateContent`, `streamGenerateContent`, an embeddings operation) is sent; Vertex AI builds its own. */
  urlFor?: (model: string, operation: string) => URL;
  /** The credentials of one request; default the API key header. Vertex AI fetches an OAuth token here. */
  authenticate?: (signal: AbortSignal) => Promise<GoogleCredentials>;
  /** The embeddings API; default Gemini's batchEmbedContents. */
  embeddings?: GoogleEmbeddingsWire;
}

/**
 * The Gemini API (generateContent / streamGenerateContent?alt=sse / batchEmbedContents) at the
 * wire level: OpenAI requests converted by convertToGeminiRequest, answers checked against
 * minimal schemas and converted to OpenAI's shapes, errors to UpstreamError. When
 * `options.signal` aborts, the upstream request is closed and the signal's reason rethrown.
 * Vertex AI serves the same format under other URLs and OAuth: vertex-adapter.ts is this
 * adapter with its own `urlFor`, `authenticate` and `embeddings`.
 * Reference: https://ai.google.dev/api/generate-content
 */
export function createGeminiAdapter({
  apiKey,
  apiBase = "https://generativelanguage.googleapis.com",
  dispatcher,
  provider = "gemini",
  headers = {},
  urlFor = geminiUrlBuilder(apiBase),
  authenticate = async (): Promise<GoogleCredentials> => ({
    headers: apiKey ? { "x-goog-api-key": apiKey } : {},
    secret: apiKey,
  }),
  embeddings = geminiEmbeddingsWire,
}: GeminiAdapterOptions = {}): ProviderAdapter {
  async function post(
    url: URL,
    body: string,
    signal: AbortSignal,
    accept: string,
  ): Promise<{ response: UpstreamResponse; secrets: Array<string | undefined> }> {
    signal.throwIfAborted();
    const credentials = await authenticate(signal);
    const requestHeaders = {
      "content-type": "application/json",
      accept,
      ...headers,
      ...credentials.headers,
    };
    const response = await postUpstream({
      provider,
      url,
      headers: requestHeaders,
      body,
      signal,
      dispatcher,
    });
    return { response, secrets: [apiKey, credentials.secret] };
  }

  function send(request: ChatRequest, signal: AbortSignal, stream: boolean) {
    signal.throwIfAborted();
    // Converting first: a request Gemini cannot take is rejected before anything is sent.
    const body = JSON.stringify(convertToGeminiRequest(request, { model: request.model }));
    const url = urlFor(request.model, stream ? "streamGenerateContent" : "generateContent");
    if (stream) url.searchParams.set("alt", "sse");
    return post(url, body, signal, stream ? "text/event-stream" : "application/json");
  }

  function rejectUnlessSuccessful(
    response: UpstreamResponse,
    secrets: Array<string | undefined>,
  ): Promise<void> {
    return rejectStatus(response, ({ status, headers, bodyText }) =>
      geminiHttpError({ provider, status, headers, bodyText, secrets }),
    );
  }

  /** How Google's answers are read; `secrets` differ per request (a Vertex token refreshes). */
  function readingWith(secrets: Array<string | undefined>): UpstreamJsonReading {
    return {
      provider,
      format: "Gemini's",
      reportedError: (json) => {
        const reported = asGeminiErrorBody(json);
        return reported ? geminiPayloadError(provider, reported, secrets) : undefined;
      },
    };
  }

  function parseAnswer(
    text: string,
    what: string,
    secrets: Array<string | undefined>,
    schema: AnswerSchema = geminiResponseSchema,
  ): GeminiResponse {
    return readUpstreamJson<GeminiResponse>(text, schema, what, readingWith(secrets));
  }

  function wrongShape(
    json: unknown,
    text: string,
    what: string,
    secrets: Array<string | undefined>,
  ): UpstreamError {
    return unexpectedAnswer(json, text, what, readingWith(secrets));
  }

  async function chat(request: ChatRequest, { signal }: CallOptions): Promise<ChatResponse> {
    const { response, secrets } = await send(request, signal, false);
    try {
      await rejectUnlessSuccessful(response, secrets);
      return convertGeminiResponse(
        parseAnswer(await response.body.text(), "the response", secrets),
        request,
      );
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      response.body.destroy();
    }
  }

  async function* chatStream(
    request: ChatRequest,
    { signal }: CallOptions,
  ): AsyncGenerator<ChatChunk> {
    const { response, secrets } = await send(request, signal, true);
    let finished = false;
    try {
      await rejectUnlessSuccessful(response, secrets);
      const contentType = contentTypeOf(response);
      if (contentType && !contentType.includes("text/event-stream")) {
        const text = await response.body.text();
        throw wrongShape(
          parseJsonOrText(text),
          text,
          `the stream (content-type ${contentType})`,
          secrets,
        );
      }
      // The body outlives this iterator on purpose: once read to its end it is drained, not destroyed (see finally).
      const events = readServerSentEvents(response.body.iterator({ destroyOnReturn: false }));
      const responses = geminiResponsesOf(events, {
        provider,
        parse: (data) => parseAnswer(data, "a stream event", secrets, geminiStreamEventSchema),
        onEnd: () => {
          finished = true;
        },
      });
      // One Gemini event becomes several chunks: an abort between them must stop the rest too.
      for await (const chunk of translateGeminiStream(responses, request, { provider })) {
        signal.throwIfAborted();
        yield chunk;
      }
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      // Reached at the body's end, on errors and when the consumer stops early.
      releaseBody(response.body, { drain: finished });
    }
  }

  /** One call per batch of at most `maxInputsPerCall` inputs, vectors concatenated in input order. */
  async function embed(
    request: EmbeddingRequest,
    { signal }: CallOptions,
  ): Promise<EmbeddingResponse> {
    const inputs = embeddingInputsOf(request, provider);
    const batchSize = embeddings.maxInputsPerCall(request.model);
    const vectors: number[][] = [];
    // Undefined once any batch came back without a count: the gateway then estimates the whole request.
    let promptTokens: number | undefined = 0;
    for (let start = 0; start < inputs.length; start += batchSize) {
      const batch = inputs.slice(start, start + batchSize);
      const body = JSON.stringify(
        embeddings.body(batch, { model: request.model, dimensions: request.dimensions }),
      );
      const { response, secrets } = await post(
        urlFor(request.model, embeddings.operation),
        body,
        signal,
        "application/json",
      );
      try {
        await rejectUnlessSuccessful(response, secrets);
        const text = await response.body.text();
        const json = parseJsonOrText(text);
        const answer = embeddings.read(json, batch);
        if (!answer) throw wrongShape(json, text, "the embeddings response", secrets);
        vectors.push(...answer.vectors);
        promptTokens =
          promptTokens === undefined || answer.promptTokens === undefined
            ? undefined
            : promptTokens + answer.promptTokens;
      } catch (error) {
        throw asUpstreamFailure(error, signal, provider);
      } finally {
        response.body.destroy();
      }
    }
    return {
      object: "list",
      data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
      model: request.model,
      ...(promptTokens === undefined
        ? {}
        : { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }),
    };
  }

  return { provider, chat, chatStream, embed };
}

/**
 * A stream's events read as Gemini answers; `onEnd` runs once they were all read (not on an error
 * or an early stop). A stream with no event is an invalid response.
 * Declared once at module level on purpose: see RelayedChunks in completions/started-stream.ts.
 */
async function* geminiResponsesOf(
  events: AsyncIterable<ServerSentEvent>,
  {
    provider,
    parse,
    onEnd,
  }: { provider: string; parse: (data: string) => GeminiResponse; onEnd: () => void },
): AsyncGenerator<GeminiResponse> {
  let eventCount = 0;
  for await (const event of events) {
    eventCount += 1;
    yield parse(event.data);
  }
  if (eventCount === 0)
    throw geminiInvalidResponseError(provider, "the stream ended without sending any event");
  onEnd();
}

/**
 * Gemini's URLs: `{apiBase}/v1beta/models/{model}:{operation}`. A model given as
 * "models/gemini-…" is accepted; an apiBase that already ends in a version (`…/v1`) keeps it.
 */
export function geminiUrlBuilder(apiBase: string): (model: string, operation: string) => URL {
  const root = apiBase.replace(/\/+$/, "");
  const versioned = /\/v1(?:alpha|beta\d*)?$/.test(root) ? root : `${root}/v1beta`;
  return (model, operation) =>
    new URL(
      `${versioned}/models/${encodeURIComponent(model.replace(/^models\//, ""))}:${operation}`,
    );
}
