import { z } from "zod";

/*
 * Minimal schemas of Ollama's native API (`/api/chat`, `/api/embed`): enough to tell a real
 * answer from garbage, not a full model of the API. Objects are loose so fields Ollama adds
 * (logprobs, remote_model, durations) do not break parsing.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 *            https://github.com/ollama/ollama/blob/main/api/types.go (ChatResponse, Message, ToolCall, Metrics)
 */

/** A tool call: whole, never in pieces; `arguments` is a JSON object; `id` only from newer servers. */
const ollamaToolCallSchema = z.looseObject({
  id: z.string().nullish(),
  function: z.looseObject({
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()).nullish(),
  }),
});

const ollamaMessageSchema = z.looseObject({
  role: z.string().optional(),
  content: z.string().nullish(),
  thinking: z.string().nullish(),
  tool_calls: z.array(ollamaToolCallSchema).nullish(),
});

/**
 * One `/api/chat` answer: the whole response with `stream: false`, or one NDJSON line of a stream.
 * The counts are Go `omitempty` fields: absent when zero (a fully cached prompt has no
 * `prompt_eval_count`), and only on the `done: true` object.
 */
export const ollamaChatResponseSchema = z.looseObject({
  model: z.string().optional(),
  created_at: z.string().optional(),
  message: ollamaMessageSchema.nullish(),
  done: z.boolean(),
  done_reason: z.string().nullish(),
  prompt_eval_count: z.number().nullish(),
  eval_count: z.number().nullish(),
});

export type OllamaChatResponse = z.infer<typeof ollamaChatResponseSchema>;
export type OllamaToolCall = z.infer<typeof ollamaToolCallSchema>;

/**
 * `/api/embed`: one vector per input, in input order.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
 */
export const ollamaEmbedResponseSchema = z.looseObject({
  model: z.string().optional(),
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: z.number().nullish(),
});

export type OllamaEmbedResponse = z.infer<typeof ollamaEmbedResponseSchema>;

/**
 * Ollama's error body, `{ "error": "…" }` — on error statuses, and as a line of a 200 NDJSON
 * stream when generation fails after the first line was sent.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api/errors.mdx
 */
export const ollamaErrorBodySchema = z.looseObject({ error: z.string() });

export type OllamaErrorBody = z.infer<typeof ollamaErrorBodySchema>;
