import { z } from "zod";
import { GatewayError } from "../../errors.ts";

/*
 * The Messages API request as callers send it (Claude Code, the Anthropic SDKs): checked only as
 * far as the gateway relies on it. Objects are loose and block types open strings, so fields and
 * block types Anthropic ships later reach a Claude deployment untouched.
 * Reference: https://docs.anthropic.com/en/api/messages
 */

const blockSchema = z.looseObject({ type: z.string().min(1) });

const messageSchema = z.looseObject({
  // "system" inside messages: Claude Code sends one mid-conversation (beta mid-conversation-system).
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(blockSchema)]),
});

const systemSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string().min(1), text: z.string().optional() })),
]);

const countTokensSchema = z.looseObject({
  model: z.string({ error: "model: Field required" }).min(1, "model: must not be empty"),
  messages: z.array(messageSchema, { error: "messages: Field required" }),
  system: systemSchema.optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1) })).optional(),
  tool_choice: z.looseObject({ type: z.string(), name: z.string().optional() }).optional(),
  thinking: z.looseObject({ type: z.string(), budget_tokens: z.int().optional() }).optional(),
  output_config: z.looseObject({ effort: z.string().optional() }).optional(),
});

const messagesSchema = countTokensSchema.extend({
  max_tokens: z.int({ error: "max_tokens: Field required" }).positive(),
  messages: z
    .array(messageSchema, { error: "messages: Field required" })
    .min(1, "messages: at least one message is required"),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().nonnegative().optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
});

/** A `POST /v1/messages` body, as far as the gateway reads it; every other field is kept. */
export type AnthropicMessagesRequest = z.infer<typeof messagesSchema>;

/** A `POST /v1/messages/count_tokens` body (no max_tokens). */
export type AnthropicCountTokensRequest = z.infer<typeof countTokensSchema>;

/** One content block of a message or of `system`. */
export type AnthropicBlock = z.infer<typeof blockSchema> & Record<string, unknown>;

/** The body checked, or a BAD_REQUEST (invalid_request_error) naming the first wrong field. */
export function parseAnthropicMessagesRequest(body: unknown): AnthropicMessagesRequest {
  return parseWith(messagesSchema, body);
}

/** The count_tokens body checked, or a BAD_REQUEST naming the first wrong field. */
export function parseAnthropicCountTokensRequest(body: unknown): AnthropicCountTokensRequest {
  return parseWith(countTokensSchema, body);
}

function parseWith<Schema extends z.ZodType>(schema: Schema, body: unknown): z.infer<Schema> {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new GatewayError("BAD_REQUEST", "The request body must be a JSON object.");
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map(String).join(".");
  // Messages of our own already name the field ("max_tokens: Field required").
  const message =
    path && !issue.message.startsWith(`${path}:`) ? `${path}: ${issue.message}` : issue.message;
  throw new GatewayError("BAD_REQUEST", message, { param: path || undefined });
}
