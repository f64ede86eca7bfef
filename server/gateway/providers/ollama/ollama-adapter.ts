import type { Dispatcher } from "undici";
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
import {
  convertToOllamaEmbedRequest,
  convertToOllamaRequest,
} from "./convert-to-ollama-request.ts";
import {
  ollamaChatResponseSchema,
  ollamaEmbedResponseSchema,
  type OllamaChatResponse,
  type OllamaEmbedResponse,
} from "./ollama-api.ts";
import {
  asOllamaErrorBody,
  ollamaHttpError,
  ollamaInvalidResponseError,
  ollamaPayloadError,
} from "./ollama-error.ts";
import { createOllamaStreamTranslator, readNdjsonLines, toChatResponse } from "./ollama-stream.ts";

export interface OllamaAdapterOptions {
  /**
   * The server's root, without `/api`: a local `ollama serve` (default) or `https://ollama.com`
   * for direct cloud inference. A trailing `/api` is tolerated and a bare `host:port` (as
   * OLLAMA_HOST is often written) gets `http://`.
   */
  apiBase?: string;
  /** Sent as `Authorization: Bearer <apiKey>` (ollama.com); a local server needs none, and then no header is sent. */
  apiKey?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher); undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request (a reverse proxy's own auth, for example). */
  headers?: Record<string, string>;
}

/**
 * Ollama's native API (`/api/chat`, `/api/embed`) at the wire level — not its OpenAI-compatible
 * `/v1` (use the openai-compatible provider for that). Requests are translated by
 * convertToOllamaRequest; answers (JSON, or NDJSON streams read line by line) become OpenAI's
 * shapes. When `options.signal` aborts, the upstream request is closed and the signal's reason
 * is rethrown unchanged.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md
 */
export function createOllamaAdapter({
  apiBase = "http://127.0.0.1:11434",
  apiKey,
  dispatcher,
  provider = "ollama",
  headers = {},
}: OllamaAdapterOptions = {}): ProviderAdapter {
  const root = normalizeApiBase(apiBase);
  const chatUrl = new URL(`${root}/api/chat`);
  const embedUrl = new URL(`${root}/api/embed`);
  const requestHeaders = {
    "content-type": "application/json",
    ...headers,
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
  };
  const secrets = [apiKey];

  function post(
    url: URL,
    body: unknown,
    signal: AbortSignal,
    accept: string,
  ): Promise<UpstreamResponse> {
    return postUpstream({
      provider,
      url,
      headers: { ...requestHeaders, accept },
      body: JSON.stringify(body),
      signal,
      dispatcher,
    });
  }

  function rejectUnlessSuccessful(response: UpstreamResponse): Promise<void> {
    return rejectStatus(response, ({ status, headers, bodyText }) =>
      ollamaHttpError({ provider, status, headers, bodyText, secrets }),
    );
  }

  const reading: UpstreamJsonReading = {
    provider,
    format: "Ollama's",
    reportedError: (json) => {
      const reported = asOllamaErrorBody(json);
      return reported ? ollamaPayloadError(provider, reported, secrets) : undefined;
    },
  };
  const parseAnswer = <Answer>(text: string, schema: AnswerSchema, what: string) =>
    readUpstreamJson<Answer>(text, schema, what, reading);
  const wrongShape = (json: unknown, text: string, what: string) =>
    unexpectedAnswer(json, text, what, reading);

  async function chat(request: ChatRequest, { signal }: CallOptions): Promise<ChatResponse> {
    const response = await post(
      chatUrl,
      convertToOllamaRequest(request, { stream: false }),
      signal,
      "application/json",
    );
    try {
      await rejectUnlessSuccessful(response);
      const answer = parseAnswer<OllamaChatResponse>(
        await response.body.text(),
        ollamaChatResponseSchema,
        "the response",
      );
      return toChatResponse(answer, request.model);
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
    const response = await post(
      chatUrl,
      convertToOllamaRequest(request, { stream: true }),
      signal,
      "application/x-ndjson",
    );
    let sawDone = false;
    let lineCount = 0;
    try {
      await rejectUnlessSuccessful(response);
      const contentType = contentTypeOf(response);
      // A JSON body (one line) is read like the stream; HTML from a proxy and the like is not Ollama's.
      if (contentType && !contentType.includes("ndjson") && !contentType.includes("json")) {
        const text = await response.body.text();
        throw wrongShape(parseJsonOrText(text), text, `the stream (content-type ${contentType})`);
      }
      const translator = createOllamaStreamTranslator(request.model);
      // The body outlives this iterator on purpose: after the done line it is drained, not destroyed (see finally).
      for await (const line of readNdjsonLines(response.body.iterator({ destroyOnReturn: false }), {
        provider,
      })) {
        lineCount += 1;
        const answer = parseAnswer<OllamaChatResponse>(
          line,
          ollamaChatResponseSchema,
          "a stream line",
        );
        for (const chunk of translator.chunksFor(answer)) {
          // Several chunks may come from one line; none is handed out once the caller gave up.
          signal.throwIfAborted();
          yield chunk;
        }
        if (answer.done) {
          sawDone = true;
          break;
        }
      }
      if (!sawDone)
        throw ollamaInvalidResponseError(
          provider,
          lineCount === 0
            ? "the stream ended without sending any line"
            : "the stream ended before its done line",
        );
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      // Reached on the done line, on errors and when the consumer stops early.
      releaseBody(response.body, { drain: sawDone });
    }
  }

  async function embed(
    request: EmbeddingRequest,
    { signal }: CallOptions,
  ): Promise<EmbeddingResponse> {
    const body = convertToOllamaEmbedRequest(request);
    const response = await post(embedUrl, body, signal, "application/json");
    try {
      await rejectUnlessSuccessful(response);
      const answer = parseAnswer<OllamaEmbedResponse>(
        await response.body.text(),
        ollamaEmbedResponseSchema,
        "the embeddings response",
      );
      const inputCount = Array.isArray(body.input) ? body.input.length : 1;
      if (answer.embeddings.length !== inputCount) {
        throw ollamaInvalidResponseError(
          provider,
          `the embeddings response has ${answer.embeddings.length} vectors for ${inputCount} inputs`,
        );
      }
      // Omitted (Go omitempty) when zero, like the chat counts.
      const promptTokens = answer.prompt_eval_count ?? 0;
      return {
        object: "list",
        data: answer.embeddings.map((embedding, index) => ({
          object: "embedding",
          index,
          embedding,
        })),
        model: answer.model || request.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      };
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      response.body.destroy();
    }
  }

  return { provider, chat, chatStream, embed };
}

/** `host:port` → `http://host:port`; trailing slashes and a trailing `/api` removed (the adapter adds `/api/...`). */
function normalizeApiBase(apiBase: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(apiBase) ? apiBase : `http://${apiBase}`;
  return withScheme.replace(/\/+$/, "").replace(/\/api$/, "");
}
