import type { Dispatcher } from "undici";
import type { ProviderAdapter } from "../spec.ts";
import { createAnthropicAdapter } from "./anthropic/anthropic-adapter.ts";
import { createOllamaAdapter } from "./ollama/ollama-adapter.ts";
import { createOpenAICompatibleAdapter } from "./openai-compatible/openai-compatible-adapter.ts";
import { createOpenAIAdapter } from "./openai/openai-adapter.ts";

/** A model entry's provider settings (the config's `models[]` entry, or the CLI's one-model proxy). */
export interface ProviderSettings {
  provider: string;
  apiKey?: string;
  apiBase?: string;
  /** Provider-specific fields: apiVersion, region, project, … */
  [field: string]: unknown;
}

/** What every adapter shares: the upstream keep-alive pool. */
export interface ProviderContext {
  dispatcher: Dispatcher;
}

type ProviderFactory = (settings: ProviderSettings, context: ProviderContext) => ProviderAdapter;

/** One line per provider: a new provider is its folder plus one line here (DESIGN §1). */
const providerFactories: Record<string, ProviderFactory> = {
  openai: ({ apiKey, apiBase }, { dispatcher }) => createOpenAIAdapter({ apiKey, apiBase, dispatcher }),
  anthropic: ({ apiKey, apiBase, apiVersion }, { dispatcher }) => createAnthropicAdapter({ apiKey, apiBase, apiVersion: typeof apiVersion === "string" ? apiVersion : undefined, dispatcher }),
  "openai-compatible": ({ apiKey, apiBase }, { dispatcher }) => createOpenAICompatibleAdapter({ apiKey, apiBase: apiBase ?? "", dispatcher }),
  ollama: ({ apiKey, apiBase }, { dispatcher }) => createOllamaAdapter({ apiKey, apiBase, dispatcher }),
};

/** The provider names an adapter exists for (the config accepts more; startup rejects the rest). */
export const implementedProviders: string[] = Object.keys(providerFactories);

/** The adapter for one model entry. Throws naming the provider when it is not implemented yet. */
export function createProviderAdapter(settings: ProviderSettings, { dispatcher }: ProviderContext): ProviderAdapter {
  const factory = Object.hasOwn(providerFactories, settings.provider) ? providerFactories[settings.provider] : undefined;
  if (!factory) {
    throw new Error(`The provider '${settings.provider}' is not implemented yet (available: ${implementedProviders.join(", ")}).`);
  }
  return factory(settings, { dispatcher });
}
