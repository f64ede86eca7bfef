import { GatewayError } from "./errors.ts";

/*
 * Structured output for providers without a native JSON mode (Anthropic, Bedrock Converse,
 * DeepSeek's json_schema): the schema becomes one tool the model is forced to call, and the
 * call's arguments come back to the caller as the message content with finish_reason "stop".
 * This is the technique the Vercel AI SDK uses for the same providers.
 */

/** The name of the tool that carries the response schema; adapters recognise its calls by it. */
export const jsonResponseToolName = "json";

/** The forced tool a `response_format` asks for, or undefined for plain text. */
export interface JsonResponseTool {
  name: string;
  description: string;
  /** The JSON schema the answer must match ({ type: "object" } for json_object: any object). */
  parameters: Record<string, unknown>;
}

/**
 * The tool a request's `response_format` becomes: json_schema → its schema; json_object → any
 * object; text or none → undefined. Throws BAD_REQUEST for a response_format it cannot read.
 * Reference: https://platform.openai.com/docs/api-reference/chat/create#chat-create-response_format
 */
export function jsonResponseToolFor(responseFormat: unknown): JsonResponseTool | undefined {
  if (responseFormat === undefined || responseFormat === null) return undefined;
  const format = responseFormat as {
    type?: unknown;
    json_schema?: { name?: unknown; description?: unknown; schema?: unknown };
  };
  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return {
        name: jsonResponseToolName,
        description: "Respond with a JSON object.",
        parameters: { type: "object" },
      };
    case "json_schema": {
      const schema = format.json_schema?.schema;
      if (!schema || typeof schema !== "object") {
        throw new GatewayError(
          "BAD_REQUEST",
          "response_format.json_schema.schema must be a JSON schema object",
          { param: "response_format" },
        );
      }
      const description =
        typeof format.json_schema?.description === "string"
          ? format.json_schema.description
          : "Respond with JSON that matches the schema.";
      return {
        name: jsonResponseToolName,
        description,
        parameters: schema as Record<string, unknown>,
      };
    }
    default:
      throw new GatewayError(
        "BAD_REQUEST",
        `response_format.type must be text, json_object or json_schema (got ${JSON.stringify(format.type)})`,
        { param: "response_format" },
      );
  }
}
