import type { Dispatcher } from "undici";
import { readServerSentEvents } from "../../sse.ts";
import type {
  CallOptions,
  ChatChunk,
  ChatRequest,
  ChatResponse,
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
  anthropicErrorBodySchema,
  anthropicMessageSchema,
  anthropicStreamEventSchema,
  type AnthropicMessage,
  type AnthropicStreamEvent,
} from "./anthropic-api.ts";
import { anthropicHttpError, anthropicPayloadError } from "./anthropic-error.ts";
import { toChatResponse } from "./anthropic-response.ts";
import { AnthropicStreamTranslator, assertMessagesStreamEnded } from "./anthropic-stream.ts";
import {
  convertToAnthropicRequest,
  defaultAnthropicMaxTokens,
} from "./convert-to-anthropic-request.ts";

export interface AnthropicAdapterOptions {
  /** Sent as `x-api-key`; no key header when unset (a proxy that adds its own). */
  apiKey?: string;
  /** The API root that `/v1/messages` is appended to (a root already ending in `/v1` gets `/messages`). */
  apiBase?: string;
  /** The `anthropic-version` header. */
  apiVersion?: string;
  /** `max_tokens` when the caller gives none (Anthropic requires it). */
  defaultMaxTokens?: number;
  /** The shared keep-alive pool (createUpstreamDispatcher); undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request (`anthropic-beta`, a proxy's own). */
  headers?: Record<string, string>;
}

/**
 * Anthropic's Messages API at the wire level: OpenAI requests are translated
 * (convertToAnthropicRequest), answers and stream events become OpenAI's shapes
 * (toChatResponse, AnthropicStreamTranslator), errors become UpstreamErrors. When
 * `options.signal` aborts, the upstream request is closed and the signal's reason is rethrown
 * unchanged, so callers can tell cancellation from failure.
 * Reference: https://docs.anthropic.com/en/api/messages
 */
export function createAnthropicAdapter({
  apiKey,
  apiBase = "https://api.anthropic.com",
  apiVersion = "2023-06-01",
  defaultMaxTokens = defaultAnthropicMaxTokens,
  dispatcher,
  provider = "anthropic",
  headers = {},
}: AnthropicAdapterOptions = {}): ProviderAdapter {
  const root = apiBase.replace(/\/+$/, "");
  const url = new URL(`${root}${/\/v1$/.test(root) ? "" : "/v1"}/messages`);
  const requestHeaders = {
    "content-type": "application/json",
    "anthropic-version": apiVersion,
    ...headers,
    ...(apiKey ? { "x-api-key": apiKey } : {}),
  };
  const secrets = [apiKey];

  /** Translates (rejections are thrown here, before anything is sent) and POSTs. */
  async function send(
    request: ChatRequest,
    signal: AbortSignal,
    stream: boolean,
  ): Promise<{ response: UpstreamResponse; jsonResponseToolName?: string }> {
    const { body, jsonResponseToolName } = convertToAnthropicRequest(request, {
      stream,
      defaultMaxTokens,
    });
    const headers = {
      ...requestHeaders,
      accept: stream ? "text/event-stream" : "application/json",
    };
    const response = await postUpstream({
      provider,
      url,
      headers,
      body: JSON.stringify(body),
      signal,
      dispatcher,
    });
    return { response, jsonResponseToolName };
  }

  function rejectUnlessSuccessful(response: UpstreamResponse): Promise<void> {
    return rejectStatus(response, ({ status, headers, bodyText }) =>
      anthropicHttpError({ provider, status, headers, bodyText, secrets }),
    );
  }

  const reading: UpstreamJsonReading = {
    provider,
    format: "Anthropic's",
    reportedError: (json) => {
      const reported = anthropicErrorBodySchema.safeParse(json);
      return reported.success ? anthropicPayloadError(provider, reported.data, secrets) : undefined;
    },
  };
  const parseAnswer = <Answer>(text: string, schema: AnswerSchema, what: string) =>
    readUpstreamJson<Answer>(text, schema, what, reading);
  const wrongShape = (json: unknown, text: string, what: string) =>
    unexpectedAnswer(json, text, what, reading);

  async function chat(request: ChatRequest, { signal }: CallOptions): Promise<ChatResponse> {
    const { response, jsonResponseToolName } = await send(request, signal, false);
    try {
      await rejectUnlessSuccessful(response);
      const message = parseAnswer<AnthropicMessage>(
        await response.body.text(),
        anthropicMessageSchema,
        "the response",
      );
      return toChatResponse(message, {
        request,
        jsonResponseToolName,
        created: Math.floor(Date.now() / 1000),
      });
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
    const { response, jsonResponseToolName } = await send(request, signal, true);
    const translator = new AnthropicStreamTranslator(request, jsonResponseToolName);
    let eventCount = 0;
    try {
      await rejectUnlessSuccessful(response);
      const contentType = contentTypeOf(response);
      if (contentType && !contentType.includes("text/event-stream")) {
        const text = await response.body.text();
        throw wrongShape(parseJsonOrText(text), text, `the stream (content-type ${contentType})`);
      }
      // The body outlives this iterator on purpose: after message_stop it is drained, not destroyed (see finally).
      for await (const event of readServerSentEvents(
        response.body.iterator({ destroyOnReturn: false }),
      )) {
        eventCount += 1;
        const parsed = parseAnswer<AnthropicStreamEvent | { type: string }>(
          event.data,
          streamEventSchema,
          "a stream event",
        );
        if (parsed.type === "error")
          throw anthropicPayloadError(
            provider,
            parsed as Extract<AnthropicStreamEvent, { type: "error" }>,
            secrets,
          );
        if (!isKnownEvent(parsed)) continue;
        yield* translator.translate(parsed);
        if (translator.finished) break;
      }
      assertMessagesStreamEnded(translator, eventCount, provider);
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      // Reached on message_stop, on the body's end, on errors and when the consumer stops early.
      releaseBody(response.body, { drain: translator.finished });
    }
  }

  return { provider, chat, chatStream };
}

/**
 * Anthropic may add event types (its versioning policy says to ignore unknown ones), so any
 * object with a string `type` is accepted here and only the known ones are checked in full.
 */
const streamEventSchema = {
  safeParse(value: unknown): { success: boolean; data?: unknown } {
    const type = (value as { type?: unknown } | null)?.type;
    if (typeof type !== "string") return { success: false };
    if (!knownEventTypes.has(type)) return { success: true, data: value };
    return anthropicStreamEventSchema.safeParse(value);
  },
};

const knownEventTypes = new Set([
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "ping",
  "error",
]);

function isKnownEvent(event: { type: string }): event is AnthropicStreamEvent {
  return knownEventTypes.has(event.type);
}
