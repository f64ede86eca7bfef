import { describe, expect, it } from "vitest";
import { configSchema, type ModelEntry } from "../../server/config.ts";
import { GatewayError } from "../../server/gateway/errors.ts";
import { createRouter } from "../../server/gateway/router.ts";
import type { ProviderAdapter } from "../../server/gateway/spec.ts";

function routerFor(models: Array<Record<string, unknown>>, random = () => 0) {
  const parsed = configSchema.parse({ models }).models;
  const created: ModelEntry[] = [];
  const router = createRouter({
    models: parsed,
    random,
    createAdapter: (entry) => {
      created.push(entry);
      return { provider: entry.provider } as ProviderAdapter;
    },
    priceFor: () => undefined,
  });
  return { router, created };
}

const openai = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  provider: "openai",
  apiKey: "sk-test",
  ...extra,
});

describe("createRouter", () => {
  it("resolves a configured name to its upstream model", () => {
    const { router } = routerFor([openai("fast", { model: "gpt-4o-mini" })]);
    expect(router.plan("fast").map((deployment) => [deployment.id, deployment.model])).toEqual([
      ["openai:gpt-4o-mini#0", "gpt-4o-mini"],
    ]);
  });

  it("orders a group by weighted shuffle with the injected random source", () => {
    const models = [
      openai("group", { model: "a", weight: 1 }),
      openai("group", { model: "b", weight: 3 }),
    ];
    expect(
      routerFor(models, () => 0.1)
        .router.plan("group")
        .map((deployment) => deployment.model),
    ).toEqual(["a", "b"]);
    expect(
      routerFor(models, () => 0.5)
        .router.plan("group")
        .map((deployment) => deployment.model),
    ).toEqual(["b", "a"]);
  });

  it("serves provider/model through a wildcard entry or any entry of that provider", () => {
    const wildcard = routerFor([openai("openai/*")]).router;
    expect(
      wildcard.plan("openai/gpt-4.1").map((deployment) => [deployment.model, deployment.group]),
    ).toEqual([["gpt-4.1", "openai/gpt-4.1"]]);
    const direct = routerFor([openai("fast", { model: "gpt-4o-mini" })]).router;
    expect(direct.plan("openai/o3-mini")[0].model).toBe("o3-mini");
  });

  it("reuses one adapter per config entry", () => {
    const { router, created } = routerFor([openai("openai/*")]);
    router.plan("openai/a");
    router.plan("openai/b");
    router.plan("openai/a");
    expect(created).toHaveLength(1);
  });

  it("names the served models when a model is unknown", () => {
    const { router } = routerFor([openai("fast"), openai("openai/*")]);
    const failure = (() => {
      try {
        router.plan("anthropic/claude");
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ code: "MODEL_NOT_FOUND", status: 404, param: "model" });
    expect((failure as Error).message).toBe(
      "The model 'anthropic/claude' is not served by this gateway. Served: fast, openai/*.",
    );
    expect(() => routerFor([]).router.plan("x")).toThrow(/Served: none/);
    expect(() => routerFor([openai("openai/*")]).router.plan("openai/*")).toThrow(GatewayError);
  });
});
