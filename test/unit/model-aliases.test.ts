import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, configSchema, loadConfig, loadLibraryConfig } from "../../server/config.ts";
import { GatewayError } from "../../server/gateway/errors.ts";
import { createRouter } from "../../server/gateway/router.ts";
import type { ProviderAdapter } from "../../server/gateway/spec.ts";

/*
 * modelAliases (DESIGN §12 "Config additions"): names clients send that mean a configured group.
 * Validated at load with every problem listed; resolved by the router in one place.
 */

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

function loadYaml(text: string) {
  const directory = mkdtempSync(path.join(tmpdir(), "switchboard-aliases-"));
  const file = path.join(directory, "switchboard.yaml");
  writeFileSync(file, text);
  return () => loadConfig({ configPath: file }, {}, directory);
}

function routerFor(config: Record<string, unknown>) {
  const parsed = configSchema.parse(config);
  return createRouter({
    models: parsed.models,
    aliases: parsed.modelAliases,
    random: () => 0,
    createAdapter: (entry) => ({ provider: entry.provider }) as ProviderAdapter,
    priceFor: () => undefined,
  });
}

const models = [
  { name: "claude-sonnet", provider: "anthropic", model: "claude-sonnet-4-5", apiKey: "k" },
  {
    name: "claude-sonnet",
    provider: "bedrock",
    model: "anthropic.claude",
    region: "r",
    accessKeyId: "a",
    secretAccessKey: "s",
  },
  { name: "gpt-5", provider: "openai", apiKey: "k", aliases: ["gpt-5-codex"] },
  { name: "openai/*", provider: "openai", apiKey: "k" },
];

describe("modelAliases in the config", () => {
  it("accepts aliases of groups and of wildcard-served names, top level and on entries", () => {
    const config = loadYaml(`
models:
  - { name: claude-sonnet, provider: anthropic, apiKey: k, model: claude-sonnet-4-5 }
  - { name: gpt-5, provider: openai, apiKey: k, aliases: [gpt-5-codex, codex] }
  - { name: openai/*, provider: openai, apiKey: k }
modelAliases:
  claude-sonnet-4-5-20250929: claude-sonnet
  o-mini: openai/o4-mini
`)();
    expect(config.modelAliases).toEqual({
      "claude-sonnet-4-5-20250929": "claude-sonnet",
      "o-mini": "openai/o4-mini",
    });
    expect(config.models[1].aliases).toEqual(["gpt-5-codex", "codex"]);
  });

  it("defaults to none", () => {
    expect(configSchema.parse({}).modelAliases).toEqual({});
  });

  it("lists every problem at once, each with its path", () => {
    const problems = problemsOf(
      loadYaml(`
models:
  - { name: claude-sonnet, provider: anthropic, apiKey: k }
  - { name: gpt-5, provider: openai, apiKey: k, aliases: [claude-sonnet, codex] }
  - { name: gpt-4o, provider: openai, apiKey: k, aliases: [codex] }
  - { name: openai/*, provider: openai, apiKey: k, aliases: [any-openai] }
modelAliases:
  gpt-5: claude-sonnet
  sonnet-latest: claude-sonet
  via-alias: codex
  star*: gpt-5
  gemini-pro: gemini/gemini-2.5-pro
`),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /: modelAliases\.gpt-5: 'gpt-5' is a model name in models\[\]; an alias may not hide it$/,
      ),
      expect.stringMatching(
        /: modelAliases\.sonnet-latest: 'claude-sonet' is not a model name in models\[\]/,
      ),
      expect.stringMatching(
        /: modelAliases\.via-alias: 'codex' is an alias itself; point 'via-alias' at the model group it names$/,
      ),
      expect.stringMatching(/: modelAliases\.star\*: 'star\*' is a pattern/),
      // No gemini entry or gemini/* wildcard: nothing serves gemini/… names.
      expect.stringMatching(
        /: modelAliases\.gemini-pro: 'gemini\/gemini-2\.5-pro' is not a model name/,
      ),
      expect.stringMatching(
        /: models\[1\]\.aliases\[0\]: 'claude-sonnet' is a model name in models\[\]/,
      ),
      expect.stringMatching(
        /: models\[2\]\.aliases\[0\]: 'codex' already means 'gpt-5'; it cannot also mean 'gpt-4o'$/,
      ),
      expect.stringMatching(/: models\[3\]\.aliases\[0\]: 'openai\/\*' is a wildcard pattern/),
    ]);
  });

  it("is read by the SDK's config as well", () => {
    const { config } = loadLibraryConfig({
      models: [{ name: "gpt-5", provider: "openai", apiKey: "k" }],
      modelAliases: { "gpt-5-codex": "gpt-5" },
    });
    expect(config.modelAliases).toEqual({ "gpt-5-codex": "gpt-5" });
    expect(() =>
      loadLibraryConfig({ models: [], modelAliases: { "gpt-5-codex": "gpt-5" } }),
    ).toThrow(/modelAliases\.gpt-5-codex: 'gpt-5' is not a model name/);
  });
});

describe("alias resolution in the router", () => {
  const router = routerFor({
    models,
    modelAliases: {
      "claude-sonnet-4-5-20250929": "claude-sonnet",
      "o-mini": "openai/o4-mini",
    },
  });

  it("resolves aliases (top level and an entry's own) and leaves other names as they are", () => {
    expect(router.resolveModel("claude-sonnet-4-5-20250929")).toBe("claude-sonnet");
    expect(router.resolveModel("gpt-5-codex")).toBe("gpt-5");
    expect(router.resolveModel("o-mini")).toBe("openai/o4-mini");
    expect(router.resolveModel("claude-sonnet")).toBe("claude-sonnet");
    expect(router.resolveModel("unknown")).toBe("unknown");
  });

  it("plans an alias as its group: every deployment, with the group's name and upstream models", () => {
    expect(
      router
        .plan("claude-sonnet-4-5-20250929")
        .map((deployment) => [deployment.group, deployment.provider, deployment.model]),
    ).toEqual([
      ["claude-sonnet", "anthropic", "claude-sonnet-4-5"],
      ["claude-sonnet", "bedrock", "anthropic.claude"],
    ]);
    expect(router.plan("o-mini").map((deployment) => [deployment.group, deployment.model])).toEqual(
      [["openai/o4-mini", "o4-mini"]],
    );
  });

  it("describes what a name is, and counts an alias's metrics under its group", () => {
    expect(router.describeModel("gpt-5-codex")).toEqual({ name: "gpt-5", provider: "openai" });
    expect(router.describeModel("openai/gpt-4o")).toEqual({
      name: "openai/gpt-4o",
      provider: "openai",
    });
    expect(router.describeModel("openai/*")).toBeUndefined();
    expect(router.describeModel("nope")).toBeUndefined();
    expect(router.configuredNameOf("claude-sonnet-4-5-20250929")).toBe("claude-sonnet");
    expect(router.configuredNameOf("o-mini")).toBe("openai/*");
    expect(router.listAliases()).toEqual([
      { alias: "claude-sonnet-4-5-20250929", target: "claude-sonnet" },
      { alias: "o-mini", target: "openai/o4-mini" },
      { alias: "gpt-5-codex", target: "gpt-5" },
    ]);
  });

  it("answers an unknown name with MODEL_NOT_FOUND naming it", () => {
    const failure = (() => {
      try {
        router.assertServed("claude-sonnet-4-5-20250930");
      } catch (error) {
        return error;
      }
    })();
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({
      code: "MODEL_NOT_FOUND",
      status: 404,
      param: "model",
      message: expect.stringContaining("'claude-sonnet-4-5-20250930'"),
    });
  });
});
