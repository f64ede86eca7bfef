import { z } from "zod";
import { GatewayError } from "./errors.ts";
import type { ChatRequest } from "./spec.ts";

/**
 * Checks a chat request before anything is spent on it. Only what the gateway relies on is
 * checked strictly; unknown fields pass through to the provider untouched (loose objects).
 */
const contentPartSchema = z
  .looseObject({ type: z.string().min(1) })
  .superRefine((part, context) => {
    // A file part the gateway cannot read at all is the caller's mistake, whatever the provider.
    if (part.type !== "file") return;
    const file = (part as { file?: unknown }).file as Record<string, unknown> | undefined;
    const readable =
      typeof file === "object" &&
      file !== null &&
      (typeof file.file_data === "string" || typeof file.file_id === "string");
    if (!readable)
      context.addIssue({
        code: "custom",
        path: ["file"],
        message: "a file part needs file: { file_data: a base64 data: URL, filename } (or file_id)",
      });
  });

const messageSchema = z.looseObject({
  role: z.enum(["system", "user", "assistant", "tool", "developer"]),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string(),
        type: z.string(),
        function: z.looseObject({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
});

const chatRequestSchema = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model must not be empty"),
  messages: z
    .array(messageSchema, { error: "messages must be an array of messages" })
    .min(1, "messages must contain at least one message"),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.int().positive().optional(),
  max_completion_tokens: z.int().positive().optional(),
  stop: z
    .union([z.string(), z.array(z.string()).max(4)])
    .nullable()
    .optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  seed: z.int().optional(),
  user: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.literal(1, { error: "only n = 1 is supported" }).nullable().optional(),
});

/** Returns the request typed, or throws GatewayError("BAD_REQUEST") naming the first bad field. */
export function validateChatRequest(body: unknown): ChatRequest {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new GatewayError(
      "BAD_REQUEST",
      "The request body must be a JSON object with model and messages.",
    );
  }
  const result = chatRequestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join(".") || undefined;
    throw new GatewayError(
      "BAD_REQUEST",
      param ? `Invalid ${param}: ${issue.message}` : issue.message,
      { param },
    );
  }
  return result.data as ChatRequest;
}
