import { expect } from "vitest";
import { createOpenAIAdapter } from "../../../server/gateway/providers/openai/openai-adapter.ts";
import { readOpenAIFixture } from "../../support/mock-openai-upstream.ts";
import {
  jsonReply,
  type RecordedRequest,
  type ScriptedReply,
  sseReply,
} from "../../support/scripted-upstream.ts";
import {
  type ProviderWire,
  type WireErrorKind,
  type WireUsage,
  wireVector,
} from "../provider-wire.ts";

/*
 * OpenAI's Chat Completions wire format, built from the documented examples in
 * test/fixtures/openai/ (each names its source): the JSON answer, the SSE stream with a role
 * chunk, content chunks, a finish chunk and — under include_usage — a usage chunk with empty
 * choices, then `data: [DONE]`. Azure's and DeepSeek's kits build on these functions.
 */

const created = 1741570283;
const template = readOpenAIFixture("chat-completion.json");

/** OpenAI's `usage` object for the suite's token counts. */
export function openAIUsage({
  input,
  output,
  cached = 0,
  reasoning = 0,
}: WireUsage): Record<string, unknown> {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

interface OpenAIAnswer {
  model: string;
  content: string[] | null;
  toolCall?: { id: string; name: string; argumentPieces: string[] };
  finishReason: string;
  usage: Record<string, unknown>;
  stream: boolean;
}

/** A chat.completion JSON answer or its SSE stream, in OpenAI's documented shapes. */
export function openAIAnswer({
  model,
  content,
  toolCall,
  finishReason,
  usage,
  stream,
}: OpenAIAnswer): ScriptedReply {
  const id = "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG";
  if (!stream) {
    const toolCalls = toolCall
      ? [
          {
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: toolCall.argumentPieces.join("") },
          },
        ]
      : undefined;
    const message = {
      role: "assistant",
      content: content ? content.join("") : null,
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
      refusal: null,
      annotations: [],
    };
    return jsonReply(200, {
      ...template,
      id,
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage,
    });
  }
  const base = {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: "fp_eb9dce56a8",
    service_tier: "default",
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    data: {
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
    },
  });
  const events = [chunk({ role: "assistant", content: content ? "" : null, refusal: null })];
  for (const piece of content ?? []) events.push(chunk({ content: piece }));
  if (toolCall) {
    events.push(
      chunk({
        tool_calls: [
          {
            index: 0,
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: "" },
          },
        ],
      }),
    );
    for (const piece of toolCall.argumentPieces)
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
  }
  events.push(chunk({}, finishReason));
  events.push({ data: { ...base, choices: [], usage } as never });
  return sseReply([...events, { data: "[DONE]" }]);
}

/** OpenAI's error bodies for each kind (fixtures where OpenAI documents one). */
export function openAIError(
  kind: WireErrorKind,
  { retryAfterSeconds }: { retryAfterSeconds?: number } = {},
): ScriptedReply {
  switch (kind) {
    case "rate-limit":
      return jsonReply(
        429,
        readOpenAIFixture("error-429.json"),
        retryAfterSeconds === undefined ? {} : { "retry-after": String(retryAfterSeconds) },
      );
    case "overloaded":
      return jsonReply(503, {
        error: {
          message: "The engine is currently overloaded, please try again later.",
          type: "server_error",
          param: null,
          code: null,
        },
      });
    case "server":
      return jsonReply(500, readOpenAIFixture("error-500.json"));
    case "context-length":
      return jsonReply(400, readOpenAIFixture("error-context-length.json"));
    case "auth":
      return jsonReply(401, readOpenAIFixture("error-401.json"));
    case "bad-request":
      return jsonReply(400, {
        error: {
          message: "Invalid value for 'temperature': must be between 0 and 2.",
          type: "invalid_request_error",
          param: "temperature",
          code: "invalid_value",
        },
      });
  }
}

/** An OpenAI embeddings answer: one vector per input of the recorded request. */
export function openAIEmbeddingsReply(sent: RecordedRequest): ScriptedReply {
  const inputs: unknown[] = Array.isArray(sent.body.input) ? sent.body.input : [sent.body.input];
  const tokens = inputs.length * 2;
  return jsonReply(200, {
    object: "list",
    data: inputs.map((_, index) => ({ object: "embedding", index, embedding: wireVector(index) })),
    model: sent.body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

export const openAIWire: ProviderWire = {
  name: "openai (shared chat contract)",
  provider: "openai",
  model: "gpt-4o-mini",
  createAdapter: ({ origin }, { dispatcher }) =>
    createOpenAIAdapter({
      apiKey: "sk-test-openai-0123456789",
      apiBase: `${origin}/v1`,
      dispatcher,
    }),
  text: ({ pieces, usage, finishReason = "stop", stream }) =>
    openAIAnswer({
      model: "gpt-4o-mini-2024-07-18",
      content: pieces,
      finishReason,
      usage: openAIUsage(usage),
      stream,
    }),
  toolCall: ({ id, name, argumentPieces, usage, stream }) =>
    openAIAnswer({
      model: "gpt-4o-mini-2024-07-18",
      content: null,
      toolCall: { id, name, argumentPieces },
      finishReason: "tool_calls",
      usage: openAIUsage(usage),
      stream,
    }),
  error: openAIError,
  midStreamError(pieces) {
    const answer = openAIAnswer({
      model: "gpt-4o-mini",
      content: pieces,
      finishReason: "stop",
      usage: openAIUsage({ input: 1, output: 1 }),
      stream: true,
    });
    const failure = {
      error: {
        message: "The server had an error while processing your request.",
        type: "server_error",
        param: null,
        code: null,
      },
    };
    return {
      ...answer,
      frames: [
        ...answer.frames!.slice(0, 1 + pieces.length),
        `data: ${JSON.stringify(failure)}\n\n`,
      ],
    };
  },
  finishReasons: {
    stop: "stop",
    length: "length",
    tool_calls: "tool_calls",
    content_filter: "content_filter",
    something_new: "stop",
  },
  reports: { cachedTokens: true, cacheWriteTokens: false, reasoningTokens: true },
  rateLimitHasRetryAfter: true,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer sk-test-openai-0123456789");
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body.stream ?? false).toBe(stream);
    if (stream) expect(sent.body.stream_options).toMatchObject({ include_usage: true });
  },
  embeddings: {
    model: "text-embedding-3-small",
    reply: openAIEmbeddingsReply,
    promptTokens: (inputs) => inputs.length * 2,
  },
};
