import {
  calcPrice,
  type ModelInfo,
  type ModelPrice as PackageModelPrice,
  type Provider,
} from "@pydantic/genai-prices";
import { LRUCache } from "lru-cache";
import { nanoUsdFromNumber } from "./money.ts";

/** The per-token rates of a price, each applying to its share of the prompt or to the output. */
export type RateName = "input" | "cachedInput" | "cacheWrite" | "output";

/** A higher rate for a long prompt: it applies to the whole request when the prompt has more than `aboveInputTokens` tokens. */
export interface PriceTier {
  aboveInputTokens: number;
  nanoUsdPerMillion: bigint;
}

/** What one model costs, in exact integer nano-USD per million tokens (the base tier). */
export interface ModelPrice {
  inputNanoUsdPerMillion: bigint;
  /** Prompt tokens served from the provider's cache; equals the input price when the provider has no cache discount. */
  cachedInputNanoUsdPerMillion: bigint;
  /** Prompt tokens written to the provider's cache (Anthropic, Bedrock charge extra); equals the input price when the data has none. */
  cacheWriteNanoUsdPerMillion: bigint;
  outputNanoUsdPerMillion: bigint;
  /** Long-context tiers per rate, ascending (Claude Sonnet 4.5 and Gemini 2.5 Pro above 200k prompt tokens). */
  tiers?: Partial<Record<RateName, readonly PriceTier[]>>;
  /** A fee per request, as the price data gives it: nano-USD per thousand requests (Perplexity's Sonar). */
  requestsNanoUsdPerThousand?: bigint;
  /** Prices that change with the time (DeepSeek's off-peak hours, a new price from a set date): the one in force at `time`. */
  at?: (time: Date) => ModelPrice;
  contextWindow?: number;
  /** `config`: the model entry's `pricing` override; `genai-prices`: the price data (bundled or a snapshot). */
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

/** (provider, model) pairs whose lookups are kept: model names can be chosen by callers (`openai/<anything>`). */
const maxCachedLookups = 1_000;

export interface PricingOptions {
  /** The price data lookup; the package's (bundled data, or a snapshot loaded at start) unless a test injects its own. */
  lookup?: typeof calcPrice;
}

/**
 * Prices models from the config override or the genai-prices data. Package lookups are cached
 * per (provider, model) in a bounded LRU: they match model names by pattern (~0.2 ms), too slow
 * for the hot path.
 */
export function createPricing({ lookup = calcPrice }: PricingOptions = {}) {
  const packagePrices = new LRUCache<string, { price: ModelPrice | undefined }>({
    max: maxCachedLookups,
  });

  function packagePriceFor(provider: string, model: string): ModelPrice | undefined {
    const key = `${provider}\u0000${model}`;
    let cached = packagePrices.get(key);
    if (!cached) {
      cached = { price: lookUpPackagePrice(lookup, provider, model) };
      packagePrices.set(key, cached);
    }
    return cached.price;
  }

  /**
   * The price of `model` (the upstream model id) at `provider`: the override when the config
   * has one (the package still supplies the context window), else the package's data, else
   * undefined (see admission.ts for what a budget does with an unpriced model).
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
  const price = fromPackagePrice(result.model_price, result.model.context_window);
  if (!price || !Array.isArray(result.model.prices)) return price;
  return { ...price, at: priceInForce(lookup, result.provider, result.model, model) };
}

/**
 * For a model with conditional prices: the package picks the one in force at a time (its own
 * rules for start dates and times of day), looking in a provider holding only this model so
 * no name matching across providers is repeated. Each distinct price is converted once.
 */
function priceInForce(
  lookup: typeof calcPrice,
  provider: Provider,
  modelInfo: ModelInfo,
  model: string,
): (time: Date) => ModelPrice {
  const onlyThisModel: Provider = { ...provider, models: [modelInfo] };
  const converted = new WeakMap<PackageModelPrice, ModelPrice | undefined>();
  return function at(time) {
    const result = lookup({ input_tokens: 0, output_tokens: 0 }, model, {
      provider: onlyThisModel,
      timestamp: time,
    });
    const prices = result?.model_price;
    if (!prices) throw new Error(`The price data lost model '${model}'.`);
    if (!converted.has(prices))
      converted.set(prices, fromPackagePrice(prices, modelInfo.context_window));
    const price = converted.get(prices);
    if (!price) throw new Error(`Model '${model}' has no token price at ${time.toISOString()}.`);
    return price;
  };
}

/** A package price (USD per million tokens, possibly tiered) in nano-USD; undefined when the data has no input or output price. */
function fromPackagePrice(
  prices: PackageModelPrice,
  contextWindow: number | undefined,
): ModelPrice | undefined {
  const input = rate(prices.input_mtok);
  const output = rate(prices.output_mtok);
  if (!input || !output) return undefined;
  // Without their own price, cache reads and writes are billed as input (the package's rule), tiers included.
  const cachedInput = rate(prices.cache_read_mtok) ?? input;
  const cacheWrite = rate(prices.cache_write_mtok) ?? input;
  const tiers: Partial<Record<RateName, readonly PriceTier[]>> = {};
  for (const [name, { tiers: list }] of Object.entries({ input, cachedInput, cacheWrite, output }))
    if (list.length > 0) tiers[name as RateName] = list;
  const requests = rate(prices.requests_kcount);
  return {
    inputNanoUsdPerMillion: input.base,
    cachedInputNanoUsdPerMillion: cachedInput.base,
    cacheWriteNanoUsdPerMillion: cacheWrite.base,
    outputNanoUsdPerMillion: output.base,
    ...(Object.keys(tiers).length > 0 ? { tiers } : {}),
    ...(requests ? { requestsNanoUsdPerThousand: requests.base } : {}),
    contextWindow,
    source: "genai-prices",
  };
}

function rate(
  value: PackageModelPrice[string],
): { base: bigint; tiers: readonly PriceTier[] } | undefined {
  if (typeof value === "number") return { base: nanoUsdFromNumber(value), tiers: [] };
  if (!value || typeof value.base !== "number") return undefined;
  return {
    base: nanoUsdFromNumber(value.base),
    tiers: [...value.tiers]
      .sort((first, second) => first.start - second.start)
      .map((tier) => ({
        aboveInputTokens: tier.start,
        nanoUsdPerMillion: nanoUsdFromNumber(tier.price),
      })),
  };
}

/**
 * The cost of one request in nano-USD, by the price data's rules (those of genai-prices'
 * `calcPrice`, checked against it in test/unit/pricing.test.ts): cache reads and writes are
 * part of `promptTokens` and billed at their own rates; a tier applies to the whole request
 * when the prompt is longer than its start; a per-request fee is added; a conditional price is
 * the one in force at `time`. Everything is multiplied out exactly in nano-USD-per-million ×
 * tokens and divided by one million once at the end, rounding half-up.
 */
export function costNanoUsd(
  price: ModelPrice,
  { promptTokens, completionTokens, cachedTokens, cacheWriteTokens = 0 }: TokenCounts,
  time?: Date,
): bigint {
  const active = price.at ? price.at(time ?? new Date()) : price;
  const prompt = tokenCount(promptTokens);
  const cached = tokenCount(cachedTokens) > prompt ? prompt : tokenCount(cachedTokens);
  const written =
    tokenCount(cacheWriteTokens) > prompt - cached ? prompt - cached : tokenCount(cacheWriteTokens);
  const rateOf = (name: RateName, base: bigint) => tierRate(active.tiers?.[name], base, prompt);
  const scaled =
    (prompt - cached - written) * rateOf("input", active.inputNanoUsdPerMillion) +
    cached * rateOf("cachedInput", active.cachedInputNanoUsdPerMillion) +
    written * rateOf("cacheWrite", active.cacheWriteNanoUsdPerMillion) +
    tokenCount(completionTokens) * rateOf("output", active.outputNanoUsdPerMillion) +
    // One request at a price per thousand, scaled like the per-million token terms.
    (active.requestsNanoUsdPerThousand ?? 0n) * 1_000n;
  return (scaled + 500_000n) / 1_000_000n;
}

/** The rate in force for a prompt of `promptTokens`: the last tier it is longer than, else the base. */
function tierRate(tiers: readonly PriceTier[] | undefined, base: bigint, promptTokens: bigint) {
  let rate = base;
  for (const tier of tiers ?? [])
    if (promptTokens > BigInt(tier.aboveInputTokens)) rate = tier.nanoUsdPerMillion;
  return rate;
}

/** Providers report integers; estimates and odd servers might not, and BigInt() throws on fractions. */
function tokenCount(value: number): bigint {
  return Number.isFinite(value) && value > 0 ? BigInt(Math.round(value)) : 0n;
}
