import { randomFillSync, randomUUID } from "node:crypto";

/*
 * Ids the gateway makes up when a provider sends none, in OpenAI's shapes, so callers (and the
 * OpenAI SDKs) can rely on them whatever the provider.
 */

/**
 * A request id, `req_` and 32 hex digits: the time in ms (12 digits), then 20 random ones. Time
 * first, so each new RequestLog row lands at the end of its primary-key index instead of on a
 * random page of it: with a random id, every insert of a batch read and rewrote a page of a
 * B-tree far larger than SQLite's cache (issue 16).
 */
export function newRequestId(): string {
  return `req_${Date.now().toString(16).padStart(12, "0")}${randomHex(10)}`;
}

/**
 * Random bytes drawn 4 KB at a time from the system's CSPRNG, as `randomUUID` does, but handed
 * out as hex in one call instead of formatted as a UUID and cut apart (one per request).
 */
const randomPool = Buffer.alloc(4096);
let randomPoolAt = randomPool.length;

function randomHex(bytes: number): string {
  if (randomPoolAt + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolAt = 0;
  }
  randomPoolAt += bytes;
  return randomPool.toString("hex", randomPoolAt - bytes, randomPoolAt);
}

/** A completion id, `chatcmpl-` and 32 hex digits. */
export function newCompletionId(): string {
  return `chatcmpl-${randomUUID().replaceAll("-", "")}`;
}

/** A tool-call id, `call_` and 24 hex digits (Gemini, Ollama and Bedrock answers may have none). */
export function newToolCallId(): string {
  return `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
}
