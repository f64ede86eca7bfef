import { z } from "zod";

/*
 * Minimal schemas of Anthropic's Messages API wire format: enough to tell a real answer from
 * garbage (an HTML error page, a proxy's JSON, a truncated body), not a full model of the API.
 * Objects are loose and block/event types are open strings, so content blocks and events
 * Anthropic adds later (server tools, citations, …) pass the check and are skipped by the
 * translation instead of failing the call.
 * Reference: https://docs.anthropic.com/en/api/messages
 *            https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

/**
 * Token counts. `input_tokens` leaves out the tokens read from and written to the prompt cache
 * (the two cache fields); message_delta repeats the counts cumulatively, sometimes only some.
 */
export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
});

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

/** One block of `content`: text, tool_use, thinking, redacted_thinking, or a type added later. */
export const anthropicContentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
  thinking: z.string().nullish(),
});

export type AnthropicContentBlock = z.infer<typeof anthropicContentBlockSchema>;

/** A non-streaming answer of `POST /v1/messages`. */
export const anthropicMessageSchema = z.looseObject({
  id: z.string(),
  type: z.literal("message"),
  role: z.string().optional(),
  model: z.string().nullish(),
  content: z.array(anthropicContentBlockSchema),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  usage: anthropicUsageSchema,
});

export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

/** `{ type: "error", error: { type, message } }`: an error status's body, and the stream's `error` event. */
export const anthropicErrorBodySchema = z.looseObject({
  type: z.literal("error").optional(),
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }),
});

export type AnthropicErrorBody = z.infer<typeof anthropicErrorBodySchema>;

/**
 * One event of a stream (its `data:`; the `event:` name repeats `type`). Deltas are
 * text_delta, input_json_delta, thinking_delta, signature_delta, citations_delta, ….
 */
export const anthropicStreamEventSchema = z.discriminatedUnion("type", [
  z.looseObject({
    type: z.literal("message_start"),
    message: z.looseObject({
      id: z.string().nullish(),
      model: z.string().nullish(),
      usage: anthropicUsageSchema.nullish(),
    }),
  }),
  z.looseObject({
    type: z.literal("content_block_start"),
    index: z.number(),
    content_block: anthropicContentBlockSchema,
  }),
  z.looseObject({
    type: z.literal("content_block_delta"),
    index: z.number(),
    delta: z.looseObject({
      type: z.string(),
      text: z.string().nullish(),
      partial_json: z.string().nullish(),
      thinking: z.string().nullish(),
    }),
  }),
  z.looseObject({ type: z.literal("content_block_stop"), index: z.number() }),
  z.looseObject({
    type: z.literal("message_delta"),
    delta: z.looseObject({
      stop_reason: z.string().nullish(),
      stop_sequence: z.string().nullish(),
    }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.looseObject({ type: z.literal("message_stop") }),
  z.looseObject({ type: z.literal("ping") }),
  anthropicErrorBodySchema.extend({ type: z.literal("error") }),
]);

export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;
