import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import {
  isLiteLLMConfig,
  translateLiteLLMConfig,
} from "../../server/litellm/read-litellm-config.ts";

/*
 * Each LiteLLM key's translation, on small configs written here. The documented samples, the
 * round trip through convert-config and the problem list are in litellm-config.test.ts.
 */

function translate(yaml: string, options?: { moveLiteralSecrets?: boolean }) {
  return translateLiteLLMConfig(parseYaml(yaml), options);
}

function notesOf(yaml: string): string[] {
  return translate(yaml).notes.map((note) => `${note.outcome} ${note.key}: ${note.detail}`);
}

describe("reading a LiteLLM config", () => {
  it("is detected by a top-level model_list without Switchboard's models", () => {
    expect(isLiteLLMConfig({ model_list: [] })).toBe(true);
    expect(isLiteLLMConfig({ models: [], model_list: [] })).toBe(false);
    expect(isLiteLLMConfig({ models: [] })).toBe(false);
  });

  it.each([
    ["openai/gpt-4o", { provider: "openai", model: "gpt-4o", apiKey: "${OPENAI_API_KEY}" }],
    ["gpt-4o-mini", { provider: "openai", model: "gpt-4o-mini", apiKey: "${OPENAI_API_KEY}" }],
    ["o3-mini", { provider: "openai", model: "o3-mini" }],
    [
      "azure/my-deployment",
      {
        provider: "azure",
        model: "my-deployment",
        apiKey: "${AZURE_API_KEY}",
        apiBase: "${AZURE_API_BASE}",
      },
    ],
    ["anthropic/claude-sonnet-4-5", { provider: "anthropic", model: "claude-sonnet-4-5" }],
    ["claude-3-5-haiku-latest", { provider: "anthropic", apiKey: "${ANTHROPIC_API_KEY}" }],
    [
      "bedrock/anthropic.claude-3-sonnet",
      { provider: "bedrock", model: "anthropic.claude-3-sonnet" },
    ],
    [
      "bedrock/converse/us.amazon.nova-pro-v1:0",
      { provider: "bedrock", model: "us.amazon.nova-pro-v1:0" },
    ],
    ["bedrock/invoke/anthropic.claude-v2", { provider: "bedrock", model: "anthropic.claude-v2" }],
    ["sagemaker/my-endpoint", { provider: "sagemaker", model: "my-endpoint" }],
    ["sagemaker_chat/my-endpoint", { provider: "sagemaker", model: "my-endpoint" }],
    ["vertex_ai/gemini-1.5-pro", { provider: "vertex", model: "gemini-1.5-pro" }],
    ["gemini/gemini-2.0-flash", { provider: "gemini", apiKey: "${GEMINI_API_KEY}" }],
    ["deepseek/deepseek-chat", { provider: "deepseek", apiKey: "${DEEPSEEK_API_KEY}" }],
    ["ollama/llama3", { provider: "ollama", model: "llama3" }],
    ["ollama_chat/llama3", { provider: "ollama", model: "llama3" }],
    [
      "hosted_vllm/facebook/opt-125m",
      {
        provider: "openai-compatible",
        model: "facebook/opt-125m",
        apiBase: "${HOSTED_VLLM_API_BASE}",
      },
    ],
    [
      "groq/llama3-8b-8192",
      {
        provider: "openai-compatible",
        apiBase: "https://api.groq.com/openai/v1",
        apiKey: "${GROQ_API_KEY}",
      },
    ],
    [
      "openrouter/anthropic/claude-3-haiku",
      {
        provider: "openai-compatible",
        model: "anthropic/claude-3-haiku",
        apiKey: "${OPENROUTER_API_KEY}",
      },
    ],
  ])("maps %s", (model, expected) => {
    const { config, problems } = translate(
      `model_list: [{ model_name: m, litellm_params: { model: "${model}" } }]`,
    );
    expect(problems).toEqual([]);
    expect((config.models as unknown[])[0]).toMatchObject({ name: "m", ...expected });
  });

  it("maps openai/ with an api_base to an OpenAI-compatible server, unless it is OpenAI's own", () => {
    const { config } = translate(`
model_list:
  - { model_name: local, litellm_params: { model: openai/llama3, api_base: "http://127.0.0.1:8000/v1" } }
  - { model_name: proxied, litellm_params: { model: openai/gpt-4o, api_base: "https://api.openai.com/v1", api_key: sk-x } }
`);
    expect(config.models).toEqual([
      {
        name: "local",
        provider: "openai-compatible",
        model: "llama3",
        apiBase: "http://127.0.0.1:8000/v1",
      },
      {
        name: "proxied",
        provider: "openai",
        model: "gpt-4o",
        apiBase: "https://api.openai.com/v1",
        apiKey: "sk-x",
      },
    ]);
  });

  it("maps wildcards to provider/* entries; the catch-all * is ignored with a reason", () => {
    const { config, notes } = translate(`
model_list:
  - { model_name: "anthropic/*", litellm_params: { model: "anthropic/*", api_key: os.environ/ANTHROPIC_API_KEY } }
  - { model_name: "*", litellm_params: { model: "openai/*" } }
  - { model_name: "*", litellm_params: { model: "*" } }
`);
    expect(config.models).toEqual([
      { name: "anthropic/*", provider: "anthropic", apiKey: "${ANTHROPIC_API_KEY}" },
      { name: "openai/*", provider: "openai", apiKey: "${OPENAI_API_KEY}" },
    ]);
    expect(notes).toContainEqual({
      key: "model_list[2]",
      outcome: "ignored",
      detail: expect.stringMatching(/^Switchboard has no catch-all model/),
    });
  });

  it("copies each litellm_params field, model_info and the custom prices", () => {
    const { config, problems } = translate(`
model_list:
  - model_name: claude
    litellm_params:
      model: bedrock/anthropic.claude-3-sonnet
      aws_region_name: eu-central-1
      aws_access_key_id: os.environ/AWS_KEY_ID
      aws_secret_access_key: os.environ/AWS_SECRET
      aws_session_token: os.environ/AWS_TOKEN
      rpm: 100
      tpm: 20_000
      weight: 2
      input_cost_per_token: 0.000003
      output_cost_per_token: 0.000015
    model_info:
      max_input_tokens: 200000
      max_output_tokens: 4096
      supports_function_calling: true
      supports_vision: yes
      cache_read_input_token_cost: 3e-7
  - model_name: gemini
    litellm_params:
      model: vertex_ai/gemini-1.5-pro
      vertex_project: my-project
      vertex_location: europe-west4
      vertex_credentials: /etc/secrets/vertex.json
  - model_name: azure
    litellm_params:
      model: azure/gpt-4o
      api_base: https://example.openai.azure.com
      api_version: "2024-10-21"
      azure_ad_token: os.environ/AZURE_AD_TOKEN
    tpm: 1000
    rpm: 10
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_key: os.environ/OPENAI_API_KEY }
    model_info: { mode: embedding, supports_response_schema: false }
`);
    expect(problems).toEqual([]);
    expect(config.models).toEqual([
      {
        name: "claude",
        provider: "bedrock",
        model: "anthropic.claude-3-sonnet",
        region: "eu-central-1",
        accessKeyId: "${AWS_KEY_ID}",
        secretAccessKey: "${AWS_SECRET}",
        sessionToken: "${AWS_TOKEN}",
        rpm: 100,
        tpm: 20000,
        weight: 2,
        contextWindow: 200000,
        maxOutputTokens: 4096,
        capabilities: { tools: true, vision: true },
        pricing: { inputPerMillion: 3, outputPerMillion: 15, cachedInputPerMillion: 0.3 },
      },
      {
        name: "gemini",
        provider: "vertex",
        model: "gemini-1.5-pro",
        project: "my-project",
        location: "europe-west4",
        credentials: "/etc/secrets/vertex.json",
      },
      {
        name: "azure",
        provider: "azure",
        model: "gpt-4o",
        apiBase: "https://example.openai.azure.com",
        apiVersion: "2024-10-21",
        azureAdToken: "${AZURE_AD_TOKEN}",
        apiKey: "${AZURE_API_KEY}",
        tpm: 1000,
        rpm: 10,
      },
      {
        name: "embed",
        provider: "openai",
        model: "text-embedding-3-small",
        apiKey: "${OPENAI_API_KEY}",
        capabilities: { jsonSchema: false, embeddings: true },
      },
    ]);
  });

  it("notes each litellm_params and model_info key it leaves out, with the reason", () => {
    expect(
      notesOf(`
model_list:
  - model_name: gpt
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-x
      temperature: 0.2
      timeout: 5
      max_retries: 4
      organization: org-1
      api_version: "2024-01-01"
      input_cost_per_token: 0.000001
    model_info: { id: my-id, base_model: azure/gpt-4o, mode: completion }
`).filter((note) => note.startsWith("ignored")),
    ).toEqual([
      "ignored model_list[0].litellm_params.temperature: a default request parameter: Switchboard sends each request's parameters as the caller gave them, with no per-model defaults",
      "ignored model_list[0].litellm_params.timeout: per-model timeouts: Switchboard's are router-wide (router.timeoutMs, attemptTimeoutMs; see router_settings.timeout)",
      "ignored model_list[0].litellm_params.max_retries: retries are router-wide in Switchboard (router.retries, from num_retries)",
      "ignored model_list[0].litellm_params.organization: Switchboard sends no OpenAI-Organization header per model",
      "ignored model_list[0].litellm_params.api_version: means nothing to Switchboard's openai provider (it is for azure)",
      "ignored model_list[0].litellm_params.input_cost_per_token: Switchboard's pricing needs both input_cost_per_token and output_cost_per_token; the bundled prices apply",
      "ignored model_list[0].model_info.id: Switchboard names deployments itself (provider:model#n)",
      expect.stringMatching(
        /^ignored model_list\[0\]\.model_info\.base_model: Switchboard looks prices up by the upstream model id/,
      ),
      "ignored model_list[0].model_info.mode: Switchboard serves chat completions and embeddings",
    ]);
  });

  it("maps router_settings, and litellm_settings' router keys when router_settings does not set them", () => {
    const { config, notes } = translate(`
model_list:
  - { model_name: a, litellm_params: { model: openai/gpt-4o } }
  - { model_name: b, litellm_params: { model: openai/gpt-4o-mini } }
  - { model_name: c, litellm_params: { model: anthropic/claude-3-5-haiku-latest } }
router_settings:
  routing_strategy: usage-based-routing-v2
  num_retries: 4
  timeout: 45.5
  stream_timeout: 20
  fallbacks: [{"a": ["b"]}, {"b": ["c"]}, {"a": ["c"]}]
  model_group_alias: {"gpt-4": "a", "gpt-4-hidden": {"model": "b", "hidden": true}}
  redis_url: os.environ/REDIS_URL
  enable_pre_call_checks: true
litellm_settings:
  num_retries: 9
  context_window_fallbacks: [{"b": ["a"]}]
  allowed_fails: 0
  cooldown_time: 5
`);
    expect(config.router).toEqual({
      strategy: "usage",
      retries: 4,
      timeoutMs: 45_500,
      firstTokenTimeoutMs: 20_000,
      streamIdleTimeoutMs: 20_000,
      fallbacks: { a: ["b", "c"], b: ["c"] },
      contextWindowFallbacks: { b: ["a"] },
      cooldown: { failures: 1, seconds: 5 },
    });
    expect(config.modelAliases).toEqual({ "gpt-4": "a", "gpt-4-hidden": "b" });
    expect(config.redis).toEqual({ url: "${REDIS_URL}" });
    expect(notes).toContainEqual({
      key: "litellm_settings.num_retries",
      outcome: "ignored",
      detail: "router_settings.num_retries is used (it wins in LiteLLM too)",
    });
    expect(notes).toContainEqual(
      expect.objectContaining({
        key: "router_settings.enable_pre_call_checks",
        outcome: "ignored",
      }),
    );
    expect(notes).toContainEqual(
      expect.objectContaining({
        key: "router_settings.model_group_alias.gpt-4-hidden.hidden",
        outcome: "ignored",
      }),
    );
  });

  it.each([
    ["simple-shuffle", "simple-shuffle"],
    ["least-busy", "least-busy"],
    ["usage-based-routing", "usage"],
    ["latency-based-routing", "latency"],
    ["cost-based-routing", "cost"],
  ])("maps routing_strategy %s to %s", (litellm, switchboard) => {
    const { config } = translate(
      `model_list: []\nrouter_settings: { routing_strategy: ${litellm} }`,
    );
    expect(config.router).toEqual({ strategy: switchboard });
  });

  it("maps general_settings' master key and a PostgreSQL database_url; the rest is noted", () => {
    const { config, notes } = translate(`
model_list: []
general_settings:
  master_key: os.environ/LITELLM_MASTER_KEY
  database_url: postgresql://litellm:secret@db:5432/litellm
  store_model_in_db: true
  proxy_batch_write_at: 60
litellm_settings:
  drop_params: true
  cache: true
  callbacks: ["otel"]
environment_variables: { REDIS_HOST: localhost }
guardrails: []
`);
    expect(config.auth).toEqual({ masterKey: "${LITELLM_MASTER_KEY}" });
    expect(config.database).toEqual({ url: "postgresql://litellm:secret@db:5432/litellm" });
    expect(notes.map((note) => `${note.outcome} ${note.key}`)).toEqual([
      "mapped general_settings.master_key",
      "mapped general_settings.database_url",
      "ignored general_settings.store_model_in_db",
      "ignored general_settings.proxy_batch_write_at",
      "mapped litellm_settings.drop_params",
      "ignored litellm_settings.cache",
      "ignored litellm_settings.callbacks",
      "ignored environment_variables",
      "ignored guardrails",
    ]);
    const sqlite = translate(
      `model_list: []\ngeneral_settings: { database_url: "file:./litellm.db" }`,
    );
    expect(sqlite.config.database).toBeUndefined();
  });

  it("when converting, writes literal secrets as variables to set and keeps short placeholders", () => {
    const { config, movedSecrets } = translate(
      `
model_list:
  - { model_name: gpt-4o, litellm_params: { model: openai/gpt-4o, api_key: sk-proj-0123456789abcdef } }
  - { model_name: gpt-4o, litellm_params: { model: azure/gpt-4o, api_base: "https://x.openai.azure.com", api_key: 0123456789abcdef } }
  - { model_name: local, litellm_params: { model: openai/llama3, api_base: "http://127.0.0.1:8000/v1", api_key: none } }
  - { model_name: from-environment, litellm_params: { model: openai/gpt-4o, api_key: os.environ/MY_KEY } }
general_settings:
  master_key: sk-master-0123456789
  database_url: postgresql://litellm:secret@db:5432/litellm
`,
      { moveLiteralSecrets: true },
    );
    expect((config.models as Array<{ apiKey: string }>).map((model) => model.apiKey)).toEqual([
      "${GPT_4O_API_KEY}",
      "${GPT_4O_API_KEY_2}",
      "none",
      "${MY_KEY}",
    ]);
    expect(config.auth).toEqual({ masterKey: "${SWITCHBOARD_MASTER_KEY}" });
    expect(config.database).toEqual({ url: "${DATABASE_URL}" });
    expect(movedSecrets).toEqual([
      { variable: "GPT_4O_API_KEY", key: "model_list[0].litellm_params.api_key" },
      { variable: "GPT_4O_API_KEY_2", key: "model_list[1].litellm_params.api_key" },
      { variable: "SWITCHBOARD_MASTER_KEY", key: "general_settings.master_key" },
      { variable: "DATABASE_URL", key: "general_settings.database_url" },
    ]);
  });

  it("reports malformed entries and settings with their key paths, and keeps the rest", () => {
    const { config, problems } = translate(`
model_list:
  - just-a-string
  - { model_name: ok, litellm_params: { model: openai/gpt-4o } }
  - { model_name: no-params }
  - { model_name: cohere, litellm_params: { model: cohere/command-r } }
  - { model_name: claude-on-vertex, litellm_params: { model: vertex_ai/claude-3-5-sonnet } }
  - { model_name: bare, litellm_params: { model: llama3 } }
  - { model_name: credential, litellm_params: { model: azure/x, litellm_credential_name: missing } }
  - { model_name: inline-json, litellm_params: { model: vertex_ai/gemini-1.5-pro, vertex_credentials: '{"type": "service_account"}' } }
router_settings:
  fallbacks: [{"ok": ["cohere"]}, "not-a-map"]
  cooldown_time: soon
general_settings: [not, a, mapping]
include: [other.yaml]
`);
    expect((config.models as Array<{ name: string }>).map((model) => model.name)).toEqual([
      "ok",
      "credential",
      "inline-json",
    ]);
    // The fallback to a model already reported is dropped, not reported again.
    expect((config.router as { fallbacks: unknown }).fallbacks).toEqual({ ok: [] });
    expect(problems.map((problem) => problem.key)).toEqual([
      "model_list[0]",
      "model_list[2].litellm_params",
      "model_list[3].litellm_params.model",
      "model_list[4].litellm_params.model",
      "model_list[5].litellm_params.model",
      "model_list[6].litellm_params.litellm_credential_name",
      "model_list[7].litellm_params.vertex_credentials",
      "general_settings",
      "router_settings.fallbacks[1]",
      "router_settings.cooldown_time",
      "include",
    ]);
    expect(problems[2].message).toMatch(/^unknown provider prefix "cohere"/);
    expect(problems[3].message).toMatch(/vertex provider calls Google's own models/);
    expect(problems[4].message).toMatch(/^no provider prefix in "llama3"/);
  });
});
