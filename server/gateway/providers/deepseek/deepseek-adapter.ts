import type { Dispatcher } from "undici";
import type {
  CallOptions,
  ChatChunk,
  ChatRequest,
  ChatResponse,
  ProviderAdapter,
} from "../../spec.ts";
import { createOpenAIAdapter } from "../openai/openai-adapter.ts";
import { convertToDeepSeekRequest } from "./convert-to-deepseek-request.ts";
import { deepSeekUsageSchema } from "./deepseek-api.ts";
import { answerFromJsonTool, normaliseDeepSeekStream } from "./deepseek-stream.ts";
import { mapDeepSeekFinishReason } from "./map-deepseek-finish-reason.ts";

export interface DeepSeekAdapterOptions {
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** The API root that `/chat/completions` is appended to; default `https://api.deepseek.com` (`https://api.deepseek.com/beta` for DeepSeek's beta features, strict tools among them). */
  apiBase?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher). */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/**
 * DeepSeek's Chat Completions API, which is OpenAI's wire format: openai's adapter (so
 * cancellation, body release, schemas and error normalisation are OpenAI's) with DeepSeek's
 * request rules (convertToDeepSeekRequest, applied before anything is sent), its finish
 * reasons, its cache-hit counter as OpenAI's cached_tokens, the json_schema tool answer as
 * content, and its closing stream chunk split into the gateway's order. `reasoning_content` on
 * answers and deltas passes through untouched. DeepSeek serves no embeddings, so there is no
 * `embed`.
 * Reference: https://api-docs.deepseek.com/api/create-chat-completion
 */
export function createDeepSeekAdapter({
  apiKey,
  apiBase = "https://api.deepseek.com",
  dispatcher,
  provider = "deepseek",
  headers,
}: DeepSeekAdapterOptions = {}): ProviderAdapter {
  const upstream = createOpenAIAdapter({
    apiKey,
    apiBase,
    dispatcher,
    provider,
    headers,
    mapFinishReason: mapDeepSeekFinishReason,
    completeAnswer: completeCachedTokens,
  });
  // Strict function calling is served on DeepSeek's beta endpoint only.
  const conversion = { strictTools: /\/beta\/*$/.test(apiBase) };

  async function chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse> {
    const { request: body, structuredOutput } = convertToDeepSeekRequest(request, conversion);
    const response = await upstream.chat(body, options);
    return structuredOutput ? answerFromJsonTool(response) : response;
  }

  async function* chatStream(
    request: ChatRequest,
    options: CallOptions,
  ): AsyncGenerator<ChatChunk> {
    const { request: body, structuredOutput } = convertToDeepSeekRequest(request, conversion);
    yield* normaliseDeepSeekStream(upstream.chatStream(body, options), { structuredOutput });
  }

  return { provider, chat, chatStream };
}

/**
 * DeepSeek counts context-cache hits as `prompt_cache_hit_tokens` (part of prompt_tokens);
 * OpenAI's name for them is `prompt_tokens_details.cached_tokens`. Older answers only have the
 * former, so it is copied over; DeepSeek's own fields stay as sent.
 * Reference: https://api-docs.deepseek.com/guides/kv_cache
 */
function completeCachedTokens(answer: ChatResponse | ChatChunk): void {
  if (!answer.usage) return;
  const usage = deepSeekUsageSchema.safeParse(answer.usage);
  if (
    !usage.success ||
    typeof usage.data.prompt_cache_hit_tokens !== "number" ||
    typeof usage.data.prompt_tokens_details?.cached_tokens === "number"
  )
    return;
  answer.usage!.prompt_tokens_details = {
    ...answer.usage!.prompt_tokens_details,
    cached_tokens: usage.data.prompt_cache_hit_tokens,
  };
}
