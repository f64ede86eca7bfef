import { GatewayError } from "../../errors.ts";
import type { EmbeddingRequest } from "../../spec.ts";
import { geminiBatchEmbedResponseSchema } from "./gemini-api.ts";

/**
 * How one Google API takes embedding requests: which operation, how many inputs per call, the
 * body for a batch, and the vectors (and token count, when reported) of its answer. Gemini's
 * batchEmbedContents and Vertex AI's predict differ only in these.
 */
export interface GoogleEmbeddingsWire {
  /** The model's operation, appended to `…/models/{model}:`. */
  operation: string;
  maxInputsPerCall(model: string): number;
  body(inputs: string[], options: { model: string; dimensions?: number }): unknown;
  /** The vectors in input order and the prompt tokens (undefined when the API reports none), or undefined when `json` is not an answer. */
  read(
    json: unknown,
    inputs: string[],
  ): { vectors: number[][]; promptTokens: number | undefined } | undefined;
}

/**
 * Gemini's `POST /v1beta/models/{model}:batchEmbedContents`, at most 100 inputs a call:
 * `{requests: [{model: "models/{model}", content: {parts: [{text}]}, outputDimensionality?}]}` →
 * `{embeddings: [{values}]}`. The API reports no token counts, so the answer has no usage and
 * the gateway estimates it (and flags the request log as estimated).
 * Reference: https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
export const geminiEmbeddingsWire: GoogleEmbeddingsWire = {
  operation: "batchEmbedContents",
  maxInputsPerCall: () => 100,
  body: (inputs, { model, dimensions }) => ({
    requests: inputs.map((text) => ({
      model: `models/${model.replace(/^models\//, "")}`,
      content: { parts: [{ text }] },
      ...(dimensions ? { outputDimensionality: dimensions } : {}),
    })),
  }),
  read(json, inputs) {
    const parsed = geminiBatchEmbedResponseSchema.safeParse(json);
    if (!parsed.success || parsed.data.embeddings.length !== inputs.length) return undefined;
    return {
      vectors: parsed.data.embeddings.map((embedding) => embedding.values),
      promptTokens: undefined,
    };
  },
};

/**
 * The inputs of an OpenAI embeddings request as a list of strings. Token-array inputs (OpenAI
 * tokenizer ids) mean nothing to Google's models and `encoding_format: "base64"` would change
 * the answer's shape: both are rejected. `dimensions` becomes outputDimensionality;
 * `user` and `metadata` are not sent.
 */
export function embeddingInputsOf(request: EmbeddingRequest, provider: string): string[] {
  if (request.encoding_format === "base64")
    throw new GatewayError(
      "BAD_REQUEST",
      `${provider} does not support encoding_format base64 (only float)`,
      { param: "encoding_format" },
    );
  const inputs = typeof request.input === "string" ? [request.input] : request.input;
  if (
    !Array.isArray(inputs) ||
    inputs.length === 0 ||
    !inputs.every((input) => typeof input === "string")
  ) {
    throw new GatewayError(
      "BAD_REQUEST",
      `${provider} embeddings take a string or a list of strings (token-array inputs are not supported)`,
      { param: "input" },
    );
  }
  return inputs as string[];
}
