import { randomUUID } from "node:crypto";

/*
 * Ids the gateway makes up when a provider sends none, in OpenAI's shapes, so callers (and the
 * OpenAI SDKs) can rely on them whatever the provider.
 */

/** A completion id, `chatcmpl-` and 32 hex digits. */
export function newCompletionId(): string {
  return `chatcmpl-${randomUUID().replaceAll("-", "")}`;
}

/** A tool-call id, `call_` and 24 hex digits (Gemini, Ollama and Bedrock answers may have none). */
export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}
