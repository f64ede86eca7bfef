import { z } from "zod";
import { GatewayError } from "../../errors.ts";

/*
 * OpenAI's Responses API request, checked minimally (zod, loose objects): what the gateway reads
 * to route, account and translate is checked strictly, everything else passes to a native
 * upstream untouched. Reference: https://platform.openai.com/docs/api-reference/responses/create
 * and openai-node src/resources/responses/responses.ts (ResponseCreateParams, ResponseInputItem).
 */

/** One input item; `type` may be absent on messages (`{ role, content }`, the easy input form). */
export type ResponsesItem = { type?: string; [field: string]: unknown };

const contentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string({ error: "a content part needs a type" }) })),
]);

const itemSchema = z.looseObject({
  type: z.string().optional(),
  role: z.string().optional(),
  content: contentSchema.optional(),
});

const functionToolSchema = z.looseObject({
  type: z.string({ error: "a tool needs a type" }),
  name: z.string().optional(),
});

const textFormatSchema = z.looseObject({
  type: z.enum(["text", "json_schema", "json_object"]),
  name: z.string().optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});

const responsesRequestSchema = z.looseObject({
  model: z.string({ error: "model is required" }).min(1, "model must not be empty"),
  input: z
    .union([z.string(), z.array(itemSchema)], {
      error: "input must be a string or a list of items",
    })
    .optional(),
  instructions: z.string().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  tools: z.array(functionToolSchema).optional(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
  text: z.looseObject({ format: textFormatSchema.optional() }).nullable().optional(),
  max_output_tokens: z.int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  reasoning: z.looseObject({ effort: z.string().nullable().optional() }).nullable().optional(),
  store: z.boolean().nullable().optional(),
  stream: z.boolean().nullable().optional(),
  user: z.string().optional(),
  background: z.boolean().nullable().optional(),
});

/** A checked Responses request; unknown fields are kept for a native upstream. */
export type ResponsesRequest = z.infer<typeof responsesRequestSchema> & {
  [field: string]: unknown;
};

/** Fields of the Responses API the gateway cannot serve for any deployment (it keeps no conversations or background jobs). */
const unsupported = ["conversation", "prompt"] as const;

/** Returns the request typed, or throws GatewayError("BAD_REQUEST") naming the first bad field. */
export function validateResponsesRequest(body: unknown): ResponsesRequest {
  if (!body || typeof body !== "object" || Array.isArray(body))
    throw new GatewayError(
      "BAD_REQUEST",
      "The request body must be a JSON object with model and input.",
    );
  const result = responsesRequestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param = issue.path.map(String).join(".") || undefined;
    throw new GatewayError(
      "BAD_REQUEST",
      param ? `Invalid '${param}': ${issue.message}` : issue.message,
      { param },
    );
  }
  const request = result.data as ResponsesRequest;
  for (const field of unsupported)
    if (request[field] != null)
      throw new GatewayError(
        "BAD_REQUEST",
        `'${field}' is not supported by this gateway; send the conversation as input items or previous_response_id.`,
        { param: field },
      );
  if (request.background)
    throw new GatewayError(
      "BAD_REQUEST",
      "Background responses are not supported by this gateway.",
      {
        param: "background",
      },
    );
  if (request.input === undefined && !request.previous_response_id)
    throw new GatewayError("BAD_REQUEST", "Missing required parameter: 'input'.", {
      param: "input",
    });
  return request;
}

/** The request's own input as items (a string is one user message). */
export function inputItemsOf(request: Pick<ResponsesRequest, "input">): ResponsesItem[] {
  if (request.input === undefined) return [];
  if (typeof request.input === "string")
    return [{ type: "message", role: "user", content: request.input }];
  return request.input as ResponsesItem[];
}
