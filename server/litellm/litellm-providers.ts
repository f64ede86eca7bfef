import type { ProviderName } from "../config.ts";

/*
 * LiteLLM's `provider/model` strings (https://docs.litellm.ai/docs/providers) as Switchboard's
 * providers. LiteLLM reads a provider's key (and for some its endpoint) from the environment
 * when the entry gives none; the translation writes those variables as `${NAME}` references.
 */

interface PrefixRule {
  provider: ProviderName;
  /** The variable LiteLLM reads the key from when `api_key` is not given. */
  keyVariable?: string;
  /** The endpoint LiteLLM uses when `api_base` is not given: a URL or a `${NAME}` reference. */
  apiBase?: string;
  /** Where Switchboard's provider behaves differently from LiteLLM's route, said on the mapped note. */
  caveat?: string;
}

const openAICompatibleHosts: Record<string, [apiBase: string, keyVariable: string]> = {
  openrouter: ["https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"],
  groq: ["https://api.groq.com/openai/v1", "GROQ_API_KEY"],
  together_ai: ["https://api.together.xyz/v1", "TOGETHERAI_API_KEY"],
  fireworks_ai: ["https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"],
  mistral: ["https://api.mistral.ai/v1", "MISTRAL_API_KEY"],
  xai: ["https://api.x.ai/v1", "XAI_API_KEY"],
  perplexity: ["https://api.perplexity.ai", "PERPLEXITYAI_API_KEY"],
  deepinfra: ["https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"],
};

const prefixRules: Record<string, PrefixRule> = {
  openai: { provider: "openai", keyVariable: "OPENAI_API_KEY" },
  azure: { provider: "azure", keyVariable: "AZURE_API_KEY", apiBase: "${AZURE_API_BASE}" },
  anthropic: { provider: "anthropic", keyVariable: "ANTHROPIC_API_KEY" },
  bedrock: { provider: "bedrock" },
  sagemaker: {
    provider: "sagemaker",
    caveat:
      "Switchboard sends the endpoint OpenAI's chat format (TGI's Messages API, LMI, vLLM), as LiteLLM's sagemaker_chat/ does, not TGI's /generate body",
  },
  sagemaker_chat: { provider: "sagemaker" },
  vertex_ai: { provider: "vertex" },
  vertex_ai_beta: { provider: "vertex" },
  gemini: { provider: "gemini", keyVariable: "GEMINI_API_KEY" },
  deepseek: { provider: "deepseek", keyVariable: "DEEPSEEK_API_KEY" },
  ollama: {
    provider: "ollama",
    caveat: "Switchboard calls Ollama's /api/chat (LiteLLM's ollama_chat/)",
  },
  ollama_chat: { provider: "ollama" },
  hosted_vllm: { provider: "openai-compatible", apiBase: "${HOSTED_VLLM_API_BASE}" },
  lm_studio: { provider: "openai-compatible", apiBase: "${LM_STUDIO_API_BASE}" },
  litellm_proxy: { provider: "openai-compatible", apiBase: "${LITELLM_PROXY_API_BASE}" },
  ...Object.fromEntries(
    Object.entries(openAICompatibleHosts).map(([prefix, [apiBase, keyVariable]]) => [
      prefix,
      { provider: "openai-compatible", apiBase, keyVariable } satisfies PrefixRule,
    ]),
  ),
};

/** Routes to APIs Switchboard does not speak (it serves chat completions and embeddings). */
const textCompletionPrefixes = new Set(["text-completion-openai", "text-completion-codestral"]);

/** The prefixes a LiteLLM model string may start with here, for problem messages. */
export const knownLiteLLMPrefixes = Object.keys(prefixRules);

/** Where a LiteLLM model string sends requests, in Switchboard's terms. */
export interface ModelTarget extends Omit<PrefixRule, "provider"> {
  provider: ProviderName;
  /** The LiteLLM provider prefix (`vertex_ai`), as a wildcard entry's name needs it. */
  prefix: string;
  /** The upstream model id; `*` for a wildcard (`openai/*`). */
  model: string;
}

/**
 * Resolves `litellm_params.model` (with `custom_llm_provider`, LiteLLM's other way of naming the
 * provider) to a Switchboard provider and upstream model, or says why it cannot.
 */
export function resolveLiteLLMModel(
  model: string,
  { customProvider, apiBase }: { customProvider?: string; apiBase?: unknown },
): ModelTarget | { problem: string } {
  const separator = model.indexOf("/");
  const [prefix, rest] = customProvider
    ? [customProvider, model.startsWith(`${customProvider}/`) ? model.slice(separator + 1) : model]
    : separator > 0
      ? [model.slice(0, separator), model.slice(separator + 1)]
      : [inferredPrefix(model), model];
  if (!prefix)
    return {
      problem: `no provider prefix in "${model}", and LiteLLM's inference is not repeated here beyond gpt-*/o*-series (openai) and claude-* (anthropic): write it as <provider>/${model} (${knownLiteLLMPrefixes.slice(0, 10).join("/, ")}/, ...)`,
    };
  if (textCompletionPrefixes.has(prefix))
    return {
      problem: `"${prefix}/" calls the legacy text completions API; Switchboard serves chat completions (use openai/${rest} for a chat model)`,
    };
  const rule = prefixRules[prefix];
  if (!rule)
    return {
      problem: `unknown provider prefix "${prefix}": Switchboard maps ${knownLiteLLMPrefixes.map((known) => `${known}/`).join(", ")}`,
    };
  if (prefix === "openai" && apiBase !== undefined && !isOpenAIEndpoint(apiBase))
    return {
      provider: "openai-compatible",
      prefix,
      model: rest,
      caveat: "openai/ with an api_base is an OpenAI-compatible server",
    };
  if (rule.provider === "bedrock") return bedrockTarget(prefix, rest);
  if (rule.provider === "vertex" && (/^claude|\//.test(rest) || /^\d+$/.test(rest)))
    return {
      problem: `Switchboard's vertex provider calls Google's own models (Gemini, text embeddings); "${rest}" (a partner, Model Garden or custom endpoint model) is not supported`,
    };
  return { ...rule, prefix, model: rest };
}

/** LiteLLM's bedrock/converse/ and bedrock/invoke/ routes name the Bedrock API before the model id. */
function bedrockTarget(prefix: string, rest: string): ModelTarget {
  const [, route, model] = /^(converse|invoke)\/(.+)$/.exec(rest) ?? [undefined, undefined, rest];
  return {
    provider: "bedrock",
    prefix,
    model,
    caveat:
      route === "invoke" ? "Switchboard calls Bedrock's Converse API, not InvokeModel" : undefined,
  };
}

/** The obvious cases of LiteLLM's inference from a bare model name. */
function inferredPrefix(model: string): string | undefined {
  if (/^(gpt-|chatgpt-|o\d|text-embedding-|ft:gpt)/.test(model)) return "openai";
  if (/^claude-/.test(model)) return "anthropic";
  return undefined;
}

/** True when `apiBase` is OpenAI's own API (then `openai/` stays the openai provider). */
function isOpenAIEndpoint(apiBase: unknown): boolean {
  try {
    return typeof apiBase === "string" && new URL(apiBase).hostname === "api.openai.com";
  } catch {
    return false;
  }
}
