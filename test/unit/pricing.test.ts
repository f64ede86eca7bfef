import { calcPrice } from "@pydantic/genai-prices";
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

  it("prices tiered models at their base tier and survives a throwing lookup", () => {
    const tiered = createPricing().priceFor({ provider: "gemini", model: "gemini-2.5-pro" });
    expect(tiered).toMatchObject({
      inputNanoUsdPerMillion: 1_250_000_000n,
      outputNanoUsdPerMillion: 10_000_000_000n,
    });
    const broken = createPricing({
      lookup: () => {
        throw new Error("bad data");
      },
    });
    expect(broken.priceFor({ provider: "openai", model: "gpt-4o" })).toBeUndefined();
  });
});
