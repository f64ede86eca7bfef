import { describe, expect, it } from "vitest";
import { retryDelayMs, shouldRetryFeed } from "./retry-delay";

describe("retryDelayMs", () => {
  it("doubles after each failure up to 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100].map((failures) => retryDelayMs(failures))).toEqual([
      0, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(retryDelayMs(3, { baseMs: 10, maxMs: 35 })).toBe(35);
  });
});

describe("shouldRetryFeed", () => {
  it("starts again after network trouble, not after a refusal", () => {
    expect(shouldRetryFeed("NETWORK_ERROR")).toBe(true);
    expect(shouldRetryFeed(undefined)).toBe(true);
    expect(shouldRetryFeed("UNAUTHENTICATED")).toBe(false);
    expect(shouldRetryFeed("FORBIDDEN")).toBe(false);
    expect(shouldRetryFeed("CANCELLED")).toBe(false);
  });
});
