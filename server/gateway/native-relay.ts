import type { Deployment } from "./router.ts";
import type { CallOptions, ChatChunk, ChatResponse } from "./spec.ts";

/**
 * A request that reaches some deployments in the caller's own wire format instead of through
 * the gateway's OpenAI-shaped ChatRequest (issue 15): Anthropic's Messages API sent to a Claude
 * deployment, OpenAI's Responses API sent to OpenAI or Azure. The pipeline stays one: routing,
 * admission, retries, accounting and the log read the ChatResponse / ChatChunk a relay returns
 * (the provider's answer read as usual), while the edge sends the provider's own bytes, kept
 * under `nativeAnswer` / `nativeEvents`, so nothing the translation cannot carry is lost.
 */
export interface NativeRelay {
  /** Whether this deployment takes the caller's request as it came. */
  accepts(deployment: Deployment): boolean;
  chat(deployment: Deployment, options: CallOptions): Promise<ChatResponse>;
  chatStream(deployment: Deployment, options: CallOptions): AsyncIterable<ChatChunk>;
}

/** On a ChatResponse from a relay: the provider's own answer body, as it came. */
export const nativeAnswer = Symbol("switchboard.nativeAnswer");

/**
 * On a ChatChunk from a relay: the provider's own stream events the chunk was read from (in
 * order; a chunk with no choices may carry events that have no chat equivalent, e.g. `ping`).
 */
export const nativeEvents = Symbol("switchboard.nativeEvents");

/** A relayed answer: the ChatResponse the pipeline accounts with, and the provider's body. */
export type RelayedResponse = ChatResponse & { [nativeAnswer]?: unknown };

/** A relayed chunk: the ChatChunk the pipeline accounts with, and the provider's events. */
export type RelayedChunk = ChatChunk & { [nativeEvents]?: unknown[] };
