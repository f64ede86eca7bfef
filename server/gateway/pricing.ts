import { calcPrice, type ModelPrice as PackageModelPrice } from "@pydantic/genai-prices";
import { nanoUsdFromNumber } from "./money.ts";

/** What one model costs, in exact integer nano-USD per million tokens. */
export interface ModelPrice {
  inputNanoUsdPerMillion: bigint;
  /** Prompt tokens served from the provider's cache; equals the input price when the provider has no cache discount. */
  cachedInputNanoUsdPerMillion: bigint;
  /** Prompt tokens written to the provider's cache (Anthropic, Bedrock charge extra); equals the input price when the data has none. */
  cacheWriteNanoUsdPerMillion: bigint;
  outputNanoUsdPerMillion: bigint;
  contextWindow?: number;
  /** `config`: the model entry's `pricing` override; `genai-prices`: the bundled price data. */
  source: "config" | "genai-prices";
}

/** A model entry's `pricing` from the config: USD per million tokens. */
export interface PriceOverride {
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion?: number;
  cacheWritePerMillion?: number;
}

/** Token counts of one request. `cachedTokens` (cache reads) and `cacheWriteTokens` are part of `promptTokens` (OpenAI's semantics). */
export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens?: number;
}

/**
 * Our provider names → @pydantic/genai-prices provider ids. A provider missing here (such as
 * `openai-compatible`, which can front any model) is left to the package's model-name matching.
 */
const genaiPricesProviderIds: Record<string, string> = {
  openai: "openai",
  azure: "azure",
  anthropic: "anthropic",
  bedrock: "aws",
  deepseek: "deepseek",
  gemini: "google",
  vertex: "google",
};

export interface PricingOptions {
  /** The price data lookup; the bundled genai-prices snapshot unless a test injects its own. */
  lookup?: typeof calcPrice;
}

/**
 * Prices models from the config override or the bundled genai-prices data. Package lookups are
 * cached per (provider, model): they match model names by pattern, which is too slow for the
 * hot path.
 */
export function createPricing({ lookup = calcPrice }: PricingOptions = {}) {
  const packagePrices = new Map<string, ModelPrice | undefined>();

  function packagePriceFor(provider: string, model: string): ModelPrice | undefined {
    const key = `${provider}\u0000${model}`;
    if (packagePrices.has(key)) return packagePrices.get(key);
    const price = lookUpPackagePrice(lookup, provider, model);
    packagePrices.set(key, price);
    return price;
  }

  /**
   * The price of `model` (the upstream model id) at `provider`: the override when the config
   * has one (the package still supplies the context window), else the package's data, else
   * undefined — the caller then logs a cost of 0.
   */
  function priceFor({
    provider,
    model,
    override,
  }: {
    provider: string;
    model: string;
    override?: PriceOverride;
  }): ModelPrice | undefined {
    const fromPackage = packagePriceFor(provider, model);
    if (!override) return fromPackage;
    const inputNanoUsdPerMillion = nanoUsdFromNumber(override.inputPerMillion);
    return {
      inputNanoUsdPerMillion,
      cachedInputNanoUsdPerMillion:
        override.cachedInputPerMillion === undefined
          ? inputNanoUsdPerMillion
          : nanoUsdFromNumber(override.cachedInputPerMillion),
      cacheWriteNanoUsdPerMillion:
        override.cacheWritePerMillion === undefined
          ? inputNanoUsdPerMillion
          : nanoUsdFromNumber(override.cacheWritePerMillion),
      outputNanoUsdPerMillion: nanoUsdFromNumber(override.outputPerMillion),
      contextWindow: fromPackage?.contextWindow,
      source: "config",
    };
  }

  return { priceFor };
}

export type Pricing = ReturnType<typeof createPricing>;

function lookUpPackagePrice(
  lookup: typeof calcPrice,
  provider: string,
  model: string,
): ModelPrice | undefined {
  const providerId = genaiPricesProviderIds[provider];
  let result: ReturnType<typeof calcPrice>;
  try {
    result = lookup({ input_tokens: 0, output_tokens: 0 }, model, providerId ? { providerId } : {});
  } catch {
    // The package throws on some inputs (e.g. an unknown provider id); unknown means unpriced.
    return undefined;
  }
  if (!result) return undefined;
  const input = perMillion(result.model_price.input_mtok);
  const output = perMillion(result.model_price.output_mtok);
  if (input === undefined || output === undefined) return undefined;
  return {
    inputNanoUsdPerMillion: input,
    cachedInputNanoUsdPerMillion: perMillion(result.model_price.cache_read_mtok) ?? input,
    cacheWriteNanoUsdPerMillion: perMillion(result.model_price.cache_write_mtok) ?? input,
    outputNanoUsdPerMillion: output,
    contextWindow: result.model.context_window,
    source: "genai-prices",
  };
}

/**
 * A package price (USD per million tokens) to nano-USD per million. Tiered prices (higher rates
 * past a prompt size, e.g. Gemini above 200k tokens) are priced at their base tier.
 */
function perMillion(value: PackageModelPrice[string]): bigint | undefined {
  if (typeof value === "number") return nanoUsdFromNumber(value);
  if (value && typeof value.base === "number") return nanoUsdFromNumber(value.base);
  return undefined;
}

/**
 * The cost of one request in nano-USD. Cache reads and writes are part of `promptTokens` and
 * billed at their own rates. Everything is multiplied out exactly in nano-USD-per-million × tokens and
 * divided by one million once at the end, rounding half-up.
 */
export function costNanoUsd(
  price: ModelPrice,
  { promptTokens, completionTokens, cachedTokens, cacheWriteTokens = 0 }: TokenCounts,
): bigint {
  const prompt = tokenCount(promptTokens);
  const cached = tokenCount(cachedTokens) > prompt ? prompt : tokenCount(cachedTokens);
  const written =
    tokenCount(cacheWriteTokens) > prompt - cached ? prompt - cached : tokenCount(cacheWriteTokens);
  const scaled =
    (prompt - cached - written) * price.inputNanoUsdPerMillion +
    cached * price.cachedInputNanoUsdPerMillion +
    written * price.cacheWriteNanoUsdPerMillion +
    tokenCount(completionTokens) * price.outputNanoUsdPerMillion;
  return (scaled + 500_000n) / 1_000_000n;
}

/** Providers report integers; estimates and odd servers might not, and BigInt() throws on fractions. */
function tokenCount(value: number): bigint {
  return Number.isFinite(value) && value > 0 ? BigInt(Math.round(value)) : 0n;
}
