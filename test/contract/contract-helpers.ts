import type { Dispatcher } from "undici";
import type { ChatChunk, ChatRequest, FinishReason, ProviderAdapter } from "../../server/gateway/spec.ts";
import { readOpenAIFixtureText, type MockUpstream } from "../support/mock-openai-upstream.ts";

// What the contract suites share; the cases are split over files by concern (answers, failures, cancellation, wire).

/** How runProviderContract builds and checks one adapter. */
export interface ProviderContractOptions {
  /** The suite's title, e.g. "openai". */
  name: string;
  /** The provider name the adapter reports (and puts in its errors). */
  provider: string;
  /** An adapter pointed at the mock upstream, sending through the shared pool. */
  createAdapter(upstream: { baseUrl: string }, context: { dispatcher: Dispatcher }): ProviderAdapter;
  /** The Authorization header the upstream must receive; undefined means none at all. */
  expectedAuthorization: string | undefined;
  /** Raw upstream finish reasons and what the adapter must turn them into, besides OpenAI's own. */
  finishReasons?: Record<string, FinishReason>;
}

/** The plain request most cases send. */
export const hello: ChatRequest = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] };
/** The tool call the mock answers with in the tool cases. */
export const weatherCall = { id: "call_9", type: "function" as const, function: { name: "get_weather", arguments: '{"city":"Oslo","unit":"celsius"}' } };

/** A signal that never fires, for calls that are not about cancellation. */
export function idle(): { signal: AbortSignal } {
  return { signal: new AbortController().signal };
}

/** The UpstreamError (or whatever) a call rejects with; fails the test when it resolves. */
export async function failureOf(call: Promise<unknown> | (() => Promise<unknown>)): Promise<any> {
  try {
    await (typeof call === "function" ? call() : call);
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

/** Every chunk a stream yields, and the error it ended with (if any). */
export async function drain(stream: AsyncIterable<ChatChunk>): Promise<{ chunks: ChatChunk[]; error: any }> {
  const chunks: ChatChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

/** The text a stream's chunks spell out, joined. */
export function textOf(chunks: ChatChunk[]): string {
  return chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
}

/** The `data:` payloads of an SSE fixture, parsed, without [DONE]. */
export function fixturePayloads(name: string): unknown[] {
  return [...readOpenAIFixtureText(name).matchAll(/^data: (.*)$/gm)].map((match) => match[1]).filter((data) => data !== "[DONE]").map((data) => JSON.parse(data));
}

/** The suite's live upstream, pool and adapter (created in its beforeAll). */
export type ContractContext = () => { upstream: MockUpstream; adapter: ProviderAdapter; dispatcher: Dispatcher };

