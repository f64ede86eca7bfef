import { print } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { TeamsPageDocument } from "../../dashboard/src/generated/graphql.ts";
import { createTeamKey } from "../support/team-key.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * The GraphQL limits end to end (README "Hardening"): bombs sent as a team key would send them
 * are refused with HTTP 400 and their code over HTTP and over graphql-ws, batches are bounded,
 * and the dashboard's own page query still answers. Introspection and GraphiQL follow the master key.
 */
const masterKey = "sk-master-hardening";
const teamsPageQuery = print(TeamsPageDocument);
const monthFrom = "2030-01-01T00:00:00.000Z";

/** 100 levels of teams { apiKeys { team { apiKeys … } } }. */
const depthBomb = `{ teams { ${"apiKeys { team { ".repeat(49)} id ${"} } ".repeat(49)} } }`;
const aliasBomb = `{ ${Array.from({ length: 10_000 }, (_, index) => `a${index}: me { id }`).join(" ")} }`;
const everyLogField = `apiKeyId attempts cachedTokens completionTokens costUsd createdAt deployment
  errorCode errorMessage httpStatus id latencyMs metadata model promptTokens provider reasoningTokens
  requestedModel source status stream teamId timeToFirstTokenMs usageEstimated apiKey { id name }`;
/** A page of 1000 logs with every field: Armor's cost ~107,000. */
const costBomb = `{ requestLogs(first: 1000) { edges { node { ${everyLogField} } } } }`;

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

describe("hostile GraphQL", () => {
  let gateway: TestApp;
  let teamKey: string;

  async function post(body: unknown, key = teamKey) {
    const response = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as GraphQLAnswer };
  }

  beforeAll(async () => {
    gateway = await startTestApp({ auth: { masterKey } });
    teamKey = await createTeamKey(gateway, masterKey, "hardening");
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers the dashboard's Teams page query with a team key", async () => {
    const { status, body } = await post({ query: teamsPageQuery, variables: { monthFrom } });
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect((body.data!.teams as Array<{ name: string }>).map((team) => team.name)).toEqual([
      "hardening",
    ]);
  });

  it.each([
    ["a 100-level depth bomb", depthBomb, "QUERY_TOO_DEEP", /^Query depth limit of 12 exceeded/],
    ["a 10,000-alias bomb", aliasBomb, "TOO_MANY_TOKENS", /^Token limit of 5000 exceeded/],
    ["a cost bomb", costBomb, "QUERY_TOO_COMPLEX", /^Query Cost limit of 50000 exceeded/],
  ])("refuses %s with 400 and its code", async (_name, query, code, message) => {
    const started = performance.now();
    const { status, body } = await post({ query });
    const elapsedMs = performance.now() - started;
    expect(status).toBe(400);
    expect(body.data ?? undefined).toBeUndefined();
    expect(body.errors![0].extensions?.code).toBe(code);
    expect(body.errors![0].message).toMatch(message);
    console.info(`${_name}: refused in ${elapsedMs.toFixed(1)} ms (${query.length} bytes sent)`);
  });

  it("runs a batch of up to maxBatch operations and refuses a larger one before running any", async () => {
    const operation = { query: "{ me { kind } }" };
    const small = await post([operation, operation]);
    expect(small.status).toBe(200);
    expect(small.body).toEqual([
      { data: { me: { kind: "API_KEY" } } },
      { data: { me: { kind: "API_KEY" } } },
    ]);
    const large = await post(Array.from({ length: 11 }, () => operation));
    expect(large.status).toBe(400);
    expect(large.body.errors![0]).toMatchObject({
      message:
        "A batch may hold at most 10 operations; this one has 11. (graphql.maxBatch in the config)",
      extensions: { code: "BATCH_TOO_LARGE" },
    });
  });

  it("refuses introspection and serves no GraphiQL when a master key is set", async () => {
    const { status, body } = await post(
      { query: "{ __schema { queryType { name } } }" },
      masterKey,
    );
    expect(status).toBe(400);
    expect(body.errors![0].extensions?.code).toBe("INTROSPECTION_DISABLED");
    const page = await fetch(gateway.graphqlUrl, { headers: { accept: "text/html" } });
    await page.text();
    expect(page.headers.get("content-type") ?? "").not.toContain("text/html");
  });

  it("refuses the bombs in graphql-sse's single connection mode too (400 with the code, not a 500)", async () => {
    const reservation = await fetch(gateway.graphqlUrl, {
      method: "PUT",
      headers: { authorization: `Bearer ${teamKey}` },
    });
    expect(reservation.status).toBe(201);
    const token = await reservation.text();
    for (const [query, code] of [
      [aliasBomb, "TOO_MANY_TOKENS"],
      [depthBomb, "QUERY_TOO_DEEP"],
      [costBomb, "QUERY_TOO_COMPLEX"],
    ]) {
      const response = await fetch(gateway.graphqlUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${teamKey}`,
          "x-graphql-event-stream-token": token,
        },
        body: JSON.stringify({ query, extensions: { operationId: code } }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as GraphQLAnswer;
      expect(body.errors![0].extensions).toEqual({ code });
    }
    await fetch(`${gateway.graphqlUrl}?token=${token}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${teamKey}` },
    });
  });

  describe("over graphql-ws", () => {
    let client: Client;
    beforeAll(() => {
      client = createClient({
        url: gateway.graphqlUrl.replace("http", "ws"),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${teamKey}` },
      });
    });
    afterAll(async () => {
      await client?.dispose();
    });

    function run(query: string, variables?: Record<string, unknown>): Promise<unknown> {
      return new Promise((resolve, reject) => {
        let result: unknown;
        client.subscribe(
          { query, variables },
          { next: (value) => (result = value), error: reject, complete: () => resolve(result) },
        );
      });
    }

    it("refuses the same bombs with their codes", async () => {
      for (const [query, code] of [
        [depthBomb, "QUERY_TOO_DEEP"],
        [aliasBomb, "TOO_MANY_TOKENS"],
        [costBomb, "QUERY_TOO_COMPLEX"],
      ]) {
        const errors = (await run(query).catch((error: unknown) => error)) as Array<{
          extensions?: { code?: string };
        }>;
        expect(Array.isArray(errors)).toBe(true);
        expect(errors[0].extensions?.code).toBe(code);
      }
    });

    it("still answers the dashboard's query", async () => {
      const result = (await run(teamsPageQuery, { monthFrom })) as GraphQLAnswer;
      expect(result.errors).toBeUndefined();
      expect(result.data!.teams).toHaveLength(1);
    });
  });
});

describe("introspection and GraphiQL by configuration", () => {
  it("are on without a master key (local development)", async () => {
    const gateway = await startTestApp({});
    try {
      const { data } = await gateway.graphql<{ __schema: { queryType: { name: string } } }>(
        "{ __schema { queryType { name } } }",
      );
      expect(data?.__schema.queryType.name).toBe("Query");
      const page = await fetch(gateway.graphqlUrl, { headers: { accept: "text/html" } });
      expect(await page.text()).toContain("GraphiQL");
    } finally {
      await gateway.stop();
    }
  });

  it("are on with a master key when the config says so", async () => {
    const gateway = await startTestApp({
      auth: { masterKey },
      graphql: { introspection: true, graphiql: true },
    });
    try {
      const { data } = await gateway.graphql<{ __schema: { queryType: { name: string } } }>(
        "{ __schema { queryType { name } } }",
        {},
        { authorization: `Bearer ${masterKey}` },
      );
      expect(data?.__schema.queryType.name).toBe("Query");
      const page = await fetch(gateway.graphqlUrl, { headers: { accept: "text/html" } });
      expect(await page.text()).toContain("GraphiQL");
    } finally {
      await gateway.stop();
    }
  });
});
