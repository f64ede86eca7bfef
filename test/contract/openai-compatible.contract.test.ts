import { createOpenAICompatibleAdapter } from "../../server/gateway/providers/openai-compatible/openai-compatible-adapter.ts";
import { runProviderContract } from "./provider-contract.ts";

// A local server (vLLM, LM Studio, llama.cpp) usually runs without a key: no Authorization header.
runProviderContract({
  name: "openai-compatible",
  provider: "openai-compatible",
  createAdapter: (upstream, { dispatcher }) => createOpenAICompatibleAdapter({ apiBase: upstream.baseUrl, dispatcher }),
  expectedAuthorization: undefined,
  finishReasons: { eos: "stop", eos_token: "stop", end_turn: "stop", max_tokens: "length", model_length: "length", tool_use: "tool_calls" },
});

// With a key (OpenRouter, Groq, Together) it is sent as a bearer token, and a trailing slash on apiBase is harmless.
runProviderContract({
  name: "openai-compatible with an API key",
  provider: "openai-compatible",
  createAdapter: (upstream, { dispatcher }) => createOpenAICompatibleAdapter({ apiBase: `${upstream.baseUrl}/`, apiKey: "gsk-test-compatible-key", dispatcher }),
  expectedAuthorization: "Bearer gsk-test-compatible-key",
});
