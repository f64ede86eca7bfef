import { builder } from "../../graphql/builder.ts";
import { completionContextOf } from "../../graphql/context.ts";
import { errorTypes, toErrorResult, type ErrorResult } from "../../graphql/errors.ts";
import type { EmbeddingResult } from "../completions/completions.service.ts";

const EmbeddingInput = builder.inputType("EmbeddingInput", {
  description: "OpenAI's embeddings request in camelCase: one vector per input string.",
  fields: (t) => ({
    model: t.string({ required: true }),
    input: t.stringList({ required: true, description: "The texts to embed (1 to 2048)." }),
    dimensions: t.int({
      description:
        "Shorter vectors, where the model supports it (OpenAI text-embedding-3, Titan v2, Gemini, Vertex).",
    }),
    user: t.string(),
    metadata: t.field({
      type: "JSON",
      description: "Free-form tags kept with the request log; not sent to the provider.",
    }),
  }),
});

const Embedding = builder.objectRef<{ index: number; vector: number[] }>("Embedding").implement({
  fields: (t) => ({
    index: t.exposeInt("index", { description: "Which input this vector belongs to." }),
    vector: t.exposeFloatList("vector"),
  }),
});

const EmbeddingUsage = builder
  .objectRef<{ promptTokens: number; totalTokens: number; estimated: boolean }>("EmbeddingUsage")
  .implement({
    fields: (t) => ({
      promptTokens: t.exposeInt("promptTokens"),
      totalTokens: t.exposeInt("totalTokens"),
      estimated: t.exposeBoolean("estimated", {
        description:
          "True when the provider reports no token count (the Gemini API) and the gateway estimated it.",
      }),
    }),
  });

const Embeddings = builder.objectRef<EmbeddingResult>("Embeddings").implement({
  description: "OpenAI's embeddings list in camelCase, plus where it was served and what it cost.",
  isTypeOf: (value) => (value as Partial<ErrorResult>).typename === undefined,
  fields: (t) => ({
    requestId: t.exposeID("requestId"),
    model: t.string({ resolve: (result) => result.response.model }),
    data: t.field({
      type: [Embedding],
      // GraphQL never asks for base64, so the vectors are floats.
      resolve: (result) =>
        result.response.data.map((entry) => ({
          index: entry.index,
          vector: entry.embedding as number[],
        })),
    }),
    usage: t.field({
      type: EmbeddingUsage,
      resolve: (result) => ({
        promptTokens: result.charge.promptTokens,
        totalTokens: result.charge.promptTokens,
        estimated: result.charge.usageEstimated,
      }),
    }),
    provider: t.string({ resolve: (result) => result.deployment.provider }),
    deployment: t.string({ resolve: (result) => result.deployment.id }),
    attempts: t.exposeInt("attempts", {
      description:
        "Upstream attempts it took (retries and fallbacks included); 1 when the first deployment answered.",
    }),
    costUsd: t.field({ type: "Usd", resolve: (result) => result.charge.costNanoUsd }),
    latencyMs: t.exposeInt("latencyMs"),
  }),
});

const CreateEmbeddingResult = builder.unionType("CreateEmbeddingResult", {
  types: [Embeddings, ...errorTypes],
});

builder.mutationField("createEmbedding", (t) =>
  t.field({
    type: CreateEmbeddingResult,
    args: { input: t.arg({ type: EmbeddingInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const body = {
        model: input.model,
        input: input.input,
        ...(input.dimensions != null ? { dimensions: input.dimensions } : {}),
        ...(input.user != null ? { user: input.user } : {}),
        ...(input.metadata != null ? { metadata: input.metadata } : {}),
      };
      try {
        return await context.services.completions.embed(
          body,
          completionContextOf(context, "graphql"),
        );
      } catch (error) {
        return toErrorResult(error);
      }
    },
  }),
);
