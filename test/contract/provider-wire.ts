import type { Dispatcher } from "undici";
import type { FinishReason, ProviderAdapter } from "../../server/gateway/spec.ts";
import type { RecordedRequest, ScriptedReply } from "../support/scripted-upstream.ts";

/*
 * A provider's wire kit: how its real API answers, for the shared chat contract
 * (chat-contract.ts). The suite asks for answers in words ("this text, this usage, streamed");
 * the kit produces the provider's bytes (its JSON, SSE events, NDJSON lines or AWS event-stream
 * frames) from the shapes in the provider's documentation (test/fixtures/<provider>/ say where
 * each shape comes from). The suite then checks the adapter hands back OpenAI's shapes.
 */

/**
 * Token counts in OpenAI's terms: `input` is every prompt token, cached ones included
 * (OpenAI's prompt_tokens); `cached` are read from the prompt cache, `cacheWrite` written to it;
 * `reasoning` are part of `output`. A kit converts to its provider's own accounting (Anthropic's
 * input_tokens, for example, leaves cache reads and writes out).
 */
export interface WireUsage {
  input: number;
  output: number;
  cached?: number;
  cacheWrite?: number;
  reasoning?: number;
}

export interface WireText {
  /** The answer's text in the pieces a stream sends it in (one stream event per piece); a JSON answer joins them. */
  pieces: string[];
  usage: WireUsage;
  /** The provider's own finish/stop reason value; the kit's normal "end of turn" when unset. */
  finishReason?: string;
  stream: boolean;
}

export interface WireToolCall {
  /** The provider's call id (Gemini has none: the kit ignores it and the adapter must invent one). */
  id: string;
  name: string;
  /** The JSON arguments in the pieces a stream sends them in. */
  argumentPieces: string[];
  usage: WireUsage;
  stream: boolean;
}

/** Error answers every provider has, in its own status codes and bodies. */
export type WireErrorKind =
  /** Throttled: 429 (or the provider's equivalent) with a retry-after of `retryAfterSeconds` when the provider sends one. */
  | "rate-limit"
  /** The provider is overloaded (Anthropic's 529, Bedrock's 503 ServiceUnavailable, Gemini's 503 UNAVAILABLE). */
  | "overloaded"
  /** An internal error (500). */
  | "server"
  /** The prompt does not fit the model: the provider's real status and message for that. */
  | "context-length"
  /** Bad or missing credentials (401/403). */
  | "auth"
  /** Any other invalid request (400). */
  | "bad-request";

export interface ProviderWire {
  /** The suite title, e.g. "anthropic". */
  name: string;
  /** The provider name the adapter reports and puts in its errors. */
  provider: string;
  /** The model id requests use (the upstream model for this provider). */
  model: string;
  /** An adapter pointed at the scripted upstream (`origin` has no path), sending through the given pool. */
  createAdapter(upstream: { origin: string }, context: { dispatcher: Dispatcher }): ProviderAdapter;

  text(answer: WireText): ScriptedReply;
  toolCall(answer: WireToolCall): ScriptedReply;
  error(kind: WireErrorKind, options?: { retryAfterSeconds?: number }): ScriptedReply;
  /**
   * A stream that starts normally, sends `pieces`, then reports an error inside the 200 body
   * (Anthropic's `event: error`, Bedrock's exception frame, OpenAI's `data: {"error":…}`).
   * Undefined when the provider has no such thing.
   */
  midStreamError?(pieces: string[]): ScriptedReply;

  /** The provider's raw finish/stop reasons and what each must become; the suite checks them JSON and streamed. */
  finishReasons: Record<string, FinishReason>;
  /** Whether the provider reports these usage details at all (the suite checks them only when it does). */
  reports: { cachedTokens: boolean; cacheWriteTokens: boolean; reasoningTokens: boolean };
  /** Whether the rate-limit error carries a retry-after the adapter must read. */
  rateLimitHasRetryAfter: boolean;

  /** Checks one recorded chat request: method, path (stream or not), auth and version headers, content type. */
  expectChatRequest(sent: RecordedRequest, options: { stream: boolean }): void;

  /** Embeddings, for providers that serve them. */
  embeddings?: {
    model: string;
    /** Answers a recorded embeddings request with one vector per input, vector i being [i + 0.5, i + 0.25, -(i + 0.125)]. */
    reply(sent: RecordedRequest): ScriptedReply;
    /**
     * Input tokens the reply reports for the whole request of `inputs` (summed over calls when the
     * provider takes one input per call); undefined when the provider reports none, and the
     * adapter must then leave `usage` out (the gateway estimates it).
     */
    promptTokens(inputs: string[]): number | undefined;
  };
}

/** The vector the kits answer with for the input at `index` (so order mix-ups show). */
export function wireVector(index: number): number[] {
  return [index + 0.5, index + 0.25, -(index + 0.125)];
}
