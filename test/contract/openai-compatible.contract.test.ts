import { createOpenAICompatibleAdapter } from "../../server/gateway/providers/openai-compatible/openai-compatible-adapter.ts";
import { expect } from "vitest";
import { runChatContract } from "./chat-contract.ts";
import { runProviderContract } from "./provider-contract.ts";
import { openAIWire } from "./wires/openai-wire.ts";

// A local server (vLLM, LM Studio, llama.cpp) usually runs without a key: no Authorization header.
runProviderContract({
  name: "openai-compatible",
  provider: "openai-compatible",
  createAdapter: (upstream, { dispatcher }) =>
    createOpenAICompatibleAdapter({ apiBase: upstream.baseUrl, dispatcher }),
  expectedAuthorization: undefined,
  finishReasons: {
    eos: "stop",
    eos_token: "stop",
    end_turn: "stop",
    max_tokens: "length",
    model_length: "length",
    tool_use: "tool_calls",
  },
});

// With a key (OpenRouter, Groq, Together) it is sent as a bearer token, and a trailing slash on apiBase is harmless.
runProviderContract({
  name: "openai-compatible with an API key",
  provider: "openai-compatible",
  createAdapter: (upstream, { dispatcher }) =>
    createOpenAICompatibleAdapter({
      apiBase: `${upstream.baseUrl}/`,
      apiKey: "gsk-test-compatible-key",
      dispatcher,
    }),
  expectedAuthorization: "Bearer gsk-test-compatible-key",
});

// The contract every provider runs, on OpenAI's wire format without a key (a local vLLM or llama.cpp).
runChatContract({
  ...openAIWire,
  name: "openai-compatible (shared chat contract)",
  provider: "openai-compatible",
  createAdapter: ({ origin }, { dispatcher }) =>
    createOpenAICompatibleAdapter({ apiBase: `${origin}/v1`, dispatcher }),
  finishReasons: {
    ...openAIWire.finishReasons,
    eos_token: "stop",
    model_length: "length",
    tool_use: "tool_calls",
  },
  expectChatRequest(sent, { stream }) {
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(sent.body.stream ?? false).toBe(stream);
  },
});
