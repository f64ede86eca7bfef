import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, Kind, parse, visit, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { createSwitchboardClient } from "../../client/index.ts";

const repositoryRoot = path.resolve(import.meta.dirname, "../..");
const schema = buildSchema(
  readFileSync(path.join(repositoryRoot, "schema/schema.graphql"), "utf8"),
);
const operationsFolder = path.join(repositoryRoot, "schema/operations");
const operations = parse(
  readdirSync(operationsFolder)
    .map((file) => readFileSync(path.join(operationsFolder, file), "utf8"))
    .join("\n"),
);

/** The typed method that calls each root field (the client's surface, DESIGN §12). */
const methodByRootField: Record<string, string> = {
  "Query.models": "models",
  "Query.me": "me",
  "Query.teams": "teams",
  "Query.team": "team",
  "Query.apiKeys": "apiKeys",
  "Query.spend": "spend",
  "Query.requestLogs": "requestLogs",
  "Query.auditLogs": "auditLogs",
  "Mutation.createChatCompletion": "chat",
  "Mutation.createEmbedding": "embed",
  "Mutation.createTeam": "createTeam",
  "Mutation.updateTeam": "updateTeam",
  "Mutation.createApiKey": "createApiKey",
  "Mutation.revokeApiKey": "revokeApiKey",
  "Subscription.chatCompletionStream": "stream",
  "Subscription.requestLogged": "watchRequests",
  "Subscription.budgetThresholdReached": "watchBudgetAlerts",
};

describe("@switchboard/client covers the whole schema", () => {
  const rootFields = [
    schema.getQueryType(),
    schema.getMutationType(),
    schema.getSubscriptionType(),
  ].flatMap((type) => Object.keys(type!.getFields()).map((field) => `${type!.name}.${field}`));

  it("has an operation (a TypedDocumentNode for client.request) selecting every query, mutation and subscription field", () => {
    const selected = new Set<string>();
    for (const definition of operations.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const rootType = { query: "Query", mutation: "Mutation", subscription: "Subscription" }[
        (definition as OperationDefinitionNode).operation
      ];
      visit(definition.selectionSet, {
        Field: (field) => void selected.add(`${rootType}.${field.name.value}`),
      });
    }
    expect(rootFields.filter((field) => !selected.has(field))).toEqual([]);
  });

  it("has a typed method for every root field", () => {
    const client = createSwitchboardClient({ url: "http://127.0.0.1:1/graphql" });
    expect(rootFields.filter((field) => !(field in methodByRootField))).toEqual([]);
    for (const field of rootFields)
      expect(
        typeof client[methodByRootField[field] as keyof typeof client],
        `${field} → ${methodByRootField[field]}`,
      ).toBe("function");
  });
});
