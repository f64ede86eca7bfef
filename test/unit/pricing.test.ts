import { calcPrice, waitForUpdate } from "@pydantic/genai-prices";
import { describe, expect, it, vi } from "vitest";
import {
  formatUsd,
  nanoUsdFromNumber,
  parseUsd,
  plainDecimalString,
} from "../../server/gateway/money.ts";
import { costNanoUsd, createPricing, type ModelPrice } from "../../server/gateway/pricing.ts";

function price(input: number, output: number, cachedInput = input, cacheWrite = input): ModelPrice {
  return {
    inputNanoUsdPerMillion: nanoUsdFromNumber(input),
    cachedInputNanoUsdPerMillion: nanoUsdFromNumber(cachedInput),
    cacheWriteNanoUsdPerMillion: nanoUsdFromNumber(cacheWrite),
    outputNanoUsdPerMillion: nanoUsdFromNumber(output),
    source: "config",
  };
}

describe("money", () => {
  it.each([
    [0.075, 75_000_000n],
    [2.5, 2_500_000_000n],
    [0.15, 150_000_000n],
    [10, 10_000_000_000n],
    [1e-7, 100n],
    [1.5e-7, 150n],
    [0.1 + 0.2, 300_000_000n], // 0.30000000000000004: beyond nano precision, rounded away
    [1e-10, 0n],
    [5e-10, 1n], // half-up
    [1e21, 1_000_000_000_000_000_000_000_000_000_000n],
  ])("takes %s USD as written in decimal: %s nano-USD", (value, nano) => {
    expect(nanoUsdFromNumber(value)).toBe(nano);
  });

  it("writes numbers without exponent notation", () => {
    expect(String(1e-7)).toBe("1e-7");
    expect(plainDecimalString(1e-7)).toBe("0.0000001");
    expect(plainDecimalString(1.5e-7)).toBe("0.00000015");
    expect(plainDecimalString(1.2345e21)).toBe("1234500000000000000000");
    expect(plainDecimalString(0.075)).toBe("0.075");
  });

  it("rejects negative and non-finite numbers", () => {
    expect(() => nanoUsdFromNumber(-1)).toThrow(/non-negative/);
    expect(() => nanoUsdFromNumber(Number.NaN)).toThrow(/finite/);
  });

  it.each([
    [0n, "0"],
    [125_000n, "0.000125"],
    [1n, "0.000000001"],
    [1_000_000_000n, "1"],
    [12_500_000_000n, "12.5"],
    [123_456_789_012_345_678_901n, "123456789012.345678901"],
    [-1_500n, "-0.0000015"],
  ])("formats %s nano-USD as %s", (nano, text) => {
    expect(formatUsd(nano)).toBe(text);
  });

  it.each([
    ["12.50", 12_500_000_000n],
    ["0.000125", 125_000n],
    ["0", 0n],
    ["7", 7_000_000_000n],
    ["0.000000001", 1n],
    ["100000000000000000000", 100_000_000_000_000_000_000_000_000_000n],
  ])("parses %s as %s nano-USD", (text, nano) => {
    expect(parseUsd(text)).toBe(nano);
    expect(parseUsd(formatUsd(nano))).toBe(nano);
  });

  it.each([
    ["-1", /cannot be negative/],
    ["-0.5", /cannot be negative/],
    ["0.0000000001", /at most 9 decimal places/],
    ["abc", /plain decimal number/],
    ["", /plain decimal number/],
    ["1e-7", /plain decimal number/],
    ["1.2.3", /plain decimal number/],
    ["$5", /plain decimal number/],
    [".5", /plain decimal number/],
  ])("rejects %j", (text, message) => {
    expect(() => parseUsd(text)).toThrow(message);
  });
});

describe("costNanoUsd", () => {
  it("prices prompt and completion tokens exactly (0.075 / 0.30 per million)", () => {
    // 12 × 75_000_000 + 7 × 300_000_000 = 3_000_000_000 nano-USD-per-million-tokens → 3000 nano-USD
    expect(
      costNanoUsd(price(0.075, 0.3), { promptTokens: 12, completionTokens: 7, cachedTokens: 0 }),
    ).toBe(3_000n);
    expect(
      formatUsd(
        costNanoUsd(price(0.15, 0.6), { promptTokens: 12, completionTokens: 7, cachedTokens: 0 }),
      ),
    ).toBe("0.000006");
  });

  it("bills cached tokens, which are part of the prompt, at the cached rate", () => {
    // gpt-4o: 2.5 input, 1.25 cached, 10 output. 512 uncached + 1536 cached + 300 output:
    // (512 × 2.5 + 1536 × 1.25 + 300 × 10) USD / 1e6 = 6200 / 1e6 USD = 0.0062 USD
    const cost = costNanoUsd(price(2.5, 10, 1.25), {
      promptTokens: 2048,
      completionTokens: 300,
      cachedTokens: 1536,
    });
    expect(cost).toBe(6_200_000n);
    expect(formatUsd(cost)).toBe("0.0062");
  });

  it("bills cached tokens at the input rate when the model has no cached price", () => {
    const withCache = costNanoUsd(price(2.5, 10), {
      promptTokens: 1000,
      completionTokens: 0,
      cachedTokens: 800,
    });
    expect(withCache).toBe(
      costNanoUsd(price(2.5, 10), { promptTokens: 1000, completionTokens: 0, cachedTokens: 0 }),
    );
  });

  it("bills cache writes, which are part of the prompt, at the cache-write rate", () => {
    // Claude Sonnet: 3 input, 0.3 cache read, 3.75 cache write, 15 output.
    // 1000 prompt = 500 plain + 300 read + 200 written; 100 output:
    // 500×3 + 300×0.3 + 200×3.75 + 100×15 = 1500 + 90 + 750 + 1500 = 3840 µUSD per million → 0.00384 USD.
    const cost = costNanoUsd(price(3, 15, 0.3, 3.75), {
      promptTokens: 1000,
      completionTokens: 100,
      cachedTokens: 300,
      cacheWriteTokens: 200,
    });
    expect(formatUsd(cost)).toBe("0.00384");
    expect(
      costNanoUsd(price(3, 15, 0.3, 3.75), {
        promptTokens: 100,
        completionTokens: 0,
        cachedTokens: 60,
        cacheWriteTokens: 500,
      }),
    ).toBe(
      costNanoUsd(price(3, 15, 0.3, 3.75), {
        promptTokens: 100,
        completionTokens: 0,
        cachedTokens: 60,
        cacheWriteTokens: 40,
      }),
    );
  });

  it("never counts more cached tokens than prompt tokens", () => {
    expect(
      costNanoUsd(price(2, 8, 0.5), { promptTokens: 100, completionTokens: 0, cachedTokens: 1000 }),
    ).toBe(50_000n);
  });

  it("rounds once, at the end, half-up", () => {
    // 1.5 nano for the prompt token and 1.5 for the completion token: 3, where rounding each part would give 4.
    expect(
      costNanoUsd(price(0.0015, 0.0015), { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }),
    ).toBe(3n);
    expect(
      costNanoUsd(price(0.0005, 0), { promptTokens: 1, completionTokens: 0, cachedTokens: 0 }),
    ).toBe(1n);
    expect(
      costNanoUsd(price(0.000499999, 0), { promptTokens: 1, completionTokens: 0, cachedTokens: 0 }),
    ).toBe(0n);
  });

  it("is exact where floats are not", () => {
    // 10 × 0.1 + 10 × 0.2 micro-USD: 3000 nano-USD, not the float 3.0000000000000004; a million of them sum exactly.
    const each = costNanoUsd(price(0.1, 0.2), {
      promptTokens: 10,
      completionTokens: 10,
      cachedTokens: 0,
    });
    expect(each).toBe(3_000n);
    expect(formatUsd(each * 1_000_000n)).toBe("3");
  });

  it("treats missing or odd token counts as zero and rounds fractional estimates", () => {
    expect(
      costNanoUsd(price(1, 1), { promptTokens: Number.NaN, completionTokens: -5, cachedTokens: 0 }),
    ).toBe(0n);
    expect(
      costNanoUsd(price(1000, 0), { promptTokens: 2.4, completionTokens: 0, cachedTokens: 0 }),
    ).toBe(2_000_000n);
  });
});

describe("createPricing", () => {
  it("finds gpt-4o in the bundled genai-prices data: 2.5 / 10 per million, 1.25 cached", () => {
    expect(createPricing().priceFor({ provider: "openai", model: "gpt-4o" })).toEqual({
      inputNanoUsdPerMillion: 2_500_000_000n,
      cachedInputNanoUsdPerMillion: 1_250_000_000n,
      cacheWriteNanoUsdPerMillion: 2_500_000_000n,
      outputNanoUsdPerMillion: 10_000_000_000n,
      contextWindow: 128_000,
      source: "genai-prices",
    });
  });

  it("has Anthropic's cache-write price from the package", () => {
    expect(
      createPricing().priceFor({ provider: "anthropic", model: "claude-3-5-sonnet-20241022" }),
    ).toMatchObject({
      inputNanoUsdPerMillion: 3_000_000_000n,
      cachedInputNanoUsdPerMillion: 300_000_000n,
      cacheWriteNanoUsdPerMillion: 3_750_000_000n,
    });
  });

  it("lets an openai-compatible model be matched by its name", () => {
    expect(
      createPricing().priceFor({ provider: "openai-compatible", model: "gpt-4o-mini" }),
    ).toMatchObject({
      inputNanoUsdPerMillion: 150_000_000n,
      outputNanoUsdPerMillion: 600_000_000n,
    });
  });

  it("prefers the config override, keeping the package's context window", () => {
    const pricing = createPricing();
    expect(
      pricing.priceFor({
        provider: "openai",
        model: "gpt-4o",
        override: { inputPerMillion: 0.075, outputPerMillion: 0.3 },
      }),
    ).toEqual({
      inputNanoUsdPerMillion: 75_000_000n,
      cachedInputNanoUsdPerMillion: 75_000_000n,
      cacheWriteNanoUsdPerMillion: 75_000_000n,
      outputNanoUsdPerMillion: 300_000_000n,
      contextWindow: 128_000,
      source: "config",
    });
    expect(
      pricing.priceFor({
        provider: "openai-compatible",
        model: "my-finetune",
        override: { inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0.5 },
      }),
    ).toEqual({
      inputNanoUsdPerMillion: 1_000_000_000n,
      cachedInputNanoUsdPerMillion: 500_000_000n,
      cacheWriteNanoUsdPerMillion: 1_000_000_000n,
      outputNanoUsdPerMillion: 2_000_000_000n,
      contextWindow: undefined,
      source: "config",
    });
  });

  it("returns undefined for an unknown model without an override", () => {
    expect(
      createPricing().priceFor({ provider: "openai-compatible", model: "my-local-llama-finetune" }),
    ).toBeUndefined();
    expect(
      createPricing().priceFor({ provider: "openai", model: "no-such-model-anywhere" }),
    ).toBeUndefined();
  });

  it("caches lookups per (provider, model)", () => {
    const lookup = vi.fn(calcPrice);
    const pricing = createPricing({ lookup });
    pricing.priceFor({ provider: "openai", model: "gpt-4o" });
    pricing.priceFor({ provider: "openai", model: "gpt-4o" });
    pricing.priceFor({
      provider: "openai",
      model: "gpt-4o",
      override: { inputPerMillion: 1, outputPerMillion: 1 },
    });
    pricing.priceFor({ provider: "openai", model: "nope" });
    pricing.priceFor({ provider: "openai", model: "nope" });
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it("survives a throwing lookup", () => {
    const broken = createPricing({
      lookup: () => {
        throw new Error("bad data");
      },
    });
    expect(broken.priceFor({ provider: "openai", model: "gpt-4o" })).toBeUndefined();
  });

  it("keeps a bounded number of lookups: model names may be chosen by callers", () => {
    const lookup = vi.fn(calcPrice);
    const pricing = createPricing({ lookup });
    for (let index = 0; index < 1_500; index += 1)
      pricing.priceFor({ provider: "openai", model: `invented-${index}` });
    pricing.priceFor({ provider: "openai", model: "invented-0" });
    // The oldest names were evicted (looked up again); the newest are still cached.
    expect(lookup).toHaveBeenCalledTimes(1_501);
    pricing.priceFor({ provider: "openai", model: "invented-1499" });
    expect(lookup).toHaveBeenCalledTimes(1_501);
  });
});

describe("long-context tiers, cache prices, request fees and prices by time", () => {
  const pricing = createPricing();
  const usd = (nano: bigint) => formatUsd(nano);

  it("bills a 250k-token prompt on Claude Sonnet 4.5 at the long-context tier (6 / 22.5 per million, not 3 / 15)", () => {
    const price = pricing.priceFor({ provider: "anthropic", model: "claude-sonnet-4-5" })!;
    expect(price.inputNanoUsdPerMillion).toBe(3_000_000_000n);
    // 250,000 × $6 + 1,000 × $22.5 per million = $1.5 + $0.0225.
    const long = { promptTokens: 250_000, completionTokens: 1_000, cachedTokens: 0 };
    expect(usd(costNanoUsd(price, long))).toBe("1.5225");
    // The old base-tier shortcut billed it at about half: 250,000 × $3 + 1,000 × $15.
    expect(usd(costNanoUsd({ ...price, tiers: undefined }, long))).toBe("0.765");
    // Cache reads and writes have their own long-context rates ($0.6 and $7.5):
    // 200,000 plain × 6 + 40,000 read × 0.6 + 10,000 written × 7.5 = 1.2 + 0.024 + 0.075, + 0.0225 output.
    expect(
      usd(
        costNanoUsd(price, {
          promptTokens: 250_000,
          completionTokens: 1_000,
          cachedTokens: 40_000,
          cacheWriteTokens: 10_000,
        }),
      ),
    ).toBe("1.3215");
    // Exactly 200,000 is still the base tier (a tier starts above its threshold): 0.6 + 0.015.
    expect(
      usd(costNanoUsd(price, { promptTokens: 200_000, completionTokens: 1_000, cachedTokens: 0 })),
    ).toBe("0.615");
  });

  it("bills a 250k-token prompt on Gemini 2.5 Pro at its long-context tier (2.5 / 15 per million)", () => {
    const price = pricing.priceFor({ provider: "gemini", model: "gemini-2.5-pro" })!;
    expect(price).toMatchObject({
      inputNanoUsdPerMillion: 1_250_000_000n,
      outputNanoUsdPerMillion: 10_000_000_000n,
    });
    // 250,000 × 2.5 + 1,000 × 15 = 0.625 + 0.015; at 100k: 100,000 × 1.25 + 1,000 × 10.
    expect(
      usd(costNanoUsd(price, { promptTokens: 250_000, completionTokens: 1_000, cachedTokens: 0 })),
    ).toBe("0.64");
    expect(
      usd(costNanoUsd(price, { promptTokens: 100_000, completionTokens: 1_000, cachedTokens: 0 })),
    ).toBe("0.135");
  });

  it("adds a per-request fee (Perplexity Sonar: $12 per thousand requests)", () => {
    // No provider of ours maps to Perplexity: look it up there, as an openai-compatible entry's data would.
    const perplexity = createPricing({
      lookup: (usage, model) => calcPrice(usage, model, { providerId: "perplexity" }),
    });
    const price = perplexity.priceFor({ provider: "openai-compatible", model: "sonar" })!;
    expect(price.requestsNanoUsdPerThousand).toBe(12_000_000_000n);
    // 1,000 × $1 + 100 × $1 per million, + $0.012 for the request.
    expect(
      usd(costNanoUsd(price, { promptTokens: 1_000, completionTokens: 100, cachedTokens: 0 })),
    ).toBe("0.0131");
  });

  it("uses the price in force at the time of the request (DeepSeek's off-peak hours)", () => {
    const price = pricing.priceFor({ provider: "deepseek", model: "deepseek-chat" })!;
    expect(price.at).toBeTypeOf("function");
    const tokens = { promptTokens: 1_000_000, completionTokens: 1_000_000, cachedTokens: 0 };
    // The data prices 00:30–16:30 UTC apart from the rest of the day.
    const inWindow = new Date("2026-01-15T02:00:00Z");
    const outside = new Date("2026-01-15T18:00:00Z");
    for (const time of [inWindow, outside]) {
      const expected = calcPrice(
        { input_tokens: 1_000_000, output_tokens: 1_000_000 },
        "deepseek-chat",
        {
          providerId: "deepseek",
          timestamp: time,
        },
      )!;
      expect(costNanoUsd(price, tokens, time)).toBe(nanoUsdFromNumber(expected.total_price));
    }
    expect(costNanoUsd(price, tokens, inWindow)).not.toBe(costNanoUsd(price, tokens, outside));
  });

  it("matches genai-prices' own calcPrice for every model in the bundled data (to the nano-USD)", async () => {
    const at = new Date("2026-06-01T12:00:00Z");
    const usages = [
      { promptTokens: 1_000, completionTokens: 500, cachedTokens: 200, cacheWriteTokens: 100 },
      {
        promptTokens: 250_000,
        completionTokens: 2_000,
        cachedTokens: 50_000,
        cacheWriteTokens: 10_000,
      },
      { promptTokens: 1_200_000, completionTokens: 7, cachedTokens: 0, cacheWriteTokens: 0 },
    ];
    let compared = 0;
    const differences: string[] = [];
    for (const provider of (await waitForUpdate())!) {
      for (const model of provider.models) {
        const onlyThisModel = { ...provider, models: [model] };
        const lookup: typeof calcPrice = (usage, id) =>
          calcPrice(usage, id, { provider: onlyThisModel, timestamp: at });
        const price = createPricing({ lookup }).priceFor({ provider: "any", model: model.id });
        if (!price) continue;
        for (const tokens of usages) {
          const expected = calcPrice(
            {
              input_tokens: tokens.promptTokens,
              cache_read_tokens: tokens.cachedTokens,
              cache_write_tokens: tokens.cacheWriteTokens,
              output_tokens: tokens.completionTokens,
            },
            model.id,
            { provider: onlyThisModel, timestamp: at },
          )!;
          const ours = costNanoUsd(price, tokens, at);
          const theirs = nanoUsdFromNumber(expected.total_price);
          compared += 1;
          // The package sums binary floats: at most a nano-USD of rounding apart.
          if (ours - theirs > 1n || theirs - ours > 1n)
            differences.push(
              `${provider.id}/${model.id} ${tokens.promptTokens}: ${ours} vs ${theirs}`,
            );
        }
      }
    }
    expect(compared).toBeGreaterThan(3_000);
    expect(differences).toEqual([]);
  });
});
