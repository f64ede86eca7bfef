import { describe, expect, it } from "vitest";
import {
  compareUsdDescending,
  formatUsd,
  formatUsdAxisTick,
  isUsdAmount,
  nanoToUsd,
  sumUsd,
  usdToChartNumber,
  usdToNano,
} from "./money";

describe("usdToNano / nanoToUsd", () => {
  it("converts exact decimal strings to nano-USD and back", () => {
    expect(usdToNano("1.5")).toBe(1_500_000_000n);
    expect(usdToNano("0.000125")).toBe(125_000n);
    expect(usdToNano("0.000000001")).toBe(1n);
    expect(usdToNano("12")).toBe(12_000_000_000n);
    expect(usdToNano(".25")).toBe(250_000_000n);
    expect(usdToNano("-0.5")).toBe(-500_000_000n);
    expect(nanoToUsd(1_500_000_000n)).toBe("1.5");
    expect(nanoToUsd(125_000n)).toBe("0.000125");
    expect(nanoToUsd(0n)).toBe("0");
    expect(nanoToUsd(-1n)).toBe("-0.000000001");
  });

  it("rejects what is not a plain decimal amount", () => {
    expect(() => usdToNano("abc")).toThrow(RangeError);
    expect(() => usdToNano("")).toThrow(RangeError);
    expect(() => usdToNano("1e-7")).toThrow(RangeError);
    expect(() => usdToNano("0.0000000001")).toThrow(RangeError);
  });
});

describe("sumUsd", () => {
  it("adds exactly where floats would drift", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumUsd(["0.1", "0.2"])).toBe("0.3");
    expect(sumUsd(Array.from({ length: 1000 }, () => "0.000125"))).toBe("0.125");
    expect(sumUsd([])).toBe("0");
    expect(sumUsd(["1234.5", "0.06", "0.000000001"])).toBe("1234.560000001");
  });
});

describe("compareUsdDescending", () => {
  it("sorts largest first without floats", () => {
    expect(["0.2", "10", "0.000000002", "3.5"].sort(compareUsdDescending)).toEqual([
      "10",
      "3.5",
      "0.2",
      "0.000000002",
    ]);
  });
});

describe("usdToChartNumber", () => {
  it("gives dollars as a number for plotting", () => {
    expect(usdToChartNumber("1.25")).toBe(1.25);
    expect(usdToChartNumber("0")).toBe(0);
  });
});

describe("formatUsd", () => {
  it("shows two decimals from one dollar up, with grouping", () => {
    expect(formatUsd("1234.56")).toBe("$1,234.56");
    expect(formatUsd("1234.565")).toBe("$1,234.57");
    expect(formatUsd("1")).toBe("$1.00");
    expect(formatUsd("1000000")).toBe("$1,000,000.00");
  });

  it("keeps small non-zero amounts visible", () => {
    expect(formatUsd("0.0042")).toBe("$0.0042");
    expect(formatUsd("0.000125")).toBe("$0.000125");
    expect(formatUsd("0.000000001")).toBe("$0.000000001");
    expect(formatUsd("0.123456")).toBe("$0.123");
    expect(formatUsd("0.5")).toBe("$0.50");
    expect(formatUsd("0.05")).toBe("$0.05");
  });

  it("shows zero as $0.00 exactly", () => {
    expect(formatUsd("0")).toBe("$0.00");
    expect(formatUsd("0.000000000")).toBe("$0.00");
  });

  it("shows negative amounts with the sign first", () => {
    expect(formatUsd("-3.5")).toBe("-$3.50");
  });
});

describe("isUsdAmount", () => {
  it("accepts non-negative decimals with at most 9 decimals", () => {
    expect(isUsdAmount("100")).toBe(true);
    expect(isUsdAmount("0.5")).toBe(true);
    expect(isUsdAmount(" 12.25 ")).toBe(true);
    expect(isUsdAmount("-1")).toBe(false);
    expect(isUsdAmount("1,000")).toBe(false);
    expect(isUsdAmount("1.0000000001")).toBe(false);
    expect(isUsdAmount("")).toBe(false);
  });
});

describe("formatUsdAxisTick", () => {
  it("keeps ticks short and never $0 for a non-zero tick", () => {
    expect(formatUsdAxisTick(0)).toBe("$0");
    expect(formatUsdAxisTick(0.00025)).toBe("$0.00025");
    expect(formatUsdAxisTick(1.5)).toBe("$1.5");
    expect(formatUsdAxisTick(12500)).toBe("$12.5K");
  });
});
