import { z } from "zod";
import { GatewayError } from "./errors.ts";
import type { EmbeddingRequest } from "./spec.ts";

/**
 * Checks an embeddings request before anything is spent on it: a model, and an input that is
 * a non-empty string, a non-empty list of them, or OpenAI's token arrays (which only OpenAI-format
 * providers accept; the others reject them by name). Unknown fields pass through.
 * Reference: https://platform.openai.com/docs/api-reference/embeddings/create
 */
const embeddingRequestSchema = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model must not be empty"),
  input: z.union(
    [
      z.string().min(1, "input must not be empty"),
      z
        .array(z.string().min(1, "input must not contain empty strings"))
        .min(1, "input must contain at least one item")
        .max(2048, "input may hold at most 2048 items"),
      z.array(z.int()).min(1),
      z.array(z.array(z.int()).min(1)).min(1).max(2048),
    ],
    { error: "input must be a string, an array of strings, or an array of token arrays" },
  ),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.int().positive().optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

/** Returns the request typed, or throws GatewayError("BAD_REQUEST") naming the first bad field. */
export function validateEmbeddingRequest(body: unknown): EmbeddingRequest {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new GatewayError(
      "BAD_REQUEST",
      "The request body must be a JSON object with model and input.",
    );
  }
  const result = embeddingRequestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join(".") || undefined;
    throw new GatewayError(
      "BAD_REQUEST",
      param ? `Invalid ${param}: ${issue.message}` : issue.message,
      { param },
    );
  }
  return result.data as EmbeddingRequest;
}
