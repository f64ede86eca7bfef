import { describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { decideRetry, retriesOverride } from "../../server/gateway/retry.ts";

const serverError = (extra: Partial<ConstructorParameters<typeof UpstreamError>[0]> = {}) =>
  new UpstreamError({
    provider: "openai",
    kind: "http",
    message: "upstream failed",
    upstreamStatus: 503,
    ...extra,
  });

const alone = { hasOtherDeployment: false };

describe("decideRetry", () => {
  it("does not retry a non-retryable upstream error", () => {
    const decision = decideRetry(serverError({ upstreamStatus: 400 }), 1, alone);
    expect(decision).toEqual({ retry: false, reason: "the upstream error is not retryable" });
  });

  it("does not retry a context-length error, whatever its status", () => {
    const error = serverError({
      upstreamStatus: 500,
      isContextLengthExceeded: true,
      upstreamCode: "context_length_exceeded",
    });
    expect(decideRetry(error, 1, alone).retry).toBe(false);
  });

  it("does not retry a cancelled request or the gateway's own errors", () => {
    expect(decideRetry(new GatewayError("CANCELLED", "client went away"), 1, alone).retry).toBe(
      false,
    );
    expect(
      decideRetry(new GatewayError("RATE_LIMITED", "too many", { retryAfterMs: 10 }), 1, alone)
        .retry,
    ).toBe(false);
  });

  it("does not retry a plain Error or a non-error", () => {
    expect(decideRetry(new Error("boom"), 1, alone).retry).toBe(false);
    expect(decideRetry("boom", 1, alone).retry).toBe(false);
  });

  it("retries connection failures and timeouts", () => {
    const options = { ...alone, random: () => 1 };
    expect(
      decideRetry(
        new UpstreamError({ provider: "openai", kind: "connection", message: "reset" }),
        1,
        options,
      ),
    ).toEqual({ retry: true, delayMs: 250 });
    expect(
      decideRetry(
        new UpstreamError({ provider: "openai", kind: "timeout", message: "slow" }),
        1,
        options,
      ),
    ).toEqual({ retry: true, delayMs: 250 });
  });

  it("grows the backoff exponentially, with full jitter, up to maxDelayMs", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) =>
      decideRetry(serverError(), attempt, { ...alone, retries: 10, random: () => 1 }),
    );
    expect(ceilings).toEqual(
      [250, 500, 1000, 2000, 4000, 8000, 8000].map((delayMs) => ({ retry: true, delayMs })),
    );

    const halves = [1, 2, 3].map((attempt) =>
      decideRetry(serverError(), attempt, { ...alone, retries: 10, random: () => 0.5 }),
    );
    expect(halves).toEqual([125, 250, 500].map((delayMs) => ({ retry: true, delayMs })));

    expect(decideRetry(serverError(), 1, { ...alone, random: () => 0 })).toEqual({
      retry: true,
      delayMs: 0,
    });
  });

  it("honours custom base and maximum delays", () => {
    const options = { ...alone, retries: 5, baseDelayMs: 100, maxDelayMs: 300, random: () => 1 };
    expect([1, 2, 3].map((attempt) => decideRetry(serverError(), attempt, options))).toEqual(
      [100, 200, 300].map((delayMs) => ({ retry: true, delayMs })),
    );
  });

  it("waits exactly the provider's retry-after, without jitter", () => {
    const error = serverError({ upstreamStatus: 429, retryAfterMs: 1_234 });
    expect(decideRetry(error, 1, { ...alone, random: () => 0.1 })).toEqual({
      retry: true,
      delayMs: 1_234,
    });
    expect(
      decideRetry(serverError({ upstreamStatus: 429, retryAfterMs: 30_000 }), 1, alone),
    ).toEqual({ retry: true, delayMs: 30_000 });
  });

  it("switches deployments at once whatever the retry-after; alone, gives up when it exceeds the cap", () => {
    const error = serverError({ upstreamStatus: 429, retryAfterMs: 60_000 });
    expect(decideRetry(error, 1, { hasOtherDeployment: true })).toEqual({
      retry: true,
      delayMs: 0,
    });
    expect(
      decideRetry(serverError({ upstreamStatus: 429, retryAfterMs: 1_000 }), 1, {
        hasOtherDeployment: true,
      }),
    ).toEqual({ retry: true, delayMs: 0 });
    const decision = decideRetry(error, 1, { hasOtherDeployment: false });
    expect(decision.retry).toBe(false);
    expect(decideRetry(error, 1, { hasOtherDeployment: false, retryAfterCapMs: 120_000 })).toEqual({
      retry: true,
      delayMs: 60_000,
    });
  });

  it("refuses attempts beyond `retries`", () => {
    const options = { hasOtherDeployment: true, random: () => 1 };
    expect(decideRetry(serverError(), 2, options).retry).toBe(true);
    expect(decideRetry(serverError(), 3, options)).toEqual({
      retry: false,
      reason: "2 retries used",
    });
    expect(decideRetry(serverError(), 1, { ...options, retries: 0 })).toEqual({
      retry: false,
      reason: "0 retries used",
    });
    expect(
      decideRetry(serverError({ retryAfterMs: 10 }), 2, { ...options, retries: 1 }).retry,
    ).toBe(false);
  });
});

describe("retriesOverride", () => {
  it("reads an integer from 0 to 10", () => {
    expect(retriesOverride({ retries: 0 })).toBe(0);
    expect(retriesOverride({ retries: 4, tag: "x" })).toBe(4);
    expect(retriesOverride({ retries: 10 })).toBe(10);
  });

  it("ignores values out of range", () => {
    expect(retriesOverride({ retries: -1 })).toBeUndefined();
    expect(retriesOverride({ retries: 11 })).toBeUndefined();
  });

  it("ignores wrong types and missing metadata", () => {
    expect(retriesOverride({ retries: "3" })).toBeUndefined();
    expect(retriesOverride({ retries: 1.5 })).toBeUndefined();
    expect(retriesOverride({ retries: Number.NaN })).toBeUndefined();
    expect(retriesOverride({})).toBeUndefined();
    expect(retriesOverride(null)).toBeUndefined();
    expect(retriesOverride(undefined)).toBeUndefined();
    expect(retriesOverride("retries=3")).toBeUndefined();
    expect(retriesOverride([3])).toBeUndefined();
  });
});
