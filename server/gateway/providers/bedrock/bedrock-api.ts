import { z } from "zod";
import type { Usage } from "../../spec.ts";

/*
 * Minimal schemas of the Bedrock Runtime wire format: enough to tell a real answer from garbage,
 * not a full model of the API. Objects are loose so fields Bedrock adds later (trace,
 * performanceConfig, serviceTier, citations…) do not break parsing.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 *            https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */

/** https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html — inputTokens leaves cache reads and writes out. */
const tokenUsageSchema = z.looseObject({
  inputTokens: z.number(),
  outputTokens: z.number(),
  totalTokens: z.number().nullish(),
  cacheReadInputTokens: z.number().nullish(),
  cacheWriteInputTokens: z.number().nullish(),
});

export type BedrockTokenUsage = z.infer<typeof tokenUsageSchema>;

const toolUseSchema = z.looseObject({
  toolUseId: z.string(),
  name: z.string(),
  input: z.unknown(),
});

/** One block of the answer: text, a tool call, or the model's reasoning (Claude, DeepSeek-R1, Nova 2…). */
const contentBlockSchema = z.looseObject({
  text: z.string().nullish(),
  toolUse: toolUseSchema.nullish(),
  reasoningContent: z
    .looseObject({ reasoningText: z.looseObject({ text: z.string() }).nullish() })
    .nullish(),
});

/** `POST /model/{modelId}/converse` → 200. */
export const bedrockConverseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z.looseObject({ role: z.string().optional(), content: z.array(contentBlockSchema) }),
  }),
  stopReason: z.string(),
  usage: tokenUsageSchema.nullish(),
  metrics: z.looseObject({ latencyMs: z.number().nullish() }).nullish(),
});

export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/**
 * The payload of each ConverseStream event, by its `:event-type` header.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 * (every payload also carries a `p` padding field, ignored).
 */
export const bedrockStreamEventSchemas = {
  messageStart: z.looseObject({ role: z.string() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number(),
    start: z
      .looseObject({
        toolUse: z.looseObject({ toolUseId: z.string(), name: z.string() }).nullish(),
      })
      .nullish(),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number(),
    delta: z.looseObject({
      text: z.string().nullish(),
      toolUse: z.looseObject({ input: z.string() }).nullish(),
      reasoningContent: z.looseObject({ text: z.string().nullish() }).nullish(),
    }),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number() }),
  messageStop: z.looseObject({ stopReason: z.string() }),
  metadata: z.looseObject({ usage: tokenUsageSchema.nullish(), metrics: z.unknown() }),
};

export type BedrockStreamEventType = keyof typeof bedrockStreamEventSchemas;

/**
 * An error body: REST-JSON's `{"message": "..."}` (some services and proxies write `Message`),
 * with the error type in the `x-amzn-errortype` header (or a `__type` field).
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 */
export const bedrockErrorBodySchema = z.looseObject({
  message: z.string().nullish(),
  Message: z.string().nullish(),
  __type: z.string().nullish(),
  /** modelStreamErrorException's: the model's own status and message. */
  originalStatusCode: z.number().nullish(),
  originalMessage: z.string().nullish(),
});

export type BedrockErrorBody = z.infer<typeof bedrockErrorBodySchema>;

/**
 * Titan Text Embeddings (v1, v2) through `POST /model/{modelId}/invoke`: one input per call.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
 */
export const titanEmbeddingResponseSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().nullish(),
});

/**
 * Cohere Embed v3 answers `embeddings` as a list of float vectors (`response_type:
 * "embeddings_floats"`); with `embedding_types` (and Embed v4) it is an object by type
 * (`"embeddings_by_type"`), of which the gateway reads `float`.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed-v3.html
 */
export const cohereEmbeddingResponseSchema = z.looseObject({
  embeddings: z.union([
    z.array(z.array(z.number())),
    z.looseObject({ float: z.array(z.array(z.number())) }),
  ]),
  id: z.string().nullish(),
  response_type: z.string().nullish(),
});

/**
 * Bedrock's token counts in OpenAI's terms. Bedrock's `inputTokens` leaves cache reads and writes
 * out (they are billed differently), so prompt_tokens adds them back; cached_tokens are the
 * reads, cache_write_tokens the writes (only when Bedrock reports them).
 */
export function convertBedrockUsage(usage: BedrockTokenUsage): Usage {
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  const promptTokens = usage.inputTokens + cacheRead + cacheWrite;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: {
      cached_tokens: cacheRead,
      ...(usage.cacheWriteInputTokens != null ? { cache_write_tokens: cacheWrite } : {}),
    },
  };
}
