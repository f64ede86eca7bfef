import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConfigError, createGateway } from "../../server/index.ts";
import {
  defaultMockContent,
  type MockUpstream,
  readOpenAIFixture,
  startMockOpenAIUpstream,
} from "../support/mock-openai-upstream.ts";
import { startTestApp } from "../support/start-app.ts";
import { testDatabaseUrl } from "../support/test-database.ts";

/*
 * How the SDK is configured — a YAML path, an object, or nothing but the environment — and
 * what it leaves behind: nothing without a database, the server's request log with one.
 */

const messages = [{ role: "user" as const, content: "Say hello" }];

/** A model entry served by the mock upstream, typed as the SDK's config object wants it. */
function mockModel(
  baseUrl: string,
  name: string,
  extra: { pricing?: { inputPerMillion: number; outputPerMillion: number } } = {},
) {
  return {
    name,
    provider: "openai" as const,
    model: name,
    apiKey: "sk-upstream-test",
    apiBase: baseUrl,
    ...extra,
  };
}

describe("createGateway: configuration and storage", () => {
  let upstream: MockUpstream;
  let directory: string;
  let originalDirectory: string;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
  });
  beforeEach(() => {
    // Each case runs in its own empty working directory, so anything the SDK creates is seen.
    originalDirectory = process.cwd();
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-sdk-"));
    process.chdir(directory);
  });
  afterEach(() => {
    process.chdir(originalDirectory);
    rmSync(directory, { recursive: true, force: true });
  });

  it("reads a YAML file by a relative path, with ${VAR} from the environment", async () => {
    writeFileSync(
      "switchboard.sdk.yaml",
      [
        "models:",
        "  - name: assistant",
        "    provider: openai",
        "    model: gpt-4o-mini",
        '    apiKey: "${SDK_TEST_KEY}"',
        '    apiBase: "${SDK_TEST_BASE}"',
        "router:",
        "  retries: 0",
      ].join("\n"),
    );
    const gateway = createGateway("switchboard.sdk.yaml", {
      environment: { SDK_TEST_KEY: "sk-from-environment", SDK_TEST_BASE: upstream.baseUrl },
    });
    try {
      const completion = await gateway.completion({ model: "assistant", messages });
      expect(completion.choices[0].message.content).toBe(defaultMockContent);
      expect(upstream.requests.at(-1)!.headers.authorization).toBe("Bearer sk-from-environment");
    } finally {
      await gateway.close();
    }
  });

  it("lists every problem of a file or an object in one ConfigError naming the source and the field", () => {
    writeFileSync(
      "broken.yaml",
      [
        "models:",
        "  - name: assistant",
        "    provider: openai",
        '    apiKey: "${SDK_TEST_MISSING}"',
        "router:",
        "  retries: many",
      ].join("\n"),
    );
    const fromFile = catchConfigError(() => createGateway("broken.yaml", { environment: {} }));
    const file = path.join(directory, "broken.yaml");
    expect(fromFile.problems).toEqual([
      `${file}: models[0].apiKey: environment variable SDK_TEST_MISSING is not set`,
      `${file}: models[0].apiKey: Too small: expected string to have >=1 characters`,
      `${file}: models[0].apiKey: the openai provider needs an apiKey (e.g. "\${OPENAI_API_KEY}")`,
      `${file}: router.retries: Invalid input: expected number, received string`,
    ]);
    const fromObject = catchConfigError(() =>
      createGateway(
        {
          models: [{ name: "assistant", provider: "anthropic" }],
          router: { strategy: "fastest" as "cost" },
        },
        { environment: {} },
      ),
    );
    expect(fromObject.problems).toEqual([
      'config object: models[0].apiKey: the anthropic provider needs an apiKey (e.g. "${ANTHROPIC_API_KEY}")',
      expect.stringMatching(/^config object: router\.strategy: /),
    ]);
  });

  it("without a config, serves provider/model for each provider key in the environment", async () => {
    const gateway = createGateway(undefined, {
      environment: { OPENAI_API_KEY: "sk-environment-key", OPENAI_BASE_URL: upstream.baseUrl },
    });
    try {
      const completion = await gateway.completion({ model: "openai/gpt-4.1-nano", messages });
      expect(completion.switchboard).toMatchObject({
        model: "openai/gpt-4.1-nano",
        provider: "openai",
        deployment: "openai:gpt-4.1-nano#0",
      });
      expect(upstream.requests.at(-1)!).toMatchObject({
        headers: { authorization: "Bearer sk-environment-key" },
        body: { model: "gpt-4.1-nano" },
      });
    } finally {
      await gateway.close();
    }
  });

  it("without a database in the config, stores nothing: no .switchboard folder, nothing in the working directory", async () => {
    const gateway = createGateway({ models: [mockModel(upstream.baseUrl, "assistant")] });
    await gateway.completion({ model: "assistant", messages });
    await gateway.close();
    expect(existsSync(path.join(directory, ".switchboard"))).toBe(false);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("with a database, logs each request there (source sdk), and the server on that database shows the spend", async () => {
    // The database the server started below on this directory opens (a file, or on PostgreSQL a database).
    const databaseUrl = await testDatabaseUrl(directory);
    const model = mockModel(upstream.baseUrl, "assistant", {
      pricing: { inputPerMillion: 2.5, outputPerMillion: 10 },
    });
    const gateway = createGateway({
      database: { url: databaseUrl },
      models: [model],
      router: { retries: 0 },
    });
    const answered = await gateway.completion({ model: "assistant", messages });
    upstream.enqueue({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
    await expect(gateway.completion({ model: "assistant", messages })).rejects.toMatchObject({
      code: "PROVIDER_ERROR",
    });
    await gateway.close();
    await expect(gateway.completion({ model: "assistant", messages })).rejects.toThrow(/closed/);

    const server = await startTestApp({ models: [model] }, {}, { directory });
    try {
      const { data, errors } = await server.graphql<any>(`{
        requestLogs(first: 10) { edges { node { id source status requestedModel deployment costUsd promptTokens completionTokens errorCode } } }
        spend(groupBy: MODEL) { key requests costUsd promptTokens completionTokens }
      }`);
      expect(errors).toBeUndefined();
      const logs = data.requestLogs.edges.map(
        (edge: { node: Record<string, unknown> }) => edge.node,
      );
      expect(logs).toEqual(
        expect.arrayContaining([
          {
            id: answered.switchboard.requestId,
            source: "sdk",
            status: "SUCCESS",
            requestedModel: "assistant",
            deployment: "openai:assistant#0",
            costUsd: "0.0001",
            promptTokens: 12,
            completionTokens: 7,
            errorCode: null,
          },
          expect.objectContaining({
            source: "sdk",
            status: "ERROR",
            errorCode: "PROVIDER_ERROR",
            costUsd: "0",
          }),
        ]),
      );
      expect(logs).toHaveLength(2);
      expect(data.spend).toEqual([
        { key: "assistant", requests: 2, costUsd: "0.0001", promptTokens: 12, completionTokens: 7 },
      ]);
    } finally {
      await server.stop();
    }
  });
});

function catchConfigError(create: () => unknown): ConfigError {
  try {
    create();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}
