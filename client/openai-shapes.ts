import type { ChatCompletionInput } from "./generated/graphql.ts";

/*
 * OpenAI's own shapes for the fields the GraphQL schema carries as `JSON` (tools, toolChoice,
 * responseFormat, metadata), so a typo in a tool definition is a compile error, not a 400.
 * Reference: https://platform.openai.com/docs/api-reference/chat/create
 */

/** A JSON Schema object (as OpenAI takes it for tool parameters and response formats). */
export type JsonSchema = { [keyword: string]: unknown };

/** A function the model may call. */
export interface ChatTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    /** The arguments as a JSON Schema object; omitted means no arguments. */
    parameters?: JsonSchema;
    /** OpenAI's strict mode: the arguments always match `parameters`. */
    strict?: boolean;
  };
}

/** Whether and which tool the model must call. */
export type ChatToolChoice =
  "none" | "auto" | "required" | { type: "function"; function: { name: string } };

/** The shape of the answer: free text, any JSON object, or JSON matching a schema. */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      json_schema: { name: string; description?: string; schema?: JsonSchema; strict?: boolean };
    };

/** `ChatCompletionInput` with its JSON fields typed as OpenAI's. */
export type ChatInput = Omit<
  ChatCompletionInput,
  "tools" | "toolChoice" | "responseFormat" | "metadata"
> & {
  tools?: ChatTool[] | null;
  toolChoice?: ChatToolChoice | null;
  responseFormat?: ResponseFormat | null;
  /** Free-form tags kept with the request log (and `metadata.retries` to override the retry count); not sent to the provider. */
  metadata?: Record<string, unknown> | null;
};
