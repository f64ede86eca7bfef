import { describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import {
  anthropicMessageFromChat,
  anthropicStopReason,
  anthropicUsageOf,
} from "../../server/gateway/inbound/anthropic/anthropic-message-from-chat.ts";
import {
  parseAnthropicCountTokensRequest,
  parseAnthropicMessagesRequest,
} from "../../server/gateway/inbound/anthropic/anthropic-messages-request.ts";
import {
  convertAnthropicRequest,
  reasoningEffortFor,
} from "../../server/gateway/inbound/anthropic/convert-anthropic-request.ts";
import { convertToAnthropicRequest } from "../../server/gateway/providers/anthropic/convert-to-anthropic-request.ts";
import { isClaudeDeployment } from "../../server/gateway/providers/anthropic/anthropic-messages-relay.ts";
import type { ChatResponse } from "../../server/gateway/spec.ts";
import { anthropicErrorOf } from "../../server/http/anthropic-errors.ts";

const png = "iVBORw0KGgo=";

describe("an Anthropic request as the gateway's ChatRequest", () => {
  it("converts system, every block kind, tools, tool_choice and the sampling fields", () => {
    const request = parseAnthropicMessagesRequest({
      model: "gpt-4o",
      max_tokens: 500,
      system: [
        { type: "text", text: "You are helpful.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Be brief." },
      ],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Look:" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
            { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
            {
              type: "document",
              source: { type: "base64", media_type: "application/pdf", data: "JVBER" },
            },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x" } },
            { type: "tool_use", id: "toolu_2", name: "lookup", input: { q: "y" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "found x" },
            {
              type: "tool_result",
              tool_use_id: "toolu_2",
              content: [{ type: "text", text: "no y" }],
              is_error: true,
            },
            { type: "text", text: "And now?" },
          ],
        },
      ],
      tools: [
        {
          name: "lookup",
          description: "Looks up",
          input_schema: { type: "object" },
          cache_control: { type: "ephemeral" },
        },
        { type: "web_search_20250305", name: "web_search", max_uses: 3 },
      ],
      tool_choice: { type: "tool", name: "lookup", disable_parallel_tool_use: true },
      stop_sequences: ["a", "b", "c", "d", "e"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      thinking: { type: "enabled", budget_tokens: 16000 },
      metadata: { user_id: "u-1" },
      stream: true,
    });
    expect(convertAnthropicRequest(request)).toEqual({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You are helpful.\n\nBe brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "Look:" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
            { type: "image_url", image_url: { url: "https://example.com/a.png" } },
            { type: "file", file: { file_data: "data:application/pdf;base64,JVBER" } },
          ],
        },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "toolu_1",
              type: "function",
              function: { name: "lookup", arguments: '{"q":"x"}' },
            },
            {
              id: "toolu_2",
              type: "function",
              function: { name: "lookup", arguments: '{"q":"y"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "toolu_1", content: "found x" },
        { role: "tool", tool_call_id: "toolu_2", content: "Error: no y" },
        { role: "user", content: "And now?" },
      ],
      max_tokens: 500,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop: ["a", "b", "c", "d"],
      tools: [
        {
          type: "function",
          function: { name: "lookup", description: "Looks up", parameters: { type: "object" } },
        },
      ],
      tool_choice: { type: "function", function: { name: "lookup" } },
      parallel_tool_calls: false,
      reasoning_effort: "high",
      user: "u-1",
      stream: true,
    });
  });

  it("a metadata.user_id longer than OpenAI's 256 characters goes as its SHA-256", () => {
    const userId = JSON.stringify({ device_id: "d".repeat(300), session_id: "s" });
    const chat = convertAnthropicRequest(
      parseAnthropicMessagesRequest({
        model: "m",
        max_tokens: 1,
        messages: [{ role: "user", content: "x" }],
        metadata: { user_id: userId },
      }),
    );
    expect(chat.user).toMatch(/^[0-9a-f]{64}$/);
  });

  it("maps tool_choice auto / any / none", () => {
    const base = {
      model: "m",
      max_tokens: 1,
      messages: [{ role: "user", content: "x" }],
      tools: [{ name: "t", input_schema: { type: "object" } }],
    };
    const choiceFor = (type: string) =>
      convertAnthropicRequest(parseAnthropicMessagesRequest({ ...base, tool_choice: { type } }))
        .tool_choice;
    expect(choiceFor("auto")).toBe("auto");
    expect(choiceFor("any")).toBe("required");
    expect(choiceFor("none")).toBe("none");
  });

  it("keeps Claude Code's mid-conversation system message in place and drops its attribution block", () => {
    const request = parseAnthropicMessagesRequest({
      model: "m",
      max_tokens: 10,
      system: [
        {
          type: "text",
          text: "x-anthropic-billing-header: cc_version=2.1.197; cc_entrypoint=cli;",
        },
        { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
      ],
      messages: [
        { role: "user", content: "Hi" },
        { role: "system", content: "Available agent types: …" },
      ],
      thinking: { type: "adaptive" },
      output_config: { effort: "high" },
    });
    const chat = convertAnthropicRequest(request);
    expect(chat.messages).toEqual([
      { role: "system", content: "You are Claude Code." },
      { role: "user", content: "Hi" },
      { role: "system", content: "Available agent types: …" },
    ]);
    expect(chat.reasoning_effort).toBe("high");
  });

  it("thinking budgets become reasoning_effort", () => {
    expect(reasoningEffortFor(undefined)).toBeUndefined();
    expect(reasoningEffortFor({ type: "disabled" })).toBeUndefined();
    expect(reasoningEffortFor({ type: "enabled", budget_tokens: 1024 })).toBe("low");
    expect(reasoningEffortFor({ type: "enabled", budget_tokens: 8192 })).toBe("medium");
    expect(reasoningEffortFor({ type: "enabled", budget_tokens: 8193 })).toBe("high");
    expect(reasoningEffortFor({ type: "adaptive" })).toBe("medium");
    expect(reasoningEffortFor({ type: "adaptive" }, "low")).toBe("low");
    expect(reasoningEffortFor({ type: "enabled", budget_tokens: 1024 }, "max")).toBe("high");
    expect(reasoningEffortFor(undefined, "high")).toBeUndefined();
  });

  it("a plain request survives the trip to ChatRequest and back to Anthropic's body unchanged", () => {
    const original = {
      model: "claude-sonnet-4-5",
      max_tokens: 300,
      system: "Be brief.",
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather?" }] },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_1", name: "weather", input: { city: "Paris" } }],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }],
        },
      ],
      tools: [{ name: "weather", description: "Weather", input_schema: { type: "object" } }],
      tool_choice: { type: "auto" },
      stop_sequences: ["END"],
      temperature: 0.3,
    };
    const chat = convertAnthropicRequest(parseAnthropicMessagesRequest(original));
    const { body } = convertToAnthropicRequest(chat, { stream: false });
    expect(body).toMatchObject({
      model: original.model,
      max_tokens: 300,
      system: "Be brief.",
      tools: original.tools,
      tool_choice: { type: "auto" },
      stop_sequences: ["END"],
      temperature: 0.3,
    });
    expect(body.messages).toEqual([
      { role: "user", content: "Weather?" },
      original.messages[1],
      {
        role: "user",
        content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }],
      },
    ]);
  });

  it("refuses a body without max_tokens or with an unknown role, naming the field", () => {
    expect(() =>
      parseAnthropicMessagesRequest({ model: "m", messages: [{ role: "user", content: "x" }] }),
    ).toThrow(
      new GatewayError("BAD_REQUEST", "max_tokens: Field required", { param: "max_tokens" }),
    );
    expect(() =>
      parseAnthropicMessagesRequest({
        model: "m",
        max_tokens: 1,
        messages: [{ role: "tool", content: "x" }],
      }),
    ).toThrow(/^messages\.0\.role: /);
    expect(parseAnthropicCountTokensRequest({ model: "m", messages: [] })).toEqual({
      model: "m",
      messages: [],
    });
  });
});

describe("the gateway's answer as Anthropic's message", () => {
  const response: ChatResponse = {
    id: "chatcmpl-123",
    object: "chat.completion",
    created: 1,
    model: "gpt-4o",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Let me check.",
          reasoning_content: "The user wants weather.",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "weather", arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        finish_reason: "tool_calls",
      },
    ],
    usage: {
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 10 },
    },
  };

  it("thinking, text and tool_use blocks, stop_reason and usage", () => {
    expect(anthropicMessageFromChat(response, "my-model")).toEqual({
      id: "msg_123",
      type: "message",
      role: "assistant",
      model: "my-model",
      content: [
        { type: "thinking", thinking: "The user wants weather.", signature: "" },
        { type: "text", text: "Let me check." },
        { type: "tool_use", id: "call_1", name: "weather", input: { city: "Oslo" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 30,
        output_tokens: 20,
        cache_creation_input_tokens: 10,
        cache_read_input_tokens: 60,
      },
    });
  });

  it("maps every finish reason; tool calls always mean tool_use", () => {
    expect(anthropicStopReason("stop", false)).toBe("end_turn");
    expect(anthropicStopReason("length", false)).toBe("max_tokens");
    expect(anthropicStopReason("tool_calls", false)).toBe("tool_use");
    expect(anthropicStopReason("content_filter", false)).toBe("refusal");
    expect(anthropicStopReason("stop", true)).toBe("tool_use");
    expect(anthropicStopReason(null, false)).toBe("end_turn");
  });

  it("usage without cache details, and none at all", () => {
    expect(anthropicUsageOf({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 })).toEqual({
      input_tokens: 9,
      output_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    expect(anthropicUsageOf(undefined)).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  it("arguments that are not a JSON object become an empty input", () => {
    const broken = structuredClone(response);
    broken.choices[0].message.tool_calls![0].function.arguments = '{"city":';
    expect(anthropicMessageFromChat(broken, "m").content.at(-1)).toMatchObject({ input: {} });
  });
});

describe("which deployments take the body as it came", () => {
  it("Anthropic, and Claude on Bedrock or Vertex AI", () => {
    expect(isClaudeDeployment({ provider: "anthropic", model: "anything" })).toBe(true);
    expect(
      isClaudeDeployment({
        provider: "bedrock",
        model: "anthropic.claude-3-5-haiku-20241022-v1:0",
      }),
    ).toBe(true);
    expect(
      isClaudeDeployment({
        provider: "bedrock",
        model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      }),
    ).toBe(true);
    expect(isClaudeDeployment({ provider: "bedrock", model: "amazon.nova-pro-v1:0" })).toBe(false);
    expect(isClaudeDeployment({ provider: "vertex", model: "claude-sonnet-4-5@20250929" })).toBe(
      true,
    );
    expect(isClaudeDeployment({ provider: "vertex", model: "gemini-2.5-pro" })).toBe(false);
    expect(isClaudeDeployment({ provider: "openai", model: "claude-via-proxy" })).toBe(false);
  });
});

describe("gateway failures in Anthropic's error shape", () => {
  const typeAndStatus = (error: unknown) => {
    const { status, body } = anthropicErrorOf(error);
    return [body.error.type, status];
  };

  it("maps each code to Anthropic's type and status", () => {
    expect(typeAndStatus(new GatewayError("BAD_REQUEST", "x"))).toEqual([
      "invalid_request_error",
      400,
    ]);
    expect(typeAndStatus(new GatewayError("BAD_REQUEST", "x", { status: 413 }))).toEqual([
      "request_too_large",
      413,
    ]);
    expect(typeAndStatus(new GatewayError("UNAUTHENTICATED", "x"))).toEqual([
      "authentication_error",
      401,
    ]);
    expect(typeAndStatus(new GatewayError("FORBIDDEN", "x"))).toEqual(["permission_error", 403]);
    expect(typeAndStatus(new GatewayError("MODEL_NOT_ALLOWED", "x"))).toEqual([
      "permission_error",
      403,
    ]);
    expect(typeAndStatus(new GatewayError("MODEL_NOT_FOUND", "x"))).toEqual([
      "not_found_error",
      404,
    ]);
    expect(typeAndStatus(new GatewayError("RATE_LIMITED", "x"))).toEqual(["rate_limit_error", 429]);
    expect(typeAndStatus(new GatewayError("BUDGET_EXCEEDED", "x"))).toEqual([
      "rate_limit_error",
      429,
    ]);
    expect(typeAndStatus(new Error("boom"))).toEqual(["api_error", 500]);
  });

  it("maps provider failures: Claude's own type, overload, timeout, others by status", () => {
    const upstream = (options: Partial<ConstructorParameters<typeof UpstreamError>[0]>) =>
      new UpstreamError({ provider: "p", kind: "http", message: "m", ...options });
    expect(
      typeAndStatus(upstream({ upstreamStatus: 529, upstreamCode: "overloaded_error" })),
    ).toEqual(["overloaded_error", 529]);
    expect(typeAndStatus(upstream({ upstreamStatus: 503 }))).toEqual(["overloaded_error", 529]);
    expect(
      typeAndStatus(upstream({ upstreamStatus: 400, upstreamCode: "invalid_request_error" })),
    ).toEqual(["invalid_request_error", 400]);
    expect(typeAndStatus(upstream({ upstreamStatus: 429 }))).toEqual(["rate_limit_error", 429]);
    expect(typeAndStatus(upstream({ upstreamStatus: 500 }))).toEqual(["api_error", 502]);
    expect(typeAndStatus(upstream({ kind: "timeout" }))).toEqual(["timeout_error", 504]);
    expect(typeAndStatus(upstream({ upstreamStatus: 400, isContextLengthExceeded: true }))).toEqual(
      ["invalid_request_error", 400],
    );
  });

  it("a budget refusal tells the SDK not to retry; a rate limit says when to", () => {
    expect(anthropicErrorOf(new GatewayError("BUDGET_EXCEEDED", "x")).headers).toEqual({
      "x-should-retry": "false",
    });
    expect(
      anthropicErrorOf(new GatewayError("RATE_LIMITED", "x", { retryAfterMs: 1500 })).headers,
    ).toEqual({ "retry-after": "2" });
  });
});
