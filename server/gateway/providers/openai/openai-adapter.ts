import type { Dispatcher } from "undici";
import { readServerSentEventBatches } from "../../sse.ts";
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
import {
  type CallOptions,
  type ChatChunk,
  type ChatRequest,
  type ChatResponse,
  type EmbeddingRequest,
  type EmbeddingResponse,
  type FinishReason,
  providerChunkText,
  type ProviderAdapter,
  type Usage,
} from "../../spec.ts";
import { convertToOpenAIRequest } from "./convert-to-openai-request.ts";
import { mapOpenAIFinishReason } from "./map-openai-finish-reason.ts";
import {
  openAIChatChunkCheck,
  openAIChatResponseCheck,
  openAIEmbeddingResponseSchema,
  openAIErrorBodySchema,
} from "./openai-api.ts";
import { openAIHttpError, openAIInvalidResponseError, openAIPayloadError } from "./openai-error.ts";
import { newCompletionId } from "../../identifiers.ts";

export interface OpenAIAdapterOptions {
  /** Sent as `Authorization: Bearer <apiKey>`; no Authorization header when unset. */
  apiKey?: string;
  /** The API root that `/chat/completions` is appended to. */
  apiBase?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher); undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request (OpenAI-Organization, OpenAI-Project, a proxy's own). */
  headers?: Record<string, string>;
  /** How `finish_reason` values become the gateway's; OpenAI-compatible servers have their own. */
  mapFinishReason?: (finishReason: string | null | undefined) => FinishReason | null;
  /**
   * Where each operation is sent for a request's model; default `{apiBase}/chat/completions` and
   * `{apiBase}/embeddings`. Azure puts the deployment (the model) and api-version in the URL.
   */
  urlFor?: (operation: OpenAIOperation, model: string) => URL;
  /** Credentials besides `apiKey` (Azure's api-key header) to mask should the upstream echo them in an error. */
  secrets?: Array<string | undefined>;
  /** Adjusts the request body before it is sent (DeepSeek strips fields its API rejects). */
  prepareBody?: (body: Record<string, unknown>) => Record<string, unknown>;
  /**
   * Adjusts each answer and chunk after it is checked (DeepSeek's cache-hit usage fields). With it,
   * chunks carry no `providerChunkText`: the adjusted chunk is not what the text says.
   */
  completeAnswer?: (answer: ChatResponse | ChatChunk) => void;
}

/** The OpenAI API paths the adapter calls, relative to apiBase. */
export type OpenAIOperation = "chat/completions" | "embeddings";

/**
 * OpenAI's Chat Completions API at the wire level. Bodies pass through (see
 * convertToOpenAIRequest); answers are checked against minimal schemas and returned as sent,
 * finish reasons mapped. When `options.signal` aborts, the upstream request is closed and the
 * signal's reason is rethrown unchanged, so callers can tell cancellation from failure.
 * Reference: https://platform.openai.com/docs/api-reference/chat
 */
export function createOpenAIAdapter({
  apiKey,
  apiBase = "https://api.openai.com/v1",
  dispatcher,
  provider = "openai",
  headers = {},
  mapFinishReason = mapOpenAIFinishReason,
  urlFor,
  prepareBody = (body) => body,
  completeAnswer,
  secrets: extraSecrets = [],
}: OpenAIAdapterOptions = {}): ProviderAdapter {
  // Computed once unless the URL depends on the model.
  const root = apiBase.replace(/\/+$/, "");
  const fixedUrls = {
    "chat/completions": new URL(`${root}/chat/completions`),
    embeddings: new URL(`${root}/embeddings`),
  };
  const urlOf = (operation: OpenAIOperation, model: string) =>
    urlFor ? urlFor(operation, model) : fixedUrls[operation];
  const requestHeaders = {
    "content-type": "application/json",
    ...headers,
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
  const secrets = [apiKey, ...extraSecrets];

  function send(
    request: ChatRequest,
    signal: AbortSignal,
    stream: boolean,
  ): Promise<UpstreamResponse> {
    const headers = {
      ...requestHeaders,
      accept: stream ? "text/event-stream" : "application/json",
    };
    return postUpstream({
      provider,
      url: urlOf("chat/completions", request.model),
      headers,
      body: JSON.stringify(prepareBody(convertToOpenAIRequest(request, { stream }))),
      signal,
      dispatcher,
    });
  }

  function failure(error: unknown, signal: AbortSignal): unknown {
    return asUpstreamFailure(error, signal, provider);
  }

  function rejectUnlessSuccessful(response: UpstreamResponse): Promise<void> {
    return rejectStatus(response, ({ status, headers, bodyText }) =>
      openAIHttpError({ provider, status, headers, bodyText, secrets }),
    );
  }

  const reading: UpstreamJsonReading = {
    provider,
    format: "OpenAI's",
    reportedError: (json) => {
      const reported = openAIErrorBodySchema.safeParse(json);
      return reported.success ? openAIPayloadError(provider, reported.data, secrets) : undefined;
    },
  };
  const parseAnswer = <Answer>(text: string, schema: AnswerSchema, what: string) =>
    readUpstreamJson<Answer>(text, schema, what, reading);
  const wrongShape = (json: unknown, text: string, what: string) =>
    unexpectedAnswer(json, text, what, reading);

  async function chat(request: ChatRequest, { signal }: CallOptions): Promise<ChatResponse> {
    const response = await send(request, signal, false);
    try {
      await rejectUnlessSuccessful(response);
      const answer = parseAnswer<ChatResponse>(
        await response.body.text(),
        openAIChatResponseCheck,
        "the response",
      );
      for (const choice of answer.choices)
        choice.finish_reason = mapFinishReason(choice.finish_reason);
      completeUsage(answer.usage);
      completeIdentity(answer, request, newCompletionId);
      completeAnswer?.(answer);
      return answer;
    } catch (error) {
      throw failure(error, signal);
    } finally {
      response.body.destroy();
    }
  }

  async function* chatStream(
    request: ChatRequest,
    { signal }: CallOptions,
  ): AsyncGenerator<ChatChunk> {
    const response = await send(request, signal, true);
    let sawDone = false;
    let eventCount = 0;
    let streamId: string | undefined;
    // One id for every chunk that lacks one, made the first time one does.
    const streamFallbackId = () => (streamId ??= newCompletionId());
    try {
      await rejectUnlessSuccessful(response);
      const contentType = contentTypeOf(response);
      if (contentType && !contentType.includes("text/event-stream")) {
        const text = await response.body.text();
        throw wrongShape(parseJsonOrText(text), text, `the stream (content-type ${contentType})`);
      }
      // The body outlives this iterator on purpose: after [DONE] it is drained, not destroyed (see finally).
      reading: for await (const events of readServerSentEventBatches(
        response.body.iterator({ destroyOnReturn: false }),
      )) {
        for (const event of events) {
          eventCount += 1;
          if (event.data === "[DONE]") {
            sawDone = true;
            break reading;
          }
          const chunk = parseAnswer<ChatChunk>(event.data, openAIChatChunkCheck, "a stream event");
          // Whether the event's text still says all the chunk holds once it is completed.
          let asSent = completeAnswer === undefined;
          for (const choice of chunk.choices) {
            const finishReason = mapFinishReason(choice.finish_reason);
            if (finishReason !== choice.finish_reason || choice.delta == null) asSent = false;
            choice.finish_reason = finishReason;
            choice.delta ??= {};
          }
          if (completeUsage(chunk.usage)) asSent = false;
          if (completeIdentity(chunk, request, streamFallbackId)) asSent = false;
          completeAnswer?.(chunk);
          // Not enumerable: copies, spreads and deep comparisons of the chunk leave it out.
          if (asSent && !event.data.includes("\n"))
            Object.defineProperty(chunk, providerChunkText, {
              value: event.data,
              configurable: true,
            });
          yield chunk;
        }
      }
      if (eventCount === 0)
        throw openAIInvalidResponseError(provider, "the stream ended without sending any event");
    } catch (error) {
      throw failure(error, signal);
    } finally {
      // Reached on [DONE], on the body's end, on errors and when the consumer stops early.
      releaseBody(response.body, { drain: sawDone });
    }
  }

  /** Embeddings pass through like chat: the caller's body minus the gateway's metadata. */
  async function embed(
    request: EmbeddingRequest,
    { signal }: CallOptions,
  ): Promise<EmbeddingResponse> {
    const { metadata: _metadata, ...body } = request;
    const response = await postUpstream({
      provider,
      url: urlOf("embeddings", request.model),
      headers: { ...requestHeaders, accept: "application/json" },
      body: JSON.stringify(body),
      signal,
      dispatcher,
    });
    try {
      await rejectUnlessSuccessful(response);
      return parseAnswer<EmbeddingResponse>(
        await response.body.text(),
        openAIEmbeddingResponseSchema,
        "the embeddings response",
      );
    } catch (error) {
      throw failure(error, signal);
    } finally {
      response.body.destroy();
    }
  }

  return { provider, chat, chatStream, embed };
}

/**
 * Some OpenAI-compatible servers leave out `total_tokens`; the gateway's Usage always has it.
 * Returns whether it had to be filled in.
 */
function completeUsage(usage: Usage | null | undefined): boolean {
  if (!usage || typeof usage.total_tokens === "number") return false;
  usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  return true;
}

/**
 * Some OpenAI-compatible servers leave out `id`, `model` or `created`; the gateway's shapes
 * (and OpenAI SDKs) expect them, so fill them in from the request. Returns whether any was
 * missing.
 */
function completeIdentity(
  answer: ChatResponse | ChatChunk,
  request: ChatRequest,
  /** Called only when the provider sent no id (most do): a UUID per request is not free. */
  fallbackId: () => string,
): boolean {
  if (answer.id != null && answer.model != null && answer.created != null) return false;
  answer.id ??= fallbackId();
  answer.model ??= request.model;
  answer.created ??= Math.floor(Date.now() / 1000);
  return true;
}
