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

/*
 * The same checks, answered without zod for the shapes nearly every answer has. zod's loose
 * objects copy every field of every object they check, once per answer and once per stream
 * chunk (~3% of the stream path's CPU, issue 16). A shape the predicates below accept, zod
 * accepts too and returns an equal copy of, so they hand back the parsed JSON itself; anything
 * else (tool calls, odd types, garbage) goes to zod, which decides and words the error.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isAbsent = (value: unknown) => value === undefined || value === null;
const isOptionalString = (value: unknown) => value === undefined || typeof value === "string";
const isNullishString = (value: unknown) => isAbsent(value) || typeof value === "string";
const isNullishNumber = (value: unknown) => isAbsent(value) || typeof value === "number";

function hasCommonIdentity(answer: Json): boolean {
  return (
    isOptionalString(answer.id) &&
    isOptionalString(answer.model) &&
    (answer.created === undefined || typeof answer.created === "number")
  );
}

function isCommonUsage(usage: unknown): boolean {
  if (isAbsent(usage)) return true;
  if (!isObject(usage)) return false;
  const prompt = usage.prompt_tokens_details;
  const completion = usage.completion_tokens_details;
  return (
    typeof usage.prompt_tokens === "number" &&
    typeof usage.completion_tokens === "number" &&
    (usage.total_tokens === undefined || typeof usage.total_tokens === "number") &&
    (isAbsent(prompt) || (isObject(prompt) && isNullishNumber(prompt.cached_tokens))) &&
    (isAbsent(completion) || (isObject(completion) && isNullishNumber(completion.reasoning_tokens)))
  );
}

/** A choice's common fields; `part` is its message or delta, checked without tool calls. */
function isCommonChoice(choice: unknown, partName: "message" | "delta"): boolean {
  if (!isObject(choice)) return false;
  const part = choice[partName];
  const partIsCommon =
    partName === "delta" && isAbsent(part)
      ? true
      : isObject(part) &&
        (partName === "message" ? isOptionalString(part.role) : isNullishString(part.role)) &&
        isNullishString(part.content) &&
        isAbsent(part.tool_calls);
  return (
    partIsCommon &&
    (choice.index === undefined || typeof choice.index === "number") &&
    isNullishString(choice.finish_reason)
  );
}

function isCommonAnswer(value: unknown, partName: "message" | "delta"): boolean {
  return (
    isObject(value) &&
    hasCommonIdentity(value) &&
    Array.isArray(value.choices) &&
    value.choices.every((choice) => isCommonChoice(choice, partName)) &&
    isCommonUsage(value.usage)
  );
}

/** `schema`'s `safeParse`, answered by `isCommon` first (the value itself) when it says yes. */
function checkedFirstBy(
  isCommon: (value: unknown) => boolean,
  schema: { safeParse(value: unknown): { success: boolean; data?: unknown } },
) {
  return {
    safeParse: (value: unknown): { success: boolean; data?: unknown } =>
      isCommon(value) ? { success: true, data: value } : schema.safeParse(value),
  };
}

/** openAIChatResponseSchema's check, without zod's copy for the common shape. */
export const openAIChatResponseCheck = checkedFirstBy(
  (value) => isCommonAnswer(value, "message"),
  openAIChatResponseSchema,
);

/** openAIChatChunkSchema's check, without zod's copy for the common shape. */
export const openAIChatChunkCheck = checkedFirstBy(
  (value) => isCommonAnswer(value, "delta"),
  openAIChatChunkSchema,
);

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
