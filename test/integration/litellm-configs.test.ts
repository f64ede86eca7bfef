import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { startTestApp } from "../support/start-app.ts";

/*
 * LiteLLM's documented configs (test/fixtures/litellm) start a gateway: every provider entry
 * builds its adapter and the models are served. No request goes upstream (the endpoints are the
 * documentation's); the e2e test serves a request through a LiteLLM config.
 */

const fixtures = path.resolve(import.meta.dirname, "../fixtures/litellm");

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

describe("LiteLLM's documented configs start", () => {
  it.each([
    [
      "multi-provider",
      [
        "gpt-4o",
        "bedrock-claude-v1",
        "anthropic-claude",
        "vllm-models",
        "gpt-3.5-turbo",
        "claude-3",
        "gemini-vision",
      ],
    ],
    ["reliability", ["gpt-3.5-turbo", "gpt-4"]],
    ["load-balancing", ["gpt-3.5-turbo"]],
    [
      "environment-and-master-key",
      ["sagemaker-embeddings", "amazon-embeddings", "azure-embeddings", "gpt-4o"],
    ],
  ])("%s serves its models", async (name, served) => {
    // The load-balancing example's Redis host is the documentation's (its mapping is unit-tested).
    const { redis: _documentationRedis, ...config } = loadConfig(
      { configPath: path.join(fixtures, `${name}.yaml`) },
      environment,
      tmpdir(),
    );
    const app = await startTestApp({ ...config, logging: { level: "error" } });
    try {
      const response = await fetch(`${app.url}/v1/models`, {
        headers: config.auth.masterKey ? { authorization: `Bearer ${config.auth.masterKey}` } : {},
      });
      expect(response.status).toBe(200);
      const { data } = (await response.json()) as { data: Array<{ id: string }> };
      expect(data.map((model) => model.id)).toEqual(expect.arrayContaining(served));
    } finally {
      await app.stop();
    }
  });
});
