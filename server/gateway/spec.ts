/**
 * The gateway's one request/response vocabulary: OpenAI's Chat Completions wire shape
 * (snake_case). REST passes bodies through as-is; GraphQL converts its camelCase input to it.
 * Fields the gateway does not know are kept (index signatures) so they reach the provider.
 * Reference: https://platform.openai.com/docs/api-reference/chat/create
 */

export type ChatRole = "system" | "user" | "assistant" | "tool" | "developer";

export interface TextContentPart {
  type: "text";
  text: string;
}
export interface ImageContentPart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}
export type ContentPart =
  TextContentPart | ImageContentPart | { type: string; [field: string]: unknown };

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: ChatRole;
  content?: string | ContentPart[] | null;
  name?: string;
  tool_call_id?: string;
  tool_calls?: ToolCall[];
  [field: string]: unknown;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  tools?: unknown[];
  tool_choice?: unknown;
  response_format?: unknown;
  seed?: number;
  user?: string;
  metadata?: Record<string, unknown>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [field: string]: unknown };
  [field: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /**
   * `cached_tokens`: prompt tokens read from the provider's cache (OpenAI's field).
   * `cache_write_tokens`: prompt tokens written to it (the gateway's field, for Anthropic's and
   * Bedrock's cache writes, which are billed differently). Both are part of `prompt_tokens`.
   */
  prompt_tokens_details?: {
    cached_tokens?: number;
    cache_write_tokens?: number;
    [field: string]: unknown;
  } | null;
  completion_tokens_details?: { reasoning_tokens?: number; [field: string]: unknown } | null;
  [field: string]: unknown;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface ChatResponse {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      tool_calls?: ToolCall[];
      refusal?: string | null;
      [field: string]: unknown;
    };
    finish_reason: FinishReason | null;
    logprobs?: unknown;
    [field: string]: unknown;
  }>;
  usage?: Usage;
  [field: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function?: { name?: string; arguments?: string };
}

/**
 * A chunk's own JSON text as the provider sent it, kept on the chunk when it says exactly what the
 * chunk holds (OpenAI's format, nothing filled in or mapped): a caller in the same format is sent
 * the text instead of a second serialisation (issue 16). Not enumerable, so spreads, clones and
 * JSON.stringify leave it out; whoever changes a chunk after its adapter must delete it (Azure's
 * folded prompt annotations).
 */
export const providerChunkText: unique symbol = Symbol("switchboard.providerChunkText");

export interface ChatChunk {
  [providerChunkText]?: string;
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      tool_calls?: ToolCallDelta[];
      [field: string]: unknown;
    };
    finish_reason: FinishReason | null;
    [field: string]: unknown;
  }>;
  usage?: Usage | null;
  [field: string]: unknown;
}

/** What every call into a provider carries besides the request itself. */
export interface CallOptions {
  /** Aborted when the caller goes away or a timeout fires; adapters must close the upstream request. */
  signal: AbortSignal;
}

/**
 * OpenAI's embeddings request. `input` is one string or a list of them (token-array inputs are
 * OpenAI-only and rejected by adapters that cannot send them).
 * Reference: https://platform.openai.com/docs/api-reference/embeddings/create
 */
export interface EmbeddingRequest {
  model: string;
  input: string | string[] | number[] | number[][];
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface EmbeddingResponse {
  object: "list";
  data: Array<{ object: "embedding"; index: number; embedding: number[] | string }>;
  model: string;
  /** Absent when the provider reports no token count (the Gemini API): the gateway estimates it and flags the log. */
  usage?: { prompt_tokens: number; total_tokens: number };
  [field: string]: unknown;
}

/** One provider's translation of the gateway's OpenAI-shaped calls into its own API. */
export interface ProviderAdapter {
  readonly provider: string;
  chat(request: ChatRequest, options: CallOptions): Promise<ChatResponse>;
  /** Yields chunks as the upstream sends them; the last chunk carries usage when the provider reports it. */
  chatStream(request: ChatRequest, options: CallOptions): AsyncIterable<ChatChunk>;
  /** Present on providers that serve embeddings; `input` always arrives as given by the caller. */
  embed?(request: EmbeddingRequest, options: CallOptions): Promise<EmbeddingResponse>;
}
