import { z } from "zod";

// Vertex AI answers generateContent with Gemini's GenerateContentResponse and errors with the same google.rpc bodies.
export {
  geminiErrorBodySchema as vertexErrorBodySchema,
  geminiResponseSchema as vertexResponseSchema,
  geminiStreamEventSchema as vertexStreamEventSchema,
  geminiUsageSchema as vertexUsageSchema,
  type GeminiErrorBody as VertexErrorBody,
  type GeminiResponse as VertexResponse,
} from "../gemini/gemini-api.ts";

/**
 * `POST …/publishers/google/models/{model}:predict` for text embeddings: one prediction per
 * instance, in order, each with its token count.
 * Reference: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api#response_body
 */
export const vertexPredictEmbeddingsResponseSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z
          .looseObject({ token_count: z.number().nullish(), truncated: z.boolean().nullish() })
          .nullish(),
      }),
    }),
  ),
});
