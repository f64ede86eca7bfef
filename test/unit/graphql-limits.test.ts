import { getIntrospectionQuery, print, type DocumentNode } from "graphql";
import { describe, expect, it } from "vitest";
import * as clientOperations from "../../client/generated/graphql.ts";
import * as dashboardOperations from "../../dashboard/src/generated/graphql.ts";
import { configSchema } from "../../server/config.ts";
import { schema } from "../../server/graphql/schema.ts";
import { checkDocument } from "../../server/http/graphql-limits.ts";

/*
 * The GraphQL limits (README "Hardening") on documents alone: every operation the client package
 * and the dashboard send passes the default limits, and each kind of bomb is refused with its own
 * code and the config key that sets it.
 */
const defaults = configSchema.parse({}).graphql;

function codesOf(source: string, limits = defaults, options?: { introspection?: boolean }) {
  return checkDocument(schema, source, limits, options).map((error) => error.extensions.code);
}

/** `{ teams { apiKeys { team { apiKeys { … id } } } } }` with `levels` fields in all. */
function nestedTeamsQuery(levels: number): string {
  const fields = Array.from({ length: levels - 1 }, (_, index) =>
    index === 0 ? "teams" : index % 2 === 1 ? "apiKeys" : "team",
  );
  return `{ ${fields.map((field) => `${field} {`).join(" ")} id ${"}".repeat(fields.length)} }`;
}

const shippedDocuments = [
  ...Object.entries(clientOperations).map(([name, value]) => [`client ${name}`, value] as const),
  ...Object.entries(dashboardOperations).map(
    ([name, value]) => [`dashboard ${name}`, value] as const,
  ),
]
  .filter(([name]) => name.endsWith("Document"))
  .map(([name, document]) => [name, print(document as DocumentNode)] as const);

describe("GraphQL limits", () => {
  it("finds the shipped operations (client and dashboard)", () => {
    expect(shippedDocuments.length).toBeGreaterThanOrEqual(20);
    expect(shippedDocuments.map(([name]) => name)).toContain("dashboard TeamsPageDocument");
  });

  it.each(shippedDocuments)("%s passes the default limits", (_name, source) => {
    expect(codesOf(source)).toEqual([]);
  });

  it("passes the shipped operations with margin: each still passes at two thirds of every default", () => {
    const tighter = {
      ...defaults,
      maxDepth: Math.floor((defaults.maxDepth * 2) / 3) + 1,
      maxAliases: Math.floor(defaults.maxAliases / 3),
      maxTokens: Math.floor(defaults.maxTokens / 3),
      maxCost: Math.floor(defaults.maxCost / 3),
      maxListNesting: defaults.maxListNesting - 1,
    };
    for (const [name, source] of shippedDocuments)
      expect([name, codesOf(source, tighter)]).toEqual([name, []]);
  });

  it("refuses a depth bomb: 100 levels of teams { apiKeys { team { apiKeys … } } }", () => {
    const errors = checkDocument(schema, nestedTeamsQuery(100), defaults);
    const depth = errors.find((error) => error.extensions.code === "QUERY_TOO_DEEP");
    expect(depth?.message).toBe(
      "Query depth limit of 12 exceeded, found 100. (graphql.maxDepth in the config)",
    );
  });

  it("refuses lists nested past maxListNesting even within the depth limit", () => {
    // teams > apiKeys > team > apiKeys > team > apiKeys > team > apiKeys: 5 lists, depth 9.
    const source = nestedTeamsQuery(9);
    expect(codesOf(source)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(checkDocument(schema, source, defaults)[0].message).toMatch(
      /^Lists nest 5 deep .*the limit is 3\. \(graphql\.maxListNesting in the config\)$/,
    );
    // teams { apiKeys { team { apiKeys { id } } } }: 3 lists, the most allowed by default.
    expect(codesOf(nestedTeamsQuery(5))).toEqual([]);
    expect(codesOf(nestedTeamsQuery(7))).toEqual(["QUERY_TOO_COMPLEX"]);
  });

  it("refuses an alias bomb: 10,000 aliases stop at the token limit, 31 at the alias limit", () => {
    const aliases = (count: number) =>
      `{ ${Array.from({ length: count }, (_, index) => `a${index}: me { kind }`).join(" ")} }`;
    expect(codesOf(aliases(10_000))).toEqual(["TOO_MANY_TOKENS"]);
    expect(checkDocument(schema, aliases(10_000), defaults)[0].message).toBe(
      "Token limit of 5000 exceeded. (graphql.maxTokens in the config)",
    );
    expect(codesOf(aliases(31))).toEqual(["TOO_MANY_ALIASES"]);
    expect(codesOf(aliases(30))).toEqual([]);
  });

  it("refuses a cost bomb: a page of 1000 logs with every field, while a full page of 500 with a dozen passes", () => {
    const source = `{ requestLogs(first: 1000) { edges { node { apiKeyId attempts cachedTokens
      completionTokens costUsd createdAt deployment errorCode errorMessage httpStatus id latencyMs
      metadata model promptTokens provider reasoningTokens requestedModel source status stream teamId
      timeToFirstTokenMs usageEstimated apiKey { id name } } } } }`;
    const errors = checkDocument(schema, source, defaults);
    expect(errors.map((error) => error.extensions.code)).toEqual(["QUERY_TOO_COMPLEX"]);
    expect(errors[0].message).toMatch(/^Query Cost limit of 50000 exceeded, found 107375\./);
    const fullPage = `{ requestLogs(first: 500) { edges { node { id requestedModel provider deployment
      status errorCode httpStatus promptTokens completionTokens costUsd latencyMs createdAt
      apiKey { id name } } } pageInfo { hasNextPage endCursor } } }`;
    expect(codesOf(fullPage)).toEqual([]);
  });

  it("refuses introspection when it is off, keeps __typename, and bounds it when on", () => {
    const introspection = getIntrospectionQuery();
    expect(codesOf(introspection, defaults, { introspection: true })).toEqual([]);
    expect(codesOf(introspection, defaults, { introspection: false })).toContain(
      "INTROSPECTION_DISABLED",
    );
    expect(
      codesOf(`{ __type(name: "Team") { name } }`, defaults, { introspection: false }),
    ).toEqual(["INTROSPECTION_DISABLED"]);
    expect(codesOf(`{ __typename me { __typename } }`, defaults, { introspection: false })).toEqual(
      [],
    );
    // graphql-js's own MaxIntrospectionDepthRule refuses the introspection fan-out bomb.
    const fanOut = `{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }`;
    expect(checkDocument(schema, fanOut, defaults).map((error) => error.message)).toEqual([
      "Maximum introspection depth exceeded",
    ]);
  });
});
