import type { Dispatcher } from "undici";
import type { ProviderAdapter } from "../../spec.ts";
import { createOpenAIAdapter } from "../openai/openai-adapter.ts";
import { mapOpenAICompatibleFinishReason } from "./map-openai-compatible-finish-reason.ts";

export interface OpenAICompatibleAdapterOptions {
  /** The server's API root, e.g. `http://localhost:8000/v1` (vLLM), `https://openrouter.ai/api/v1`. */
  apiBase: string;
  /** Local servers usually need none; without it no Authorization header is sent. */
  apiKey?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher). */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request (OpenRouter's `HTTP-Referer`, a proxy's own). */
  headers?: Record<string, string>;
}

/**
 * Any server that speaks OpenAI's Chat Completions API — vLLM, LM Studio, llama.cpp, Ollama's
 * /v1, OpenRouter, Groq, Together… The wire format is OpenAI's, so this is openai's adapter
 * with a required `apiBase`, an optional key and a finish-reason mapping that knows the
 * values these servers send besides OpenAI's.
 */
export function createOpenAICompatibleAdapter({
  apiBase,
  apiKey,
  dispatcher,
  provider = "openai-compatible",
  headers,
}: OpenAICompatibleAdapterOptions): ProviderAdapter {
  if (!apiBase)
    throw new Error(`The ${provider} provider needs an apiBase (the server's /v1 URL).`);
  return createOpenAIAdapter({
    apiBase,
    apiKey,
    dispatcher,
    provider,
    headers,
    mapFinishReason: mapOpenAICompatibleFinishReason,
  });
}
