import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../server/config.ts";

function writeConfig(text: string): { directory: string; file: string } {
  const directory = mkdtempSync(path.join(tmpdir(), "switchboard-config-"));
  const file = path.join(directory, "switchboard.yaml");
  writeFileSync(file, text);
  return { directory, file };
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

describe("loadConfig", () => {
  it("applies defaults and substitutes ${ENV} values", () => {
    const { file, directory } = writeConfig(`
models:
  - name: gpt-4o
    provider: openai
    apiKey: "\${TEST_OPENAI_KEY}"
    apiBase: "\${TEST_BASE:-http://127.0.0.1:9/v1}"
`);
    const config = loadConfig({ configPath: file }, { TEST_OPENAI_KEY: "sk-test" }, directory);
    expect(config.server).toEqual({ host: "127.0.0.1", port: 4000, corsOrigins: [] });
    expect(config.database.url).toBe("file:./.switchboard/switchboard.db");
    expect(config.models[0]).toMatchObject({
      name: "gpt-4o",
      provider: "openai",
      apiKey: "sk-test",
      apiBase: "http://127.0.0.1:9/v1",
      weight: 1,
    });
    expect(config.router).toMatchObject({
      strategy: "simple-shuffle",
      retries: 2,
      cooldown: { failures: 3, seconds: 30 },
    });
  });

  it("lists every problem at once, each with the file and the field", () => {
    const { file, directory } = writeConfig(`
server: { port: "eighty" }
colour: blue
models:
  - name: a
    provider: not-a-provider
  - name: b
    provider: openai
    apiKey: "\${MISSING_SECRET}"
    rpm: -5
  - name: c
    provider: openai-compatible
`);
    const problems = problemsOf(() => loadConfig({ configPath: file }, {}, directory));
    const text = problems.join("\n");
    expect(text).toContain(
      `${file}: models[1].apiKey: environment variable MISSING_SECRET is not set`,
    );
    expect(text).toMatch(/server\.port: .*number/);
    expect(text).toMatch(/\(root\): Unrecognized key.*colour/);
    expect(text).toMatch(/models\[0\]\.provider: Invalid option/);
    expect(text).toMatch(/models\[1\]\.rpm: /);
    expect(text).toMatch(/models\[2\]\.apiBase: the openai-compatible provider needs an apiBase/);
    expect(problems.length).toBeGreaterThanOrEqual(6);
  });

  it("refuses a non-loopback host without a master key, and allows it with one", () => {
    const problems = problemsOf(() => loadConfig({ host: "0.0.0.0" }, {}, tmpdir()));
    expect(problems[0]).toMatch(/refusing to listen on 0\.0\.0\.0 without a master key/);
    const config = loadConfig(
      { host: "0.0.0.0" },
      { SWITCHBOARD_MASTER_KEY: "sk-master-123" },
      mkdtempSync(path.join(tmpdir(), "switchboard-empty-")),
    );
    expect(config.auth.masterKey).toBe("sk-master-123");
  });

  it("takes SWITCHBOARD_MASTER_KEY with a config file too, unless the file sets its own key", () => {
    const environment = { SWITCHBOARD_MASTER_KEY: "sk-master-from-env" };
    const plain = writeConfig("models: []\n");
    expect(
      loadConfig({ configPath: plain.file }, environment, plain.directory).auth.masterKey,
    ).toBe("sk-master-from-env");
    // The environment's key also lets a file-configured server listen beyond loopback.
    expect(
      loadConfig({ configPath: plain.file, host: "0.0.0.0" }, environment, plain.directory).auth
        .masterKey,
    ).toBe("sk-master-from-env");
    const empty = writeConfig('auth: { masterKey: "${UNSET_KEY:-}" }\n');
    expect(
      loadConfig({ configPath: empty.file }, environment, empty.directory).auth.masterKey,
    ).toBe("sk-master-from-env");
    const own = writeConfig("auth: { masterKey: sk-master-in-file }\n");
    expect(loadConfig({ configPath: own.file }, environment, own.directory).auth.masterKey).toBe(
      "sk-master-in-file",
    );
    expect(loadConfig({ configPath: plain.file }, {}, plain.directory).auth.masterKey).toBe(
      undefined,
    );
  });

  it("detects provider keys in the environment when there is no config file", () => {
    const config = loadConfig(
      {},
      { OPENAI_API_KEY: "sk-env" },
      mkdtempSync(path.join(tmpdir(), "switchboard-empty-")),
    );
    expect(config.models).toEqual([
      expect.objectContaining({ name: "openai/*", provider: "openai", apiKey: "sk-env" }),
    ]);
  });

  it("builds a one-model proxy from --model, --api-key and --api-base", () => {
    const directory = mkdtempSync(path.join(tmpdir(), "switchboard-empty-"));
    const openai = loadConfig(
      { model: "openai/gpt-4o", apiKey: "sk-cli" },
      { OPENAI_API_KEY: "sk-env" },
      directory,
    );
    expect(openai.models).toEqual([
      expect.objectContaining({
        name: "gpt-4o",
        provider: "openai",
        model: "gpt-4o",
        apiKey: "sk-cli",
      }),
    ]);
    const compatible = loadConfig(
      { model: "llama3", apiBase: "http://127.0.0.1:8000/v1" },
      {},
      directory,
    );
    expect(compatible.models).toEqual([
      expect.objectContaining({
        name: "llama3",
        provider: "openai-compatible",
        apiBase: "http://127.0.0.1:8000/v1",
      }),
    ]);
    expect(problemsOf(() => loadConfig({ model: "openai/gpt-4o" }, {}, directory)).join()).toMatch(
      /models\[0\]\.apiKey: the openai provider needs an apiKey/,
    );
  });

  it("names the file when the YAML cannot be parsed", () => {
    const { file, directory } = writeConfig("models: [unclosed");
    expect(problemsOf(() => loadConfig({ configPath: file }, {}, directory))[0]).toMatch(
      new RegExp(`${file}: not valid YAML`),
    );
  });
});

describe("provider credentials from the environment", () => {
  const emptyDirectory = () => mkdtempSync(path.join(tmpdir(), "switchboard-noconfig-"));

  it("serves <provider>/* for every provider whose credentials are in the environment", () => {
    const environment = {
      ANTHROPIC_API_KEY: "sk-ant-test",
      GEMINI_API_KEY: "gemini-test-key",
      DEEPSEEK_API_KEY: "sk-deepseek-test",
      AZURE_API_KEY: "azure-test-key",
      AZURE_API_BASE: "https://example.openai.azure.com",
      AWS_ACCESS_KEY_ID: "AKIDTEST",
      AWS_SECRET_ACCESS_KEY: "aws-secret-test",
      AWS_SESSION_TOKEN: "aws-session-test",
      AWS_REGION: "eu-west-1",
      GOOGLE_APPLICATION_CREDENTIALS: "/keys/service-account.json",
      GOOGLE_CLOUD_PROJECT: "my-project",
      OLLAMA_HOST: "127.0.0.1:11434",
    };
    const config = loadConfig({}, environment, emptyDirectory());
    const byName = Object.fromEntries(config.models.map((model) => [model.name, model]));
    expect(Object.keys(byName).sort()).toEqual([
      "anthropic/*",
      "azure/*",
      "bedrock/*",
      "deepseek/*",
      "gemini/*",
      "ollama/*",
      "sagemaker/*",
      "vertex/*",
    ]);
    expect(byName["anthropic/*"]).toMatchObject({ provider: "anthropic", apiKey: "sk-ant-test" });
    expect(byName["azure/*"]).toMatchObject({
      apiKey: "azure-test-key",
      apiBase: "https://example.openai.azure.com",
    });
    expect(byName["bedrock/*"]).toMatchObject({
      region: "eu-west-1",
      accessKeyId: "AKIDTEST",
      secretAccessKey: "aws-secret-test",
      sessionToken: "aws-session-test",
    });
    expect(byName["vertex/*"]).toMatchObject({
      project: "my-project",
      credentials: "/keys/service-account.json",
    });
    expect(byName["ollama/*"]).toMatchObject({ apiBase: "http://127.0.0.1:11434" });
  });

  it("fills AWS fields a config entry leaves out from the environment, but keeps its own key pair's session", () => {
    const { file, directory } = writeConfig(`
models:
  - { name: claude, provider: bedrock, model: anthropic.claude-3-5-sonnet-20240620-v1:0 }
  - { name: pinned, provider: bedrock, region: us-west-2, accessKeyId: AKIDOWN, secretAccessKey: own-secret }
`);
    const environment = {
      AWS_ACCESS_KEY_ID: "AKIDENV",
      AWS_SECRET_ACCESS_KEY: "env-secret",
      AWS_SESSION_TOKEN: "env-session",
      AWS_DEFAULT_REGION: "us-east-1",
    };
    const [fromEnvironment, pinned] = loadConfig(
      { configPath: file },
      environment,
      directory,
    ).models;
    expect(fromEnvironment).toMatchObject({
      region: "us-east-1",
      accessKeyId: "AKIDENV",
      secretAccessKey: "env-secret",
      sessionToken: "env-session",
    });
    expect(pinned).toMatchObject({
      region: "us-west-2",
      accessKeyId: "AKIDOWN",
      secretAccessKey: "own-secret",
    });
    expect(pinned.sessionToken).toBeUndefined();
  });

  it("names each provider's missing required field", () => {
    const { file, directory } = writeConfig(`
models:
  - { name: a, provider: anthropic }
  - { name: b, provider: bedrock }
  - { name: c, provider: azure }
  - { name: d, provider: vertex }
`);
    const problems = problemsOf(() => loadConfig({ configPath: file }, {}, directory));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /models\[0\]\.apiKey: the anthropic provider needs an apiKey \(e\.g\. "\$\{ANTHROPIC_API_KEY\}"\)/,
        ),
        expect.stringMatching(/models\[1\]\.region: .*AWS_REGION/),
        expect.stringMatching(/models\[1\]\.accessKeyId: /),
        expect.stringMatching(/models\[2\]\.apiBase: the azure provider needs an apiBase/),
        expect.stringMatching(/models\[2\]\.apiKey: /),
        expect.stringMatching(/models\[3\]\.project: /),
        expect.stringMatching(/models\[3\]\.credentials: /),
      ]),
    );
  });

  it("takes --model anthropic/<model> with the key from ANTHROPIC_API_KEY", () => {
    const config = loadConfig(
      { model: "anthropic/claude-sonnet-4-5" },
      { ANTHROPIC_API_KEY: "sk-ant-cli" },
      emptyDirectory(),
    );
    expect(config.models).toEqual([
      expect.objectContaining({
        name: "claude-sonnet-4-5",
        provider: "anthropic",
        model: "claude-sonnet-4-5",
        apiKey: "sk-ant-cli",
      }),
    ]);
  });
});

describe("router fallbacks", () => {
  it("names fallbacks to unknown models and rejects loops at load", () => {
    const { file, directory } = writeConfig(`
models:
  - { name: a, provider: openai, apiKey: k }
  - { name: b, provider: openai, apiKey: k }
  - { name: c, provider: openai, apiKey: k }
router:
  fallbacks: { a: [b], b: [c], c: [a] }
  contextWindowFallbacks: { a: [missing] }
  contentPolicyFallbacks: { b: [b] }
`);
    const problems = problemsOf(() => loadConfig({ configPath: file }, {}, directory));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/router\.fallbacks\.a: fallbacks loop: a → b → c → a/),
        expect.stringMatching(
          /router\.contextWindowFallbacks\.a\.0: 'missing' is not a model name/,
        ),
        expect.stringMatching(/router\.contentPolicyFallbacks\.b: fallbacks loop: b → b/),
      ]),
    );
  });

  it("accepts chains that end", () => {
    const { file, directory } = writeConfig(`
models:
  - { name: a, provider: openai, apiKey: k }
  - { name: b, provider: openai, apiKey: k }
  - { name: c, provider: openai, apiKey: k }
router:
  fallbacks: { a: [b, c], b: [c] }
`);
    expect(loadConfig({ configPath: file }, {}, directory).router.fallbacks).toEqual({
      a: ["b", "c"],
      b: ["c"],
    });
  });

  it("defaults the stream timeouts and takes them from the config", () => {
    const { file, directory } = writeConfig(`
router: { firstTokenTimeoutMs: 5000, streamIdleTimeoutMs: 2000 }
`);
    expect(loadConfig({ configPath: file }, {}, directory).router).toMatchObject({
      firstTokenTimeoutMs: 5000,
      streamIdleTimeoutMs: 2000,
      timeoutMs: 600_000,
    });
    expect(
      loadConfig({ configPath: writeConfig("models: []\n").file }, {}, directory).router,
    ).toMatchObject({ firstTokenTimeoutMs: 120_000, streamIdleTimeoutMs: 60_000 });
  });
});
