import { GraphQLError, Kind } from "graphql";
import { formatUsd, parseUsd } from "../gateway/money.ts";
import { builder } from "./builder.ts";

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST" } });
}

builder.scalarType("Usd", {
  description:
    'US dollars as an exact decimal string, e.g. "0.000125" (stored as integer nano-USD).',
  serialize: (value) => formatUsd(value),
  parseValue: (value) => {
    if (typeof value !== "string" && typeof value !== "number")
      throw badInput('Usd must be a decimal string such as "12.50"');
    try {
      return parseUsd(String(value));
    } catch (error) {
      throw badInput((error as Error).message);
    }
  },
});

builder.scalarType("DateTime", {
  description: "A point in time as an ISO 8601 string.",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime()))
      throw badInput(`DateTime must be an ISO 8601 string, got ${JSON.stringify(value)}`);
    return date;
  },
});

builder.scalarType("JSON", {
  description:
    "Any JSON value, in the provider's (OpenAI's) own shape where it mirrors a request field.",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: function parseLiteral(node): unknown {
    switch (node.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return node.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(node.value);
      case Kind.NULL:
        return null;
      case Kind.LIST:
        return node.values.map((item) => parseLiteral(item));
      case Kind.OBJECT:
        return Object.fromEntries(
          node.fields.map((field) => [field.name.value, parseLiteral(field.value)]),
        );
      default:
        throw badInput(
          "JSON literals cannot contain variables; pass the whole value as a variable instead",
        );
    }
  },
});
