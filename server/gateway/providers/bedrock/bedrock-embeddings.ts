import { GatewayError } from "../../errors.ts";
import type { EmbeddingRequest, EmbeddingResponse } from "../../spec.ts";
import { estimateTokens } from "../../tokens.ts";
import { invalidResponseError, type ResponseHeaders } from "../../upstream-errors.ts";
import { cohereEmbeddingResponseSchema, titanEmbeddingResponseSchema } from "./bedrock-api.ts";

/** One InvokeModel call: the checked JSON answer and the response headers. */
export type InvokeModel = <Answer>(
  body: Record<string, unknown>,
  schema: { safeParse(value: unknown): { success: boolean } },
  what: string,
) => Promise<{ answer: Answer; headers: ResponseHeaders }>;

/** Cohere Embed takes at most 96 texts per call. https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed-v3.html */
const cohereTextsPerCall = 96;

/**
 * OpenAI's embeddings request through Bedrock's InvokeModel, by model family:
 * - Titan Text Embeddings (`amazon.titan-embed-text-v1`, `-v2:0`) embed one text per call: one
 *   call per input, all at once, vectors kept in input order, `inputTextTokenCount` summed.
 *   `dimensions` → `dimensions` (v2 accepts 256, 512, 1024).
 * - Cohere Embed (`cohere.embed-english-v3`, `cohere.embed-multilingual-v3`, `cohere.embed-v4:0`)
 *   take up to 96 texts per call with `input_type` (default "search_document"; a caller's
 *   `input_type` and `truncate` pass through). Cohere's body reports no token count: the
 *   `x-amzn-bedrock-input-token-count` header is used when present, else the tokens are
 *   estimated (about 4 characters per token). `dimensions` is rejected (Embed v3 has no such
 *   knob; dropping it would change the vectors' length).
 * Token-array inputs and `encoding_format: "base64"` are rejected: Bedrock takes text and answers floats.
 * Model ids are matched anywhere in the id, so cross-region profiles (`us.cohere…`) and ARNs work.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 */
export async function embedWithBedrock(
  request: EmbeddingRequest,
  { provider, invoke }: { provider: string; invoke: InvokeModel },
): Promise<EmbeddingResponse> {
  const inputs = textInputsOf(request);
  if (request.encoding_format === "base64") {
    throw new GatewayError(
      "BAD_REQUEST",
      'bedrock does not support encoding_format "base64" (it answers float vectors only)',
      { param: "encoding_format" },
    );
  }
  if (request.model.includes("cohere.embed"))
    return embedWithCohere(request, inputs, invoke, provider);
  if (request.model.includes("amazon.titan-embed")) return embedWithTitan(request, inputs, invoke);
  throw new GatewayError(
    "BAD_REQUEST",
    `bedrock embeddings support amazon.titan-embed-* and cohere.embed-* models (got ${request.model})`,
    { param: "model" },
  );
}

async function embedWithTitan(
  request: EmbeddingRequest,
  inputs: string[],
  invoke: InvokeModel,
): Promise<EmbeddingResponse> {
  const answers = await Promise.all(
    inputs.map((inputText) =>
      invoke<{ embedding: number[]; inputTextTokenCount?: number | null }>(
        { inputText, ...(request.dimensions != null ? { dimensions: request.dimensions } : {}) },
        titanEmbeddingResponseSchema,
        "the Titan embeddings response",
      ),
    ),
  );
  const promptTokens = answers.reduce(
    (sum, { answer }, index) => sum + (answer.inputTextTokenCount ?? estimateTokens(inputs[index])),
    0,
  );
  return responseOf(
    request.model,
    answers.map(({ answer }) => answer.embedding),
    promptTokens,
  );
}

async function embedWithCohere(
  request: EmbeddingRequest,
  inputs: string[],
  invoke: InvokeModel,
  provider: string,
): Promise<EmbeddingResponse> {
  if (request.dimensions != null)
    throw new GatewayError(
      "BAD_REQUEST",
      "bedrock's Cohere Embed models do not support dimensions",
      { param: "dimensions" },
    );
  const batches: string[][] = [];
  for (let start = 0; start < inputs.length; start += cohereTextsPerCall)
    batches.push(inputs.slice(start, start + cohereTextsPerCall));
  const options = {
    input_type: request.input_type ?? "search_document",
    ...(request.truncate != null ? { truncate: request.truncate } : {}),
  };
  const answers = await Promise.all(
    batches.map((texts) =>
      invoke<{ embeddings: number[][] | { float: number[][] } }>(
        { texts, ...options },
        cohereEmbeddingResponseSchema,
        "the Cohere embeddings response",
      ),
    ),
  );
  const vectors = answers.flatMap(({ answer }) =>
    Array.isArray(answer.embeddings) ? answer.embeddings : answer.embeddings.float,
  );
  if (vectors.length !== inputs.length)
    throw invalidResponseError(
      provider,
      `${vectors.length} embeddings came back for ${inputs.length} inputs`,
    );
  const promptTokens = answers.reduce(
    (sum, { headers }, index) =>
      sum +
      (tokenCountHeader(headers) ??
        batches[index].reduce((batchSum, text) => batchSum + estimateTokens(text), 0)),
    0,
  );
  return responseOf(request.model, vectors, promptTokens);
}

function textInputsOf(request: EmbeddingRequest): string[] {
  const inputs = typeof request.input === "string" ? [request.input] : request.input;
  if (
    !Array.isArray(inputs) ||
    inputs.length === 0 ||
    !inputs.every((input) => typeof input === "string")
  ) {
    throw new GatewayError(
      "BAD_REQUEST",
      "bedrock embeddings take input as a string or a non-empty list of strings (token arrays are not supported)",
      { param: "input" },
    );
  }
  return inputs as string[];
}

function tokenCountHeader(headers: ResponseHeaders): number | undefined {
  const value = Number(headers["x-amzn-bedrock-input-token-count"]);
  return headers["x-amzn-bedrock-input-token-count"] !== undefined && Number.isFinite(value)
    ? value
    : undefined;
}

function responseOf(model: string, vectors: number[][], promptTokens: number): EmbeddingResponse {
  return {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
