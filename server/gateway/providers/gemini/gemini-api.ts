import { z } from "zod";

/*
 * Minimal schemas of the Gemini API's wire format (also Vertex AI's, which serves the same
 * GenerateContentResponse): enough to tell a real answer from garbage, not a full model of the
 * API. Every object is loose so fields we do not read (safetyRatings, citationMetadata,
 * groundingMetadata, whatever Google adds next) do not fail the answer.
 * Reference: https://ai.google.dev/api/generate-content#v1beta.GenerateContentResponse
 *            https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse
 */

/** One part of a model turn: text (a thought summary when `thought` is true) or a whole function call. */
const partSchema = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: z
    .looseObject({
      /** Only some models (Gemini API, Gemini 3) send one; the adapter invents `call_…` otherwise. */
      id: z.string().nullish(),
      name: z.string().nullish(),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

export type GeminiPart = z.infer<typeof partSchema>;

const candidateSchema = z.looseObject({
  content: z
    .looseObject({ role: z.string().nullish(), parts: z.array(partSchema).nullish() })
    .nullish(),
  finishReason: z.string().nullish(),
  index: z.number().nullish(),
});

/**
 * Token counts. `promptTokenCount` includes `cachedContentTokenCount`; `candidatesTokenCount`
 * excludes `thoughtsTokenCount`; `toolUsePromptTokenCount` counts results of Google's own tools.
 * Reference: https://ai.google.dev/api/generate-content#UsageMetadata
 */
export const geminiUsageSchema = z.looseObject({
  promptTokenCount: z.number().nullish(),
  candidatesTokenCount: z.number().nullish(),
  totalTokenCount: z.number().nullish(),
  cachedContentTokenCount: z.number().nullish(),
  thoughtsTokenCount: z.number().nullish(),
  toolUsePromptTokenCount: z.number().nullish(),
});

export type GeminiUsage = z.infer<typeof geminiUsageSchema>;

const responseFields = z.looseObject({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: geminiUsageSchema.nullish(),
  modelVersion: z.string().nullish(),
  responseId: z.string().nullish(),
});

/**
 * A `generateContent` answer. A prompt blocked up front has no candidates, only
 * `promptFeedback.blockReason`; an answer with neither is not Gemini's.
 */
export const geminiResponseSchema = responseFields.refine(
  (response) => Array.isArray(response.candidates) || !!response.promptFeedback,
  { message: "neither candidates nor promptFeedback" },
);

/**
 * One `data:` event of `streamGenerateContent?alt=sse`: a whole GenerateContentResponse with the
 * next piece of the candidate; an event may also carry only the running usageMetadata.
 */
export const geminiStreamEventSchema = responseFields.refine(
  (event) => Array.isArray(event.candidates) || !!event.promptFeedback || !!event.usageMetadata,
  {
    message: "neither candidates, promptFeedback nor usageMetadata",
  },
);

export type GeminiResponse = z.infer<typeof geminiResponseSchema>;

/**
 * Google's error body (google.rpc.Status): `{ "error": { "code", "message", "status", "details" } }`.
 * `details` carry `@type`d messages: RetryInfo (`retryDelay: "34.4s"`), ErrorInfo (`reason:
 * "API_KEY_INVALID"`), QuotaFailure… Some endpoints wrap the body in a one-element array.
 * Reference: https://ai.google.dev/gemini-api/docs/troubleshooting, https://cloud.google.com/apis/design/errors
 */
const errorSchema = z.looseObject({
  code: z.number().nullish(),
  message: z.string().nullish(),
  status: z.string().nullish(),
  details: z
    .array(
      z.looseObject({
        "@type": z.string().nullish(),
        retryDelay: z.string().nullish(),
        reason: z.string().nullish(),
      }),
    )
    .nullish(),
});

export const geminiErrorBodySchema = z.union([
  z.looseObject({ error: errorSchema }),
  z.tuple([z.looseObject({ error: errorSchema })]).transform(([body]) => body),
]);

export type GeminiErrorBody = { error: z.infer<typeof errorSchema> };

/**
 * `POST /v1beta/models/{model}:batchEmbedContents`: one embedding per request, in order. No token counts.
 * Reference: https://ai.google.dev/api/embeddings#method:-models.batchembedcontents
 */
export const geminiBatchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});
