import type { StandardJSONSchemaV1, StandardSchemaV1 } from "@standard-schema/spec";
import type { ResponseFormat } from "./openai-shapes.ts";
import { SwitchboardError } from "./switchboard-error.ts";

/**
 * A schema that validates and describes itself as JSON Schema: a zod 4 schema (zod ≥ 4.2
 * implements both Standard Schema and Standard JSON Schema), or any other library that does.
 */
export type StructuredOutputSchema<Output = unknown> = StandardSchemaV1<unknown, Output> &
  StandardJSONSchemaV1<unknown, Output>;

/** How the schema is named and enforced in the request's `response_format`. */
export interface StructuredOutputOptions {
  /** The json_schema's name (letters, digits, `_` and `-`); default "response". */
  schemaName?: string;
  schemaDescription?: string;
  /** OpenAI's strict mode (every property required, no others); off by default, since optional fields break it. */
  strict?: boolean;
}

/**
 * The `response_format` for a schema: JSON Schema from the schema library's own converter
 * (zod's toJSONSchema behind Standard JSON Schema), draft 2020-12 as OpenAI documents.
 */
export function responseFormatFor(
  schema: StructuredOutputSchema,
  { schemaName = "response", schemaDescription, strict }: StructuredOutputOptions = {},
): ResponseFormat {
  const jsonSchema = schema["~standard"].jsonSchema.output({ target: "draft-2020-12" });
  return {
    type: "json_schema",
    json_schema: {
      name: schemaName,
      ...(schemaDescription ? { description: schemaDescription } : {}),
      schema: jsonSchema,
      ...(strict === undefined ? {} : { strict }),
    },
  };
}

/**
 * The model's answer as the schema's output: parsed as JSON, then validated. Text that is not
 * JSON, or JSON the schema refuses, is SwitchboardError INVALID_OUTPUT carrying the raw text.
 */
export async function readStructuredOutput<Output>(
  schema: StructuredOutputSchema<Output>,
  text: string | null | undefined,
): Promise<Output> {
  if (text === null || text === undefined || text === "")
    throw new SwitchboardError(
      "The model answered with no text to read as JSON.",
      "INVALID_OUTPUT",
      { text: text ?? "" },
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SwitchboardError(
      `The model's answer is not JSON: ${(error as Error).message}`,
      "INVALID_OUTPUT",
      { text, cause: error },
    );
  }
  const result = await schema["~standard"].validate(value);
  if (result.issues) {
    const described = result.issues.map((issue) =>
      issue.path?.length
        ? `${issue.path.map((part) => String(typeof part === "object" ? part.key : part)).join(".")}: ${issue.message}`
        : issue.message,
    );
    throw new SwitchboardError(
      `The model's answer does not match the schema: ${described.join("; ")}`,
      "INVALID_OUTPUT",
      { text, issues: result.issues },
    );
  }
  return result.value;
}
