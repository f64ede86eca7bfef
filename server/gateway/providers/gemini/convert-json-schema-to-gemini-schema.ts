import { GatewayError } from "../../errors.ts";

type JsonSchema = Record<string, unknown>;

/** Keywords Gemini's Schema (an OpenAPI 3.0 subset) accepts as they are in JSON Schema. */
const keptKeywords = [
  "title",
  "description",
  "format",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "minProperties",
  "maxProperties",
  "default",
  "propertyOrdering",
];

/**
 * A JSON Schema (tool parameters, response_format.json_schema.schema) as Gemini's Schema, the
 * OpenAPI 3.0 subset that `functionDeclarations[].parameters` and `generationConfig.responseSchema`
 * take — the rules of the Vercel AI SDK's convertJSONSchemaToOpenAPISchema:
 * - `type: [T, "null"]` → `type: T, nullable: true`; several non-null types → `anyOf` of each;
 * - `anyOf` with a `{type: "null"}` member → the other member(s) made `nullable`;
 * - `oneOf` → `anyOf` (Gemini has no oneOf; "exactly one" becomes "at least one");
 * - `allOf` → its members merged into one schema (properties and required united);
 * - `const` → a one-value `enum`; enums must be strings: number or boolean enums become
 *   `format: "enum"` with the values as strings (Gemini's rule); mixed enums are rejected;
 * - `$ref` to `#/$defs/…` or `#/definitions/…` is inlined (recursive references are rejected);
 * - an object schema without properties is omitted at the root (a function without
 *   parameters) and kept as `{type: "object"}` inside;
 * - `properties`, `items`, `required`, `description`, `title`, `format`, `default`, string,
 *   number, array and object bounds, `propertyOrdering` are kept; every other keyword is
 *   DROPPED: `$schema`, `$id`, `additionalProperties`, `patternProperties`, `not`,
 *   `if/then/else`, `examples`, `exclusiveMinimum`/`exclusiveMaximum`, `multipleOf`,
 *   `uniqueItems`… (Gemini rejects them), so the model is not held to them.
 * References: https://ai.google.dev/api/caching#Schema,
 * https://github.com/vercel/ai/blob/main/packages/google/src/convert-json-schema-to-openapi-schema.ts
 */
export function convertJsonSchemaToGeminiSchema(
  schema: unknown,
  { param }: { param: string },
): JsonSchema | undefined {
  if (!isObject(schema)) return undefined;
  return convertDefinition(schema, { root: schema, param, resolving: new Set(), isRoot: true });
}

interface Context {
  root: JsonSchema;
  param: string;
  resolving: Set<string>;
  isRoot: boolean;
}

function convertDefinition(schema: unknown, context: Context): JsonSchema | undefined {
  if (schema === true || schema === undefined) return {};
  if (schema === false)
    throw new GatewayError(
      "BAD_REQUEST",
      `${context.param}: a false schema cannot be sent to Gemini`,
      { param: context.param },
    );
  if (!isObject(schema)) return undefined;
  if (typeof schema.$ref === "string") return convertReference(schema, schema.$ref, context);
  if (Array.isArray(schema.allOf)) return convertDefinition(mergeAllOf(schema), context);

  if (isEmptyObjectSchema(schema)) {
    if (context.isRoot) return undefined;
    return typeof schema.description === "string"
      ? { type: "object", description: schema.description }
      : { type: "object" };
  }

  const nested: Context = { ...context, isRoot: false };
  const result: JsonSchema = {};
  for (const keyword of keptKeywords)
    if (schema[keyword] !== undefined) result[keyword] = schema[keyword];
  if (Array.isArray(schema.required)) result.required = schema.required;

  const { type } = schema;
  if (Array.isArray(type)) {
    const nonNull = type.filter((entry) => entry !== "null");
    if (nonNull.length === 0) result.type = "null";
    else if (nonNull.length === 1) result.type = nonNull[0];
    else result.anyOf = nonNull.map((entry) => ({ type: entry }));
    if (nonNull.length > 0 && nonNull.length < type.length) result.nullable = true;
  } else if (typeof type === "string") {
    result.type = type;
  }

  const values = Array.isArray(schema.enum)
    ? schema.enum
    : schema.const !== undefined
      ? [schema.const]
      : undefined;
  if (values) {
    Object.assign(result, convertEnum(values, result, context.param));
    delete result.anyOf;
  }

  if (isObject(schema.properties)) {
    result.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [
        name,
        convertDefinition(property, nested) ?? {},
      ]),
    );
  }
  if (schema.items !== undefined) {
    result.items = Array.isArray(schema.items)
      ? convertDefinition(schema.items[0], nested)
      : convertDefinition(schema.items, nested);
  }

  const alternatives = [
    ...(Array.isArray(schema.anyOf) ? schema.anyOf : []),
    ...(Array.isArray(schema.oneOf) ? schema.oneOf : []),
  ];
  if (alternatives.length > 0) {
    const nonNull = alternatives.filter(
      (alternative) => !(isObject(alternative) && alternative.type === "null"),
    );
    if (nonNull.length < alternatives.length) result.nullable = true;
    if (nonNull.length === 1) Object.assign(result, convertDefinition(nonNull[0], nested));
    else result.anyOf = nonNull.map((alternative) => convertDefinition(alternative, nested) ?? {});
  }
  return result;
}

/** Gemini's enums are strings; numbers and booleans are sent as strings under `format: "enum"`. */
function convertEnum(values: unknown[], converted: JsonSchema, param: string): JsonSchema {
  const nonNull = values.filter((value) => value !== null);
  const nullable = nonNull.length < values.length ? { nullable: true } : {};
  if (nonNull.length > 0 && nonNull.every((value) => typeof value === "string"))
    return { type: "string", enum: nonNull, ...nullable };
  const kinds = new Set(
    nonNull.map((value) =>
      typeof value === "number"
        ? Number.isInteger(value) && converted.type === "integer"
          ? "integer"
          : "number"
        : typeof value,
    ),
  );
  const [kind] = kinds;
  if (kinds.size !== 1 || !["number", "integer", "boolean"].includes(kind)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `${param}: Gemini only takes enums whose values share one primitive type`,
      { param },
    );
  }
  return { type: kind, format: "enum", enum: nonNull.map(String), ...nullable };
}

/** Inlines `#/$defs/Name` or `#/definitions/Name` from the root schema; sibling keywords win. */
function convertReference(
  schema: JsonSchema,
  reference: string,
  context: Context,
): JsonSchema | undefined {
  const match = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(reference);
  const definitions = match ? context.root[match[1]] : undefined;
  const name = match
    ? decodeURIComponent(match[2]).replaceAll("~1", "/").replaceAll("~0", "~")
    : "";
  if (!match || !isObject(definitions) || !Object.hasOwn(definitions, name)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `${context.param}: Gemini schemas cannot hold the reference ${reference} (only #/$defs/… and #/definitions/… of the root are inlined)`,
      { param: context.param },
    );
  }
  if (context.resolving.has(reference)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `${context.param}: Gemini schemas cannot be recursive (${reference} refers to itself)`,
      { param: context.param },
    );
  }
  const { $ref: _reference, ...siblings } = schema;
  const target = definitions[name];
  return convertDefinition(isObject(target) ? { ...target, ...siblings } : target, {
    ...context,
    resolving: new Set([...context.resolving, reference]),
  });
}

function mergeAllOf(schema: JsonSchema): JsonSchema {
  const { allOf, ...rest } = schema;
  const merged: JsonSchema = { ...rest };
  for (const member of allOf as unknown[]) {
    if (!isObject(member)) continue;
    for (const [keyword, value] of Object.entries(member)) {
      if (keyword === "properties" && isObject(value))
        merged.properties = { ...(merged.properties as JsonSchema | undefined), ...value };
      else if (keyword === "required" && Array.isArray(value))
        merged.required = [...new Set([...((merged.required as unknown[]) ?? []), ...value])];
      else merged[keyword] ??= value;
    }
  }
  return merged;
}

function isEmptyObjectSchema(schema: JsonSchema): boolean {
  return (
    schema.type === "object" &&
    (!isObject(schema.properties) || Object.keys(schema.properties).length === 0) &&
    !schema.additionalProperties
  );
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
