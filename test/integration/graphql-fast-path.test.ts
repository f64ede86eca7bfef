import { print } from "graphql";
import { CreateChatCompletionDocument } from "../../client/generated/graphql.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TeamsPageDocument } from "../../dashboard/src/generated/graphql.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * The app's GraphQL endpoint over HTTP (where server/app.ts sends /graphql to the fast path)
 * answers as Yoga does in-process (`app.fetch`, DESIGN §10.7), with the real services: keys and
 * their scopes, union members from the completions service, the dashboard's nested page query,
 * and the caller's x-request-id sent upstream. Values the gateway makes fresh on each request
 * (request ids, latencies) are set aside before the bodies are compared.
 */
const masterKey = "sk-master-fast-path-app";
/** The mutation the typed client sends (schema/operations/chat.graphql, as generated for client/). */
const chatMutation = print(CreateChatCompletionDocument);
const chatOf = (model: string) =>
  JSON.stringify({
    query: chatMutation,
    variables: { input: { model, messages: [{ role: "USER", content: "Say hello" }] } },
  });

/** The fields made fresh on each request (the mock numbers its completions), replaced so two answers compare. */
function withoutFreshValues(body: string): string {
  return body
    .replace(/"id":"chatcmpl-mock\d+"/g, '"id":"chatcmpl-mock"')
    .replace(/"requestId":"[^"]*"/g, '"requestId":"…"')
    .replace(/"latencyMs":\d+/g, '"latencyMs":0');
}

describe("GraphQL over HTTP through the app", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let teamKey: string;
  let narrowKey: string;
  let revokedKey: string;

  async function admin<Data>(query: string, variables?: Record<string, unknown>) {
    const { data, errors } = await gateway.graphql<Data>(query, variables, {
      authorization: `Bearer ${masterKey}`,
    });
    if (!data) throw new Error(JSON.stringify(errors));
    return data;
  }

  async function keyOfNewTeam(name: string, models?: string[]) {
    const { createTeam } = await admin<{ createTeam: { id: string } }>(
      `mutation ($name: String!, $models: [String!]) { createTeam(input: { name: $name, models: $models }) { id } }`,
      { name, models },
    );
    const { createApiKey } = await admin<{
      createApiKey: { secret: string; apiKey: { id: string } };
    }>(
      `mutation ($teamId: ID!) { createApiKey(input: { teamId: $teamId, name: "k" }) { secret apiKey { id } } }`,
      { teamId: createTeam.id },
    );
    return createApiKey;
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      models: [mockModel(upstream.baseUrl), mockModel(upstream.baseUrl, "gpt-4o")],
      router: { retries: 0 },
    });
    teamKey = (await keyOfNewTeam("fast")).secret;
    narrowKey = (await keyOfNewTeam("narrow", ["gpt-4o-mini"])).secret;
    const revoked = await keyOfNewTeam("revoked");
    await admin(`mutation ($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: revoked.apiKey.id });
    revokedKey = revoked.secret;
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  async function bothWays(body: string, headers: Record<string, string>) {
    const init = {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
    };
    const [overHttp, byYoga] = await Promise.all([
      fetch(gateway.graphqlUrl, init),
      gateway.app.fetch("http://switchboard.test/graphql", init),
    ]);
    const answerOf = async (response: Response) => {
      const text = await response.text();
      return {
        status: response.status,
        contentType: response.headers.get("content-type"),
        requestId: response.headers.get("x-request-id"),
        body: withoutFreshValues(text),
        lengthMatches: Number(response.headers.get("content-length")) === Buffer.byteLength(text),
      };
    };
    return { overHttp: await answerOf(overHttp), byYoga: await answerOf(byYoga) };
  }

  const monthFrom = "2030-01-01T00:00:00.000Z";
  const cases: Array<[string, () => string, () => Record<string, string>, number]> = [
    ["a completion with a team key", () => chatOf("gpt-4o-mini"), () => bearer(teamKey), 200],
    ["a model the key may not use", () => chatOf("gpt-4o"), () => bearer(narrowKey), 200],
    ["a model no one configured", () => chatOf("nope"), () => bearer(teamKey), 200],
    ["me with a team key", () => query("{ me { kind name } }"), () => bearer(teamKey), 200],
    [
      "an admin field with a team key (FORBIDDEN)",
      () => query("{ auditLogs(first: 1) { edges { node { id } } } }"),
      () => bearer(teamKey),
      403,
    ],
    ["a revoked key", () => query("{ me { kind } }"), () => bearer(revokedKey), 401],
    ["no key", () => query("{ me { kind } }"), () => ({}), 401],
    [
      "the dashboard's Teams page",
      () => JSON.stringify({ query: print(TeamsPageDocument), variables: { monthFrom } }),
      () => bearer(masterKey),
      200,
    ],
    ["a validation error", () => query("{ me { nope } }"), () => bearer(teamKey), 400],
  ];

  describe.each([["application/graphql-response+json, application/json"], ["application/json"]])(
    "with Accept %s",
    (accept) => {
      it.each(cases)("answers %s as Yoga does", async (_name, body, headers, status) => {
        const { overHttp, byYoga } = await bothWays(body(), { accept, ...headers() });
        expect(overHttp).toEqual(byYoga);
        expect(overHttp.lengthMatches).toBe(true);
        // Yoga's GraphQL-over-HTTP rule: validation errors are 200 for application/json clients.
        expect(overHttp.status).toBe(
          status === 400 && accept === "application/json" ? 200 : status,
        );
      });
    },
  );

  it("echoes the caller's x-request-id and sends it upstream with the completion", async () => {
    const response = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        "x-request-id": "trace-fast.1",
        ...bearer(teamKey),
      },
      body: chatOf("gpt-4o-mini"),
    });
    expect(response.headers.get("x-request-id")).toBe("trace-fast.1");
    expect(await response.json()).toMatchObject({
      data: { createChatCompletion: { __typename: "ChatCompletion" } },
    });
    expect(upstream.requests.at(-1)!.headers["x-request-id"]).toBe("trace-fast.1");
  });
});

function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

function query(source: string): string {
  return JSON.stringify({ query: source });
}
