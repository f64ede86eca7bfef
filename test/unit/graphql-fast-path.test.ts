import { print } from "graphql";
import { CreateChatCompletionDocument } from "../../client/generated/graphql.ts";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { configSchema } from "../../server/config.ts";
import { GatewayError } from "../../server/gateway/errors.ts";
import { schema } from "../../server/graphql/schema.ts";
import { createAuthenticator } from "../../server/http/authenticate.ts";
import { createGraphQLServer, type GraphQLServer } from "../../server/http/yoga.ts";
import type { CompletionContext } from "../../server/modules/completions/completions.service.ts";
import type { AppServices } from "../../server/services.ts";

/*
 * The GraphQL fast path (server/http/graphql-fast-path.ts) against Yoga itself: for each request,
 * the answer over HTTP through the fast path (status, the headers that carry meaning, and the
 * body byte for byte) equals Yoga's own answer to the same request through its fetch, and the
 * path's counts say which of the two answered. The completions service is a stand-in whose
 * answer each test chooses, so bodies are deterministic.
 */
const masterKey = "sk-master-fast-path";
const limits = configSchema.parse({}).graphql;

/** The mutation the typed client sends (schema/operations/chat.graphql, as generated for client/). */
const chatMutation = print(CreateChatCompletionDocument);
const hello = { model: "gpt-4o-mini", messages: [{ role: "USER", content: "Say hello" }] };
const chatBody = JSON.stringify({
  query: chatMutation,
  variables: { input: hello },
  operationName: "CreateChatCompletion",
});

const completion = {
  requestId: "req_fast_1",
  attempts: 1,
  cache: "miss",
  latencyMs: 3,
  deployment: { provider: "openai", id: "gpt-4o-mini#0" },
  charge: { costNanoUsd: 1234n },
  response: {
    id: "chatcmpl-fast",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "gpt-4o-mini",
    choices: [
      { index: 0, message: { role: "assistant", content: "Hello!" }, finish_reason: "stop" },
    ],
    usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
  },
};

type Behaviour = "completion" | "model-not-found" | "unexpected" | "cancelled" | "wait-for-abort";

interface Answer {
  status: number;
  contentType: string | null;
  requestId: string | null;
  allow: string | null;
  body: string;
}

describe("GraphQL fast path", () => {
  let behaviour: Behaviour;
  let chatContexts: CompletionContext[];
  let unexpectedErrors: unknown[];
  let graphql: GraphQLServer;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const services = {
      completions: {
        async chat(_body: unknown, context: CompletionContext) {
          chatContexts.push(context);
          if (behaviour === "model-not-found")
            throw new GatewayError("MODEL_NOT_FOUND", 'No model is called "nope".');
          if (behaviour === "unexpected") throw new Error("the disk is on fire");
          if (behaviour === "cancelled")
            throw new GatewayError("CANCELLED", "The caller cancelled the request.");
          if (behaviour === "wait-for-abort")
            await new Promise((resolve) => context.signal!.addEventListener("abort", resolve));
          return completion;
        },
      },
    } as unknown as AppServices;
    graphql = createGraphQLServer({
      schema,
      services,
      authenticate: createAuthenticator({ masterKey }),
      limits,
      masterKeySet: true,
      onUnexpectedError: (error) => unexpectedErrors.push(error),
    });
    server = createServer((request, response) => void graphql.fastPath.answer(request, response));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });
  beforeEach(() => {
    behaviour = "completion";
    chatContexts = [];
    unexpectedErrors = [];
  });

  function headersWith(headers: Record<string, string>): Record<string, string> {
    return { "content-type": "application/json", authorization: `Bearer ${masterKey}`, ...headers };
  }

  async function answerOf(response: Response): Promise<Answer> {
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      requestId: response.headers.get("x-request-id"),
      allow: response.headers.get("allow"),
      body: await response.text(),
    };
  }

  /** The same request through the fast path (HTTP) and through Yoga (its fetch), and the counts' change. */
  async function bothWays(body: string, headers: Record<string, string> = {}) {
    const before = { ...graphql.fastPath.counts };
    const init = { method: "POST", headers: headersWith(headers), body };
    const overHttp = await answerOf(await fetch(url, init));
    const counted = {
      answered: graphql.fastPath.counts.answered - before.answered,
      handedToYoga: graphql.fastPath.counts.handedToYoga - before.handedToYoga,
    };
    const byYoga = await answerOf(await graphql.fetch("http://localhost/graphql", init));
    return { overHttp, byYoga, counted };
  }

  const accepts = [
    ["graphql-response+json first", "application/graphql-response+json, application/json"],
    ["application/json", "application/json"],
    ["application/graphql-response+json", "application/graphql-response+json"],
    ["*/*", "*/*"],
  ] as const;

  describe.each(accepts)("with Accept %s", (_name, accept) => {
    it.each([
      ["a completion", "completion"],
      ["a union error member", "model-not-found"],
      ["a masked unexpected error", "unexpected"],
      ["a gateway failure without a member (unmasked, with its code)", "cancelled"],
    ] as const)("answers %s as Yoga does", async (_case, chosen) => {
      behaviour = chosen;
      const { overHttp, byYoga, counted } = await bothWays(chatBody, { accept });
      expect(overHttp).toEqual(byYoga);
      expect(counted).toEqual({ answered: 1, handedToYoga: 0 });
    });

    it.each([
      ["a query", { query: "{ me { kind } }" }, {}],
      ["a missing key", { query: "{ me { kind } }" }, { authorization: "" }],
      ["an unknown key", { query: "{ me { kind } }" }, { authorization: "Bearer sk-unknown" }],
      [
        "a key in x-api-key",
        { query: "{ me { kind } }" },
        { authorization: "", "x-api-key": masterKey },
      ],
      [
        "variables that do not coerce",
        { query: chatMutation, variables: { input: { model: 3, messages: [{ role: "USR" }] } } },
        {},
      ],
      ["missing variables", { query: chatMutation }, {}],
      [
        "an acceptable x-request-id (echoed)",
        { query: "{ me { kind } }" },
        { "x-request-id": "trace-1.a:b" },
      ],
      [
        "an unacceptable x-request-id (not echoed)",
        { query: "{ me { kind } }" },
        { "x-request-id": "no spaces" },
      ],
    ])("answers %s as Yoga does", async (_case, body, headers) => {
      const { overHttp, byYoga, counted } = await bothWays(JSON.stringify(body), {
        accept,
        ...headers,
      });
      expect(overHttp).toEqual(byYoga);
      expect(counted).toEqual({ answered: 1, handedToYoga: 0 });
    });
  });

  it("compares real answers: statuses and codes as GraphQL over HTTP has them", async () => {
    const cases = [
      [chatBody, {}, 200, '"__typename":"ChatCompletion"'],
      [chatBody, { authorization: "Bearer sk-unknown" }, 401, '"code":"UNAUTHENTICATED"'],
      [JSON.stringify({ query: chatMutation }), {}, 400, 'Variable \\"$input\\" of required type'],
      [JSON.stringify({ query: "{ me { nope } }" }), {}, 400, "GRAPHQL_VALIDATION_FAILED"],
      [
        JSON.stringify({ query: "{ me { nope } }" }),
        { accept: "application/json" },
        200,
        "GRAPHQL_VALIDATION_FAILED",
      ],
      [
        JSON.stringify({ query: "{ __schema { queryType { name } } }" }),
        { accept: "application/json" },
        400,
        "INTROSPECTION_DISABLED",
      ],
    ] as const;
    for (const [body, headers, status, excerpt] of cases) {
      const { overHttp } = await bothWays(body, {
        accept: "application/graphql-response+json, application/json",
        ...headers,
      });
      expect(overHttp.status).toBe(status);
      expect(overHttp.body).toContain(excerpt);
    }
  });

  it("echoes an acceptable x-request-id and hands it and cache-control to the completion", async () => {
    const { overHttp } = await bothWays(chatBody, {
      "x-request-id": "trace-42",
      "cache-control": "no-store",
    });
    expect(overHttp.requestId).toBe("trace-42");
    expect(chatContexts[0]).toMatchObject({
      clientRequestId: "trace-42",
      cacheControl: "no-store",
      principal: { kind: "admin" },
    });
    expect(chatContexts[0].signal).toBeInstanceOf(AbortSignal);
  });

  it("tells onUnexpectedError about a masked error once per answer", async () => {
    behaviour = "unexpected";
    const response = await fetch(url, { method: "POST", headers: headersWith({}), body: chatBody });
    expect(await response.json()).toMatchObject({
      errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
    });
    expect(unexpectedErrors).toEqual([new Error("the disk is on fire")]);
  });

  it.each([
    ["a validation error", JSON.stringify({ query: "{ me { nope } }" }), {}],
    ["a syntax error", JSON.stringify({ query: "{ me { kind }" }), {}],
    [
      "a depth bomb",
      JSON.stringify({
        query: `{ teams { ${"apiKeys { team { ".repeat(10)} id ${"} } ".repeat(10)} } }`,
      }),
      {},
    ],
    ["introspection", JSON.stringify({ query: "{ __schema { queryType { name } } }" }), {}],
    [
      "two operations and no operationName",
      JSON.stringify({ query: "{ me { kind } } query B { me { id } }" }),
      {},
    ],
    [
      "an unknown operationName",
      JSON.stringify({ query: "query A { me { kind } }", operationName: "B" }),
      {},
    ],
    ["a subscription", JSON.stringify({ query: "subscription { requestLogged { id } }" }), {}],
    ["a batch", JSON.stringify([{ query: "{ me { kind } }" }, { query: "{ me { id } }" }]), {}],
    ["an empty query", JSON.stringify({ query: "" }), {}],
    ["invalid JSON", "{ not json", {}],
    ["an empty object", "{}", {}],
    ["a number", "5", {}],
    ["an unexpected parameter", JSON.stringify({ query: "{ me { kind } }", other: 1 }), {}],
    ["variables that are a list", JSON.stringify({ query: "{ me { kind } }", variables: [1] }), {}],
  ])(
    "hands %s to Yoga with its body, which answers as it always has",
    async (_case, body, headers) => {
      for (const accept of accepts.map(([, value]) => value)) {
        const { overHttp, byYoga, counted } = await bothWays(body, { accept, ...headers });
        expect(overHttp).toEqual(byYoga);
        expect(overHttp.status).not.toBe(500);
        expect(counted).toEqual({ answered: 0, handedToYoga: 1 });
      }
    },
  );

  it.each([
    ["an event-stream Accept", { accept: "text/event-stream" }],
    ["a multipart Accept", { accept: "multipart/mixed" }],
    ["JSON and event-stream both accepted", { accept: "application/json, text/event-stream" }],
    ["Accept with another charset", { accept: "application/json; charset=latin1" }],
    ["application/graphql+json", { "content-type": "application/graphql+json" }],
    ["graphql-sse's stream token", { "x-graphql-event-stream-token": "token-1" }],
  ])("leaves a request with %s to Yoga untouched", async (_case, headers) => {
    const { overHttp, byYoga, counted } = await bothWays(
      JSON.stringify({ query: "{ me { kind } }" }),
      headers,
    );
    expect(overHttp.status).toBe(byYoga.status);
    expect(counted).toEqual({ answered: 0, handedToYoga: 1 });
  });

  it("checks a document once: a repeated query is answered from the cache", async () => {
    const query = "query CacheProbe { me { kind name } }";
    const before = graphql.fastPath.cachedDocuments;
    for (let round = 0; round < 3; round++) {
      const response = await fetch(url, {
        method: "POST",
        headers: headersWith({}),
        body: JSON.stringify({ query }),
      });
      expect(await response.json()).toEqual({
        data: { me: { kind: "ADMIN", name: "master key" } },
      });
    }
    expect(graphql.fastPath.cachedDocuments).toBe(before + 1);
  });

  it("aborts the operation's signal when the caller goes away, so the upstream call is cancelled", async () => {
    behaviour = "wait-for-abort";
    const sent = httpRequest(url, { method: "POST", headers: headersWith({}) });
    sent.on("error", () => {});
    sent.end(chatBody);
    await expect.poll(() => chatContexts.length).toBe(1);
    expect(chatContexts[0].signal!.aborted).toBe(false);
    sent.destroy();
    await expect.poll(() => chatContexts[0].signal!.aborted).toBe(true);
  });
});
