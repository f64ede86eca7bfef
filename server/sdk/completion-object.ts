import type { StandardSchemaV1 } from "@standard-schema/spec";
import { GatewayError } from "../gateway/errors.ts";
import type { Completion, StructuredOutputSchema } from "./gateway-types.ts";

/*
 * Structured output on the caller's side of the gateway: the schema goes out as OpenAI's
 * response_format json_schema (each adapter maps it: a native JSON mode, or a forced tool for
 * Anthropic and Bedrock), and the answer's text comes back parsed and validated by the same
 * schema, so `object` is what the schema's type says or an error is thrown.
 */

/** The answer is not JSON, or not JSON the schema accepts. The provider was paid: `completion` has the cost. */
export class InvalidOutputError extends GatewayError {
  /** The model's answer as it came, for logging or a repair prompt. */
  readonly text: string;
  /** The schema's complaints; absent when the text was not JSON at all. */
  readonly issues?: readonly StandardSchemaV1.Issue[];
  readonly completion: Completion;

  constructor(
    message: string,
    {
      text,
      issues,
      completion,
      cause,
    }: {
      text: string;
      issues?: readonly StandardSchemaV1.Issue[];
      completion: Completion;
      cause?: unknown;
    },
  ) {
    super("INVALID_OUTPUT", message, { cause });
    this.name = "InvalidOutputError";
    this.text = text;
    this.issues = issues;
    this.completion = completion;
    this.request = {
      id: completion.switchboard.requestId,
      attempts: completion.switchboard.attempts,
      lastDeployment: completion.switchboard.deployment,
    };
  }
}

/** OpenAI's `response_format` for a schema: its output type as draft 2020-12 JSON Schema. */
export function responseFormatFor(
  schema: StructuredOutputSchema,
  name = "response",
): { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown> } } {
  if (
    typeof schema?.["~standard"]?.jsonSchema?.output !== "function" ||
    typeof schema["~standard"].validate !== "function"
  ) {
    throw new GatewayError(
      "BAD_REQUEST",
      "schema must implement Standard Schema and Standard JSON Schema (zod 4.2 or later, for example).",
      { param: "schema" },
    );
  }
  return {
    type: "json_schema",
    json_schema: {
      name,
      schema: schema["~standard"].jsonSchema.output({ target: "draft-2020-12" }),
    },
  };
}

/** The completion's text parsed as JSON and validated by `schema`; throws InvalidOutputError with the text when either fails. */
export async function readObject<Output>(
  schema: StructuredOutputSchema<Output>,
  completion: Completion,
): Promise<Output> {
  const [choice] = completion.choices;
  const text = typeof choice?.message.content === "string" ? choice.message.content : "";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // A cut-off answer is the usual cause; say so, since the fix (max_tokens) is the caller's.
    const truncated =
      choice?.finish_reason === "length" ? " (the answer was cut off at max_tokens)" : "";
    throw new InvalidOutputError(`The model's answer is not JSON${truncated}.`, {
      text,
      completion,
      cause: error,
    });
  }
  const result = await schema["~standard"].validate(value);
  if (result.issues) {
    const problems = result.issues
      .map((issue) => `${issuePath(issue) || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new InvalidOutputError(`The model's JSON does not match the schema: ${problems}.`, {
      text,
      issues: result.issues,
      completion,
    });
  }
  return result.value;
}

function issuePath(issue: StandardSchemaV1.Issue): string {
  return (issue.path ?? [])
    .map((segment) => String(typeof segment === "object" ? segment.key : segment))
    .join(".");
}
