import { describe, expect, it, vi } from "vitest";
import { createInMemoryRateLimiter } from "../../server/gateway/rate-limit.ts";
import type { Deployment } from "../../server/gateway/router.ts";
import { countedOnce } from "../../server/gateway/tokens.ts";
import { createAdmission } from "../../server/modules/completions/admission.ts";

/** A deployment as the router makes it; only the fields admission reads matter. */
function deployment(limits: { rpm?: number; tpm?: number } = {}): Deployment {
  return {
    id: "openai:gpt-4o#0",
    entryId: "0",
    group: "gpt-4o",
    provider: "openai",
    model: "gpt-4o",
    entry: { name: "gpt-4o", provider: "openai", weight: 1, ...limits },
  } as unknown as Deployment;
}

describe("prompt tokens are counted only when something needs them", () => {
  it("counts once, on first use", () => {
    const count = vi.fn(() => 42);
    const estimate = countedOnce(count);
    expect(count).not.toHaveBeenCalled();
    expect(estimate()).toBe(42);
    expect(estimate()).toBe(42);
    expect(count).toHaveBeenCalledTimes(1);
  });

  it("does not tokenize for a deployment without limits and a caller without budgets", async () => {
    const admit = createAdmission({ limiter: createInMemoryRateLimiter() });
    const count = vi.fn(() => 1_000);
    const admission = await admit({
      principal: { kind: "admin" } as never,
      deployment: deployment(),
      promptTokens: count,
    });
    admission.finish(undefined);
    expect(count).not.toHaveBeenCalled();
  });

  it("tokenizes for a deployment's tokens-per-minute limit, and refuses by the count", async () => {
    const admit = createAdmission({ limiter: createInMemoryRateLimiter() });
    const count = vi.fn(() => 1_000);
    await expect(
      admit({
        principal: { kind: "admin" } as never,
        deployment: deployment({ tpm: 500 }),
        promptTokens: count,
      }),
    ).rejects.toThrow(/1000 tokens/);
    expect(count).toHaveBeenCalledTimes(1);
  });
});
