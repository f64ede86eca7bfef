import type { EmbeddingResponse } from "./spec.ts";

/**
 * `encoding_format: "base64"` — what the official OpenAI SDKs ask for by default — as the
 * gateway's own step: adapters always return float vectors, and the gateway encodes them when
 * the caller asked, so every provider serves SDK callers, not only those that encode natively.
 * The encoding is OpenAI's: the vector's float32 values, little-endian, base64.
 */
export function encodeEmbeddingsAsBase64(response: EmbeddingResponse): EmbeddingResponse {
  return {
    ...response,
    data: response.data.map((entry) =>
      typeof entry.embedding === "string"
        ? entry
        : {
            ...entry,
            embedding: Buffer.from(new Float32Array(entry.embedding).buffer).toString("base64"),
          },
    ),
  };
}
