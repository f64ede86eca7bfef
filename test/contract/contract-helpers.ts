import type { Dispatcher } from "undici";
import type {
  ChatChunk,
  ChatRequest,
  FinishReason,
  ProviderAdapter,
} from "../../server/gateway/spec.ts";
import { readOpenAIFixtureText, type MockUpstream } from "../support/mock-openai-upstream.ts";

// What the contract suites share; the cases are split over files by concern (answers, failures, cancellation, wire).

/** How runProviderContract builds and checks one adapter. */
export interface ProviderContractOptions {
  /** The suite's title, e.g. "openai". */
  name: string;
  /** The provider name the adapter reports (and puts in its errors). */
  provider: string;
  /** An adapter pointed at the mock upstream, sending through the shared pool. */
  createAdapter(
    upstream: { baseUrl: string },
    context: { dispatcher: Dispatcher },
  ): ProviderAdapter;
  /** The Authorization header the upstream must receive; undefined means none at all. */
  expectedAuthorization: string | undefined;
  /** Raw upstream finish reasons and what the adapter must turn them into, besides OpenAI's own. */
  finishReasons?: Record<string, FinishReason>;
}

/** The plain request most cases send. */
export const hello: ChatRequest = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Say hello" }],
};
/** The tool call the mock answers with in the tool cases. */
export const weatherCall = {
  id: "call_9",
  type: "function" as const,
  function: { name: "get_weather", arguments: '{"city":"Oslo","unit":"celsius"}' },
};

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
export async function drain(
  stream: AsyncIterable<ChatChunk>,
): Promise<{ chunks: ChatChunk[]; error: any }> {
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
  return [...readOpenAIFixtureText(name).matchAll(/^data: (.*)$/gm)]
    .map((match) => match[1])
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data));
}

/** The suite's live upstream, pool and adapter (created in its beforeAll). */
export type ContractContext = () => {
  upstream: MockUpstream;
  adapter: ProviderAdapter;
  dispatcher: Dispatcher;
};

/**
 * A request that uses every translated feature at once: developer message, text + image parts,
 * an assistant tool call and its result, tools, tool_choice, parallel_tool_calls,
 * response_format json_schema, sampling fields, stop, seed, user, an unknown field (logit_bias)
 * and the gateway's metadata. Each provider's contract snapshots what it sends upstream for it.
 */
export const richRequest: ChatRequest = {
  model: "gpt-4o-mini",
  messages: [
    { role: "developer", content: "Answer in JSON." },
    {
      role: "user",
      content: [
        { type: "text", text: "What is the weather where this photo was taken?" },
        {
          type: "image_url",
          image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" },
        },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        {
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: "sunny, 21°C" },
  ],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city",
        parameters: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
        },
        strict: true,
      },
    },
  ],
  tool_choice: "auto",
  parallel_tool_calls: false,
  response_format: {
    type: "json_schema",
    json_schema: {
      name: "answer",
      schema: { type: "object", properties: { summary: { type: "string" } } },
    },
  },
  temperature: 0.2,
  top_p: 0.9,
  max_completion_tokens: 200,
  stop: ["END"],
  seed: 7,
  user: "user-1",
  logit_bias: { "50256": -100 },
  metadata: { team: "search", trace: "abc123" },
};
