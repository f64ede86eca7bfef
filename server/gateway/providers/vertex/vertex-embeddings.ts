import { estimateTokens } from "../../tokens.ts";
import type { GoogleEmbeddingsWire } from "../gemini/gemini-embeddings.ts";
import { vertexPredictEmbeddingsResponseSchema } from "./vertex-api.ts";

/**
 * Vertex AI's text embeddings: `POST …/publishers/google/models/{model}:predict` with
 * `{instances: [{content}], parameters: {outputDimensionality?}}` → `{predictions: [{embeddings:
 * {values, statistics: {token_count, truncated}}}]}`; usage is the sum of token_count (estimated
 * for a prediction without one). text-embedding-* and text-multilingual-embedding-* take up to
 * 250 instances a call; gemini-embedding-* models take one, so those inputs go one call each.
 * Reference: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api
 */
export const vertexEmbeddingsWire: GoogleEmbeddingsWire = {
  operation: "predict",
  maxInputsPerCall: (model) => (/(^|\/)gemini-embedding/.test(model) ? 1 : 250),
  body: (inputs, { dimensions }) => ({
    instances: inputs.map((content) => ({ content })),
    ...(dimensions ? { parameters: { outputDimensionality: dimensions } } : {}),
  }),
  read(json, inputs) {
    const parsed = vertexPredictEmbeddingsResponseSchema.safeParse(json);
    if (!parsed.success || parsed.data.predictions.length !== inputs.length) return undefined;
    const { predictions } = parsed.data;
    return {
      vectors: predictions.map((prediction) => prediction.embeddings.values),
      promptTokens: predictions.reduce(
        (sum, prediction, index) =>
          sum + (prediction.embeddings.statistics?.token_count ?? estimateTokens(inputs[index])),
        0,
      ),
    };
  },
};
