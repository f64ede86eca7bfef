import type { Dispatcher } from "undici";
import type { ProviderAdapter } from "../spec.ts";
import { createAnthropicAdapter } from "./anthropic/anthropic-adapter.ts";
import { createAzureAdapter } from "./azure/azure-adapter.ts";
import { createBedrockAdapter } from "./bedrock/bedrock-adapter.ts";
import { createDemoAdapter } from "./demo/demo-adapter.ts";
import { createDeepSeekAdapter } from "./deepseek/deepseek-adapter.ts";
import { createGeminiAdapter } from "./gemini/gemini-adapter.ts";
import { createOllamaAdapter } from "./ollama/ollama-adapter.ts";
import { createOpenAICompatibleAdapter } from "./openai-compatible/openai-compatible-adapter.ts";
import { createOpenAIAdapter } from "./openai/openai-adapter.ts";
import { createSageMakerAdapter } from "./sagemaker/sagemaker-adapter.ts";
import { createVertexAdapter } from "./vertex/vertex-adapter.ts";

/** A model entry's provider settings (the config's `models[]` entry, or the CLI's one-model proxy). */
export interface ProviderSettings {
  provider: string;
  apiKey?: string;
  apiBase?: string;
  /** azure: the api-version; anthropic: the anthropic-version header. */
  apiVersion?: string;
  /** azure: a Microsoft Entra ID bearer token instead of apiKey. */
  azureAdToken?: string;
  /** bedrock, sagemaker: region and credentials (config.ts defaults them from AWS_*). */
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** vertex: project, location and the service-account JSON path. */
  project?: string;
  location?: string;
  credentials?: string;
}

/** What every adapter shares: the upstream keep-alive pool. */
export interface ProviderContext {
  dispatcher: Dispatcher;
}

type ProviderFactory = (settings: ProviderSettings, context: ProviderContext) => ProviderAdapter;

/** One line per provider: a new provider is its folder plus one line here (DESIGN §1). */
const providerFactories: Record<string, ProviderFactory> = {
  openai: ({ apiKey, apiBase }, { dispatcher }) =>
    createOpenAIAdapter({ apiKey, apiBase, dispatcher }),
  azure: ({ apiKey, apiBase, apiVersion, azureAdToken }, { dispatcher }) =>
    createAzureAdapter({ apiKey, apiBase: apiBase ?? "", apiVersion, azureAdToken, dispatcher }),
  anthropic: ({ apiKey, apiBase, apiVersion }, { dispatcher }) =>
    createAnthropicAdapter({ apiKey, apiBase, apiVersion, dispatcher }),
  bedrock: ({ apiBase, region, accessKeyId, secretAccessKey, sessionToken }, { dispatcher }) =>
    createBedrockAdapter({
      apiBase,
      region,
      accessKeyId,
      secretAccessKey,
      sessionToken,
      dispatcher,
    }),
  sagemaker: ({ apiBase, region, accessKeyId, secretAccessKey, sessionToken }, { dispatcher }) =>
    createSageMakerAdapter({
      apiBase,
      region,
      accessKeyId,
      secretAccessKey,
      sessionToken,
      dispatcher,
    }),
  vertex: ({ apiKey, apiBase, project, location, credentials }, { dispatcher }) =>
    createVertexAdapter({
      apiKey,
      apiBase,
      project: project ?? "",
      location,
      credentials,
      dispatcher,
    }),
  gemini: ({ apiKey, apiBase }, { dispatcher }) =>
    createGeminiAdapter({ apiKey, apiBase, dispatcher }),
  deepseek: ({ apiKey, apiBase }, { dispatcher }) =>
    createDeepSeekAdapter({ apiKey, apiBase, dispatcher }),
  ollama: ({ apiKey, apiBase }, { dispatcher }) =>
    createOllamaAdapter({ apiKey, apiBase, dispatcher }),
  "openai-compatible": ({ apiKey, apiBase }, { dispatcher }) =>
    createOpenAICompatibleAdapter({ apiKey, apiBase: apiBase ?? "", dispatcher }),
  demo: () => createDemoAdapter(),
};

/** The adapter for one model entry. Throws naming the provider when there is no adapter for it. */
export function createProviderAdapter(
  settings: ProviderSettings,
  { dispatcher }: ProviderContext,
): ProviderAdapter {
  const factory = Object.hasOwn(providerFactories, settings.provider)
    ? providerFactories[settings.provider]
    : undefined;
  if (!factory) {
    throw new Error(
      `There is no adapter for the provider '${settings.provider}' (available: ${Object.keys(providerFactories).join(", ")}).`,
    );
  }
  return factory(settings, { dispatcher });
}
