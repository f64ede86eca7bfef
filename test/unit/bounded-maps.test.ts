import { describe, expect, it } from "vitest";
import { configSchema } from "../../server/config.ts";
import { createDeploymentHealth } from "../../server/gateway/deployment-health.ts";
import { createModelCatalog } from "../../server/gateway/model-catalog.ts";
import { createRouter } from "../../server/gateway/router.ts";
import type { ProviderAdapter } from "../../server/gateway/spec.ts";
import { deploymentScopeKey } from "../../server/modules/completions/admission.ts";

/*
 * The maps a caller's model names reach (issue 14.4): each is either keyed by the config alone
 * or an LRU with a fixed size, and the names it exposes for counters and labels are the config's.
 */
function wildcardRouter(maxCallerDeployments = 10) {
  const models = configSchema.parse({
    models: [
      { name: "fast", provider: "openai", model: "gpt-4o-mini", apiKey: "sk-test" },
      { name: "openai/*", provider: "openai", apiKey: "sk-test", rpm: 100 },
      { name: "claude", provider: "anthropic", model: "claude-sonnet-4", apiKey: "sk-test" },
    ],
  }).models;
  return createRouter({
    models,
    maxCallerDeployments,
    createAdapter: (entry) => ({ provider: entry.provider }) as ProviderAdapter,
    priceFor: () => undefined,
  });
}

describe("bounded maps keyed by callers' model names", () => {
  it("the router keeps at most maxCallerDeployments deployments made for callers' names, and the config's for good", () => {
    const router = wildcardRouter(10);
    const configured = router.plan("fast")[0];
    for (let index = 0; index < 500; index += 1) router.plan(`openai/model-${index}`);
    expect(router.callerDeploymentCount()).toBe(10);
    expect(router.plan("fast")[0]).toBe(configured);
  });

  it("a wildcard's deployments share their entry's id, which rate limits count under", () => {
    const router = wildcardRouter();
    const [one] = router.plan("openai/model-a");
    const [other] = router.plan("openai/model-b");
    expect([one.id, other.id]).toEqual(["openai:model-a#1", "openai:model-b#1"]);
    expect(one.entryId).toBe("openai:openai/*#1");
    expect(deploymentScopeKey(one)).toBe(deploymentScopeKey(other));
    expect(router.entryIdOfDeployment(one.id)).toBe("openai:openai/*#1");
    const [configured] = router.plan("fast");
    expect(configured.entryId).toBe(configured.id);
    expect(router.entryIdOfDeployment(configured.id)).toBe(configured.id);
    expect(router.entryIdOfDeployment("openai:whatever#99")).toBeUndefined();
  });

  it("names a requested model for metrics by the config: its group, the wildcard or provider serving it, else nothing", () => {
    const router = wildcardRouter();
    expect(router.configuredNameOf("fast")).toBe("fast");
    expect(router.configuredNameOf("openai/anything-at-all")).toBe("openai/*");
    // Served by the provider's credentials although no wildcard is configured for it.
    expect(router.configuredNameOf("anthropic/claude-opus-4")).toBe("anthropic/*");
    expect(router.configuredNameOf("made-up")).toBeUndefined();
    expect(router.configuredNameOf("openai/*")).toBeUndefined();
    expect(router.configuredNameOf("nobody/model")).toBeUndefined();
  });

  it("deployment health keeps configured deployments for good and at most maxOtherDeployments others", () => {
    const health = createDeploymentHealth({
      isConfigured: (id) => id.startsWith("configured"),
      maxOtherDeployments: 20,
      failuresToCooldown: 1,
    });
    health.start("configured-a").failed();
    for (let index = 0; index < 1_000; index += 1)
      health.start(`caller-${index}`).succeeded({ latencyMs: 5 });
    expect(health.trackedCount()).toBe(21);
    expect(health.isHealthy("configured-a")).toBe(false);
    expect(health.snapshot("caller-999").latencyMs).toBe(5);
    expect(health.snapshot("caller-0").latencyMs).toBeNull();
  });

  it("an attempt in flight on a forgotten deployment still ends cleanly", () => {
    const health = createDeploymentHealth({ maxOtherDeployments: 1 });
    const first = health.start("caller-a");
    health.start("caller-b").succeeded({ latencyMs: 1 });
    expect(() => first.failed()).not.toThrow();
    expect(health.trackedCount()).toBe(1);
  });

  it("the model catalog memoizes at most maxCachedLookups lookups, misses included", () => {
    const describeModel = createModelCatalog({ maxCachedLookups: 8 });
    for (let index = 0; index < 200; index += 1)
      describeModel({ provider: "openai", model: `rand-${index}`, servesEmbeddings: false });
    expect(describeModel.cachedLookupCount()).toBe(8);
    const known = describeModel({ provider: "openai", model: "gpt-4o", servesEmbeddings: false });
    expect(known.contextWindow).toBeGreaterThan(0);
  });
});
