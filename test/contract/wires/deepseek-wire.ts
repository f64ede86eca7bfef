import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { createDeepSeekAdapter } from "../../../server/gateway/providers/deepseek/deepseek-adapter.ts";
import { jsonReply, type ScriptedReply, sseReply } from "../../support/scripted-upstream.ts";
import type { ProviderWire, WireErrorKind, WireUsage } from "../provider-wire.ts";

/*
 * DeepSeek's wire format (OpenAI's Chat Completions with DeepSeek's own details), from
 * test/fixtures/deepseek/ (each names its source): ids are UUIDs, usage splits the prompt into
 * prompt_cache_hit_tokens + prompt_cache_miss_tokens (the API reference's shape, without
 * OpenAI's prompt_tokens_details), and a stream's last chunk carries the last text, the
 * finish_reason and the usage together — there is no separate usage chunk.
 */

export const deepSeekApiKey = "sk-test-deepseek-0123456789";
const model = "deepseek-chat";
const id = "930c60df-bf64-41c9-a88e-3ec75f81e00e";
const created = 1705651092;
const fingerprint = "fp_eaab8d114b_prod0820_fp8_kvcache";

/** A JSON fixture under test/fixtures/deepseek/ without its `_source` note. */
export function readDeepSeekFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(readDeepSeekFixtureText(name));
  return body;
}

/** A fixture under test/fixtures/deepseek/ as raw text. */
export function readDeepSeekFixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/deepseek/${name}`, import.meta.url), "utf8");
}

/** DeepSeek's usage: OpenAI's counts with the context-cache split; reasoning tokens only when there are some. */
export function deepSeekUsage({
  input,
  output,
  cached = 0,
  reasoning,
}: WireUsage): Record<string, unknown> {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    prompt_cache_hit_tokens: cached,
    prompt_cache_miss_tokens: input - cached,
    ...(reasoning === undefined
      ? {}
      : { completion_tokens_details: { reasoning_tokens: reasoning } }),
  };
}

interface DeepSeekAnswer {
  content: string[];
  toolCall?: { id: string; name: string; argumentPieces: string[] };
  finishReason: string;
  usage: Record<string, unknown>;
  stream: boolean;
}

export function deepSeekAnswer({
  content,
  toolCall,
  finishReason,
  usage,
  stream,
}: DeepSeekAnswer): ScriptedReply {
  if (!stream) {
    const toolCalls = toolCall
      ? [
          {
            index: 0,
            id: toolCall.id,
            type: "function",
            function: { name: toolCall.name, arguments: toolCall.argumentPieces.join("") },
          },
        ]
      : undefined;
    const message = {
      role: "assistant",
      content: content.join(""),
      ...(toolCalls ? { tool_calls: toolCalls } : {}),
    };
    return jsonReply(200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
      usage,
      system_fingerprint: fingerprint,
    });
  }
  const chunk = (
    delta: Record<string, unknown>,
    finish: string | null = null,
    chunkUsage: unknown = null,
  ) => ({
    data: {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: fingerprint,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: chunkUsage,
    },
  });
  const events = [chunk({ role: "assistant", content: "" })];
  // DeepSeek sends the last text piece in the closing chunk, beside the finish_reason and usage.
  const last = toolCall ? "" : (content.at(-1) ?? "");
  for (const piece of toolCall ? content : content.slice(0, -1))
    events.push(chunk({ content: piece }));
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
  events.push(chunk({ content: last }, finishReason, usage));
  return sseReply([...events, { data: "[DONE]" }]);
}

export function deepSeekError(kind: WireErrorKind): ScriptedReply {
  const body = (status: number, message: string, type: string) =>
    jsonReply(status, { error: { message, type, param: null, code: "invalid_request_error" } });
  switch (kind) {
    case "rate-limit":
      return body(429, "Rate Limit Reached", "rate_limit_error");
    case "overloaded":
      return body(503, "Server overloaded, please try again later.", "server_error");
    case "server":
      return body(500, "Internal Server Error", "server_error");
    case "context-length":
      return jsonReply(400, readDeepSeekFixture("error-context-length.json"));
    case "auth":
      return body(
        401,
        "Authentication Fails, Your api key: ****6789 is invalid",
        "authentication_error",
      );
    case "bad-request":
      return body(
        400,
        "Failed to deserialize the JSON body into the target type: messages[0]: missing field `role` at line 1 column 40",
        "invalid_request_error",
      );
  }
}

export const deepSeekWire: ProviderWire = {
  name: "deepseek",
  provider: "deepseek",
  model,
  createAdapter: ({ origin }, { dispatcher }) =>
    createDeepSeekAdapter({ apiKey: deepSeekApiKey, apiBase: origin, dispatcher }),
  text: ({ pieces, usage, finishReason = "stop", stream }) =>
    deepSeekAnswer({ content: pieces, finishReason, usage: deepSeekUsage(usage), stream }),
  toolCall: ({ id: callId, name, argumentPieces, usage, stream }) =>
    deepSeekAnswer({
      content: [],
      toolCall: { id: callId, name, argumentPieces },
      finishReason: "tool_calls",
      usage: deepSeekUsage(usage),
      stream,
    }),
  error: deepSeekError,
  midStreamError(pieces) {
    const answer = deepSeekAnswer({
      content: [...pieces, ""],
      finishReason: "stop",
      usage: deepSeekUsage({ input: 1, output: 1 }),
      stream: true,
    });
    const failure = {
      error: {
        message: "Internal Server Error",
        type: "server_error",
        param: null,
        code: "invalid_request_error",
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
    insufficient_system_resource: "length",
    something_new: "stop",
  },
  reports: { cachedTokens: true, cacheWriteTokens: false, reasoningTokens: true },
  rateLimitHasRetryAfter: false,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/chat/completions");
    expect(sent.headers.authorization).toBe(`Bearer ${deepSeekApiKey}`);
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body.stream ?? false).toBe(stream);
    if (stream) expect(sent.body.stream_options).toMatchObject({ include_usage: true });
  },
};
