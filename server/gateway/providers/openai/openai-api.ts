import { z } from "zod";

/*
 * Minimal schemas of OpenAI's Chat Completions wire format: enough to tell a real answer from
 * garbage (an HTML error page, a proxy's JSON, a truncated body), not a full model of the API.
 * Every object is loose, so fields we do not list (logprobs, refusal, annotations, audio,
 * service_tier, whatever OpenAI adds next) reach the caller untouched.
 * Reference: https://platform.openai.com/docs/api-reference/chat/object
 *            https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */

const usageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number().optional(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

const toolCallSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});

const toolCallDeltaSchema = z.looseObject({
  index: z.number(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z
    .looseObject({ name: z.string().nullish(), arguments: z.string().nullish() })
    .nullish(),
});

/** Optional: some compatible servers leave them out, and the adapter fills them in. */
const identityFields = {
  id: z.string().optional(),
  model: z.string().optional(),
  created: z.number().optional(),
};

/** A non-streaming answer: `POST /chat/completions` without `stream`. */
export const openAIChatResponseSchema = z.looseObject({
  ...identityFields,
  choices: z.array(
    z.looseObject({
      index: z.number().optional(),
      message: z.looseObject({
        role: z.string().optional(),
        content: z.string().nullish(),
        tool_calls: z.array(toolCallSchema).nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: usageSchema.nullish(),
});

/** One `data:` event of a stream. The usage chunk (with `include_usage`) has `choices: []`. */
export const openAIChatChunkSchema = z.looseObject({
  ...identityFields,
  choices: z.array(
    z.looseObject({
      index: z.number().optional(),
      delta: z
        .looseObject({
          role: z.string().nullish(),
          content: z.string().nullish(),
          tool_calls: z.array(toolCallDeltaSchema).nullish(),
        })
        .nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: usageSchema.nullish(),
});

/** `POST /embeddings`: one vector (floats, or base64 with encoding_format) per input, in input order. */
export const openAIEmbeddingResponseSchema = z.looseObject({
  object: z.string().optional(),
  data: z.array(
    z.looseObject({ index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) }),
  ),
  model: z.string().optional(),
  usage: z
    .looseObject({ prompt_tokens: z.number(), total_tokens: z.number().optional() })
    .optional(),
});

/**
 * OpenAI's error body, `{ "error": { "message", "type", "param", "code" } }`; some compatible
 * servers use a number as `code` (OpenRouter) or leave fields out.
 * Reference: https://platform.openai.com/docs/guides/error-codes
 */
export const openAIErrorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string().nullish(),
    type: z.string().nullish(),
    param: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
});

export type OpenAIErrorBody = z.infer<typeof openAIErrorBodySchema>;
