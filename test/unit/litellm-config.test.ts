import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadLibraryConfig } from "../../server/config.ts";
import { runConvertConfigCommand } from "../../server/litellm/convert-config-command.ts";
import {
  describeLiteLLMNotes,
  translateLiteLLMConfig,
} from "../../server/litellm/read-litellm-config.ts";

/*
 * LiteLLM proxy configs taken from LiteLLM's documentation (test/fixtures/litellm, each citing
 * its page): read by `--config` and printed by `convert-config`, the two giving the same config.
 */

const fixtures = path.resolve(import.meta.dirname, "../fixtures/litellm");
const fixture = (name: string) => path.join(fixtures, `${name}.yaml`);

/** The variables the fixtures read (os.environ/...), and what Switchboard reads for bedrock and vertex. */
const environment = {
  AZURE_API_KEY: "azure-key-0000",
  AZURE_API_KEY_EU: "azure-key-eu-0000",
  AZURE_API_KEY_CA: "azure-key-ca-0000",
  AZURE_API_BASE: "https://example-resource.openai.azure.com",
  OPENAI_API_KEY: "sk-openai-0000",
  ANTHROPIC_API_KEY: "sk-ant-0000",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "aws-secret-0000",
  AWS_REGION: "us-west-2",
  GOOGLE_APPLICATION_CREDENTIALS: "/etc/secrets/service-account.json",
  LITELLM_MASTER_KEY: "sk-master-from-environment",
  REDIS_PASSWORD: "redis-password-0000",
};

/** Runs `switchboard convert-config` in-process; returns its exit code and what it printed. */
function convert(file: string, ...options: string[]) {
  const printed: string[] = [];
  const errors: string[] = [];
  const code = runConvertConfigCommand([file, ...options], {
    log: (message) => printed.push(message),
    error: (message) => errors.push(message),
  });
  return { code, yaml: printed.join("\n"), errors: errors.join("\n") };
}

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("LiteLLM proxy configs from LiteLLM's documentation", () => {
  it.each([
    ["multi-provider", { SWITCHBOARD_MASTER_KEY: "sk-1234-quickstart" }],
    ["reliability", {}],
    ["load-balancing", {}],
    ["environment-and-master-key", {}],
  ])(
    "%s: convert-config prints YAML without secrets that loads as the same config as the LiteLLM file",
    (name, movedSecrets) => {
      const directory = mkdtempSync(path.join(tmpdir(), "switchboard-litellm-"));
      const { code, yaml, errors } = convert(fixture(name));
      expect(errors).toBe("");
      expect(code).toBe(0);
      for (const value of [...Object.values(environment), ...Object.values(movedSecrets)])
        expect(yaml).not.toContain(value);
      expect(yaml).toMatch(/^# switchboard\.yaml converted from the LiteLLM proxy config/);
      writeFileSync(path.join(directory, "switchboard.yaml"), yaml);

      const fromLiteLLM = loadConfig({ configPath: fixture(name) }, environment, directory);
      const converted = loadConfig(
        { configPath: "switchboard.yaml" },
        { ...environment, ...movedSecrets },
        directory,
      );
      expect(converted).toEqual(fromLiteLLM);
      expect(fromLiteLLM.models.length).toBeGreaterThan(0);
    },
  );

  it("reads the multi-provider quick start: Azure, Bedrock, an OpenAI-compatible server, OpenAI, Anthropic and Vertex", () => {
    const config = loadConfig({ configPath: fixture("multi-provider") }, environment, tmpdir());
    expect(config.models.map((model) => [model.name, model.provider, model.model])).toEqual([
      ["gpt-4o", "azure", "gpt-4o-eu"],
      ["bedrock-claude-v1", "bedrock", "anthropic.claude-instant-v1"],
      ["gpt-4o", "azure", "gpt-4o-ca"],
      ["anthropic-claude", "bedrock", "anthropic.claude-instant-v1"],
      ["vllm-models", "openai-compatible", "facebook/opt-125m"],
      ["gpt-3.5-turbo", "openai", "gpt-3.5-turbo"],
      ["claude-3", "anthropic", "claude-3-opus-20240229"],
      ["gemini-vision", "vertex", "gemini-1.0-pro-vision-001"],
      ["gemini-vision", "vertex", "gemini-1.0-pro-vision-001"],
    ]);
    expect(config.models[0]).toMatchObject({
      apiKey: "azure-key-eu-0000",
      apiBase: "https://my-endpoint-europe-berri-992.openai.azure.com/",
      rpm: 6,
    });
    // aws_region_name wins over the environment's region; the keys come from the environment.
    expect(config.models[3]).toMatchObject({ region: "us-east-1", accessKeyId: "AKIDEXAMPLE" });
    expect(config.models[1]).toMatchObject({ region: "us-west-2" });
    expect(config.models[8]).toMatchObject({
      project: "project-id2",
      location: "us-east",
      credentials: "/etc/secrets/service-account.json",
    });
    expect(config.auth.masterKey).toBe("sk-1234-quickstart");
  });

  it("is read by the in-process SDK's loader too", () => {
    const { config } = loadLibraryConfig(fixture("reliability"), environment);
    expect(config.models.map((model) => model.name)).toEqual(["gpt-3.5-turbo", "gpt-4"]);
    expect(config.router.fallbacks).toEqual({ "gpt-3.5-turbo": ["gpt-4"] });
  });

  it("prints what it mapped and each key it ignored, with the reason", () => {
    const document = parseYaml(readFileSync(fixture("multi-provider"), "utf8"));
    const { notes, problems } = translateLiteLLMConfig(document);
    expect(problems).toEqual([]);
    expect(describeLiteLLMNotes("multi-provider.yaml", notes)).toMatchInlineSnapshot(`
      [
        "Read LiteLLM config multi-provider.yaml:",
        "  mapped  model_list[0]: gpt-4o → azure gpt-4o-eu",
        "  mapped  model_list[1]: bedrock-claude-v1 → bedrock anthropic.claude-instant-v1",
        "  mapped  model_list[2]: gpt-4o → azure gpt-4o-ca",
        "  mapped  model_list[3]: anthropic-claude → bedrock anthropic.claude-instant-v1",
        "  mapped  model_list[4]: vllm-models → openai-compatible facebook/opt-125m (openai/ with an api_base is an OpenAI-compatible server)",
        "  ignored model_list[4].model_info.version: no Switchboard equivalent",
        "  ignored model_list[5]: Switchboard has no catch-all model: list a provider/* entry (e.g. model_name: openai/*, model: openai/*) for each provider callers may name",
        "  mapped  model_list[6]: gpt-3.5-turbo → openai gpt-3.5-turbo",
        "  mapped  model_list[7]: claude-3 → anthropic claude-3-opus-20240229",
        "  mapped  model_list[8]: gemini-vision → vertex gemini-1.0-pro-vision-001",
        "  mapped  model_list[9]: gemini-vision → vertex gemini-1.0-pro-vision-001",
        "  mapped  general_settings.master_key: auth.masterKey",
        "  ignored general_settings.alerting: Switchboard's alerts are the budgetThresholdReached GraphQL subscription; no Slack or email",
        "  mapped  litellm_settings.drop_params: by behaviour: Switchboard's adapters translate each OpenAI parameter for the provider and leave out those it has no field for (OpenAI-compatible servers receive every parameter)",
        "  ignored litellm_settings.success_callback: Switchboard has no callback integrations: every request is in its request log (GraphQL requestLogs and requestLogged), /metrics and OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT)",
      ]
    `);
  });

  it("reads fallbacks, retries, timeouts and cooldowns from router_settings and litellm_settings", () => {
    const config = loadConfig({ configPath: fixture("reliability") }, environment, tmpdir());
    expect(config.router).toMatchObject({
      retries: 3,
      timeoutMs: 10_000,
      fallbacks: { "gpt-3.5-turbo": ["gpt-4"] },
      contextWindowFallbacks: { "gpt-3.5-turbo": ["gpt-4"] },
      contentPolicyFallbacks: { "gpt-4": ["gpt-3.5-turbo"] },
      // LiteLLM cools down when failures exceed allowed_fails (3); Switchboard when they reach 4.
      cooldown: { failures: 4, seconds: 30 },
    });
  });

  it("reads the load-balancing example: strategy, alias, retries, timeout and Redis", () => {
    const config = loadConfig({ configPath: fixture("load-balancing") }, environment, tmpdir());
    expect(config.models.map((model) => model.rpm)).toEqual([6, 6, 1440]);
    expect(config.router).toMatchObject({
      strategy: "simple-shuffle",
      retries: 2,
      timeoutMs: 30_000,
    });
    expect(config.modelAliases).toEqual({ "gpt-4": "gpt-3.5-turbo" });
    expect(config.redis?.url).toBe("redis://:redis-password-0000@redis.internal:1992");
  });

  it("reads keys from the environment, a credential_list entry and the master key", () => {
    const config = loadConfig(
      { configPath: fixture("environment-and-master-key") },
      environment,
      tmpdir(),
    );
    expect(config.auth.masterKey).toBe("sk-master-from-environment");
    expect(
      config.models.find((model) => model.provider === "azure" && model.name === "gpt-4o"),
    ).toMatchObject({
      apiKey: "azure-key-0000",
      apiBase: "https://example-resource.openai.azure.com",
      apiVersion: "2023-05-15",
    });
    const problems = problemsOf(() =>
      loadConfig({ configPath: fixture("environment-and-master-key") }, {}, tmpdir()),
    );
    expect(problems).toContain(
      `${fixture("environment-and-master-key")}: model_list[2].litellm_params.api_key: environment variable AZURE_API_KEY is not set`,
    );
    expect(problems).toContain(
      `${fixture("environment-and-master-key")}: credential_list[0].credential_values.api_base: environment variable AZURE_API_BASE is not set`,
    );
    expect(problems).toContain(
      `${fixture("environment-and-master-key")}: general_settings.master_key: environment variable LITELLM_MASTER_KEY is not set`,
    );
  });

  it("lists every problem of a bad config at once, each with its LiteLLM key path", () => {
    const file = fixture("problems");
    const problems = problemsOf(() =>
      loadConfig({ configPath: file }, { OPENAI_API_KEY: "sk-openai-0000" }, tmpdir()),
    ).map((problem) => problem.slice(file.length + 2));
    expect(problems).toEqual([
      expect.stringMatching(
        /^model_list\[1\]\.litellm_params\.model: unknown provider prefix "mistralai": Switchboard maps openai\/, azure\//,
      ),
      expect.stringMatching(
        /^model_list\[2\]\.litellm_params\.model: "text-completion-openai\/" calls the legacy text completions API/,
      ),
      'model_list[3].litellm_params.rpm: expected a number, got "six"',
      "model_list[4].model_name: missing: the name clients send as model",
      expect.stringMatching(
        /^router_settings\.routing_strategy: unknown routing strategy "round-robin"/,
      ),
      'router_settings.fallbacks: expected a list of maps, e.g. [{"gpt-4o": ["claude-sonnet"]}]',
      "model_list[0].litellm_params.api_key: environment variable UNSET_OPENAI_KEY is not set",
      "general_settings.master_key: the master key must be at least 8 characters",
      "model_list[0].litellm_params.api_key: Too small: expected string to have >=1 characters",
      'model_list[0].litellm_params.api_key: the openai provider needs an apiKey (e.g. "${OPENAI_API_KEY}")',
      "model_list[3].litellm_params.api_base: Invalid URL",
      "router_settings.context_window_fallbacks[0].gpt-3.5-turbo[0]: 'gpt-4-32k' is not a model name in models[]",
    ]);
    // convert-config checks the same (but the environment's values) and prints no YAML.
    const { code, yaml, errors } = convert(file);
    expect(code).toBe(78);
    expect(yaml).toBe("");
    expect(errors).toContain("model_list[1].litellm_params.model: unknown provider prefix");
    expect(errors).not.toContain("UNSET_OPENAI_KEY is not set");
  });
});
