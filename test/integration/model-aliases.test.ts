import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGateway } from "../../server/index.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * modelAliases end to end: the names Claude Code and Codex send reach the configured group's
 * upstream with the deployment's model id over REST, GraphQL and the SDK; the request log keeps
 * the name as sent; a key's allow-list is read against the group; GET /v1/models lists aliases
 * and GET /v1/models/{id} (the openai SDK's models.retrieve) answers for them.
 */

const masterKey = "sk-master-aliases-test";
const sonnetAlias = "claude-sonnet-4-5-20250929";
const say = [{ role: "user" as const, content: "Say hello" }];

describe("model aliases", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let openai: OpenAI;

  /** An OpenAI client with a new team key limited to `models`. */
  async function clientAllowed(models: string[]): Promise<OpenAI> {
    const admin = { authorization: `Bearer ${masterKey}` };
    const team = await gateway.graphql<{ createTeam: { id: string } }>(
      `mutation ($name: String!) { createTeam(input: { name: $name }) { id } }`,
      { name: `team-${models.join("-")}-${Math.random()}` },
      admin,
    );
    const key = await gateway.graphql<{ createApiKey: { secret: string } }>(
      `mutation ($teamId: ID!, $models: [String!]) {
        createApiKey(input: { teamId: $teamId, name: "k", models: $models }) { secret }
      }`,
      { teamId: team.data!.createTeam.id, models },
      admin,
    );
    if (!key.data) throw new Error(`createApiKey failed: ${JSON.stringify(key.errors)}`);
    const secret = key.data.createApiKey.secret;
    return new OpenAI({ apiKey: secret, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      models: [
        mockModel(upstream.baseUrl, "claude-sonnet", { model: "upstream-sonnet" }),
        mockModel(upstream.baseUrl, "gpt-5", { model: "upstream-gpt-5", aliases: ["gpt-5-codex"] }),
        mockModel(upstream.baseUrl, "openai/*"),
      ],
      modelAliases: { [sonnetAlias]: "claude-sonnet", "mini-latest": "openai/gpt-4o-mini" },
      auth: { masterKey },
      router: { retries: 0 },
    });
    openai = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it("REST: an alias reaches its group's deployment with the deployment's model, logged as sent", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: sonnetAlias, messages: say })
      .withResponse();
    expect(data.choices[0].message.content).toBe("Hello from the mock upstream.");
    expect(upstream.requests.at(-1)!.body.model).toBe("upstream-sonnet");
    expect(response.headers.get("x-switchboard-deployment")).toBe("openai:upstream-sonnet#0");
    expect(await gateway.latestLog()).toMatchObject({
      requestedModel: sonnetAlias,
      status: "SUCCESS",
      source: "rest",
    });

    // An entry's own alias, streamed; and an alias of a name a wildcard serves.
    const stream = await openai.chat.completions.create({
      model: "gpt-5-codex",
      messages: say,
      stream: true,
    });
    for await (const _chunk of stream);
    expect(upstream.requests.at(-1)!.body.model).toBe("upstream-gpt-5");
    expect(await gateway.latestLog()).toMatchObject({
      requestedModel: "gpt-5-codex",
      stream: true,
    });
    await openai.chat.completions.create({ model: "mini-latest", messages: say });
    expect(upstream.requests.at(-1)!.body.model).toBe("gpt-4o-mini");
  });

  it("GraphQL and the SDK resolve aliases the same way", async () => {
    const { data, errors } = await gateway.graphql<{
      createChatCompletion: { __typename: string; provider: string; deployment: string };
    }>(
      `mutation ($input: ChatCompletionInput!) {
        createChatCompletion(input: $input) {
          __typename
          ... on ChatCompletion { provider deployment }
        }
      }`,
      { input: { model: sonnetAlias, messages: [{ role: "USER", content: "Say hello" }] } },
      { authorization: `Bearer ${masterKey}` },
    );
    expect(errors).toBeUndefined();
    expect(data!.createChatCompletion).toEqual({
      __typename: "ChatCompletion",
      provider: "openai",
      deployment: "openai:upstream-sonnet#0",
    });
    expect(upstream.requests.at(-1)!.body.model).toBe("upstream-sonnet");
    expect(await gateway.latestLog()).toMatchObject({
      requestedModel: sonnetAlias,
      source: "graphql",
    });

    const sdk = createGateway({
      models: [
        {
          ...mockModel(upstream.baseUrl, "claude-sonnet", { model: "sdk-sonnet" }),
          provider: "openai",
        },
        {
          ...mockModel(upstream.baseUrl, "gpt-5", { model: "sdk-gpt-5", aliases: ["gpt-5-codex"] }),
          provider: "openai",
        },
      ],
      modelAliases: { [sonnetAlias]: "claude-sonnet" },
      router: { retries: 0 },
    });
    try {
      const answer = await sdk.completion({ model: sonnetAlias, messages: say });
      expect(answer.switchboard.deployment).toBe("openai:sdk-sonnet#0");
      expect(upstream.requests.at(-1)!.body.model).toBe("sdk-sonnet");
      // A model list may hold aliases too: the first fails over to the second.
      upstream.enqueue({ type: "error", status: 503, body: { error: { message: "down" } } });
      const fallback = await sdk.completion({ model: [sonnetAlias, "gpt-5-codex"], messages: say });
      expect(fallback.switchboard.deployment).toBe("openai:sdk-gpt-5#1");
    } finally {
      await sdk.close();
    }
  });

  it("an unknown model is OpenAI's 404 model_not_found", async () => {
    const failure = await openai.chat.completions
      .create({ model: "claude-sonnet-4-5-20991231", messages: say })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect(failure).toMatchObject({
      status: 404,
      error: {
        type: "invalid_request_error",
        code: "model_not_found",
        param: "model",
        message: expect.stringContaining("claude-sonnet-4-5-20991231"),
      },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it("a key allowed a group may call its aliases; one allowed another group may not", async () => {
    const sonnetOnly = await clientAllowed(["claude-sonnet"]);
    await sonnetOnly.chat.completions.create({ model: sonnetAlias, messages: say });
    expect(upstream.requests.at(-1)!.body.model).toBe("upstream-sonnet");
    expect(await gateway.latestLog()).toMatchObject({ requestedModel: sonnetAlias });

    const gptOnly = await clientAllowed(["gpt-5"]);
    await expect(
      gptOnly.chat.completions.create({ model: sonnetAlias, messages: say }),
    ).rejects.toMatchObject({ status: 403, error: { code: "model_not_allowed" } });
    await gptOnly.chat.completions.create({ model: "gpt-5-codex", messages: say });
    expect(upstream.requests.at(-1)!.body.model).toBe("upstream-gpt-5");
  });

  it("GET /v1/models lists the groups, then the aliases the key may use", async () => {
    const ids = async (client: OpenAI) => {
      const list: string[] = [];
      for await (const model of client.models.list()) list.push(model.id);
      return list;
    };
    expect(await ids(openai)).toEqual([
      "claude-sonnet",
      "gpt-5",
      "openai/*",
      sonnetAlias,
      "mini-latest",
      "gpt-5-codex",
    ]);
    expect(await ids(await clientAllowed(["claude-sonnet"]))).toEqual([
      "claude-sonnet",
      sonnetAlias,
    ]);
  });

  it("models.retrieve answers for a group, an alias and a wildcard-served name", async () => {
    expect(await openai.models.retrieve("claude-sonnet")).toEqual({
      id: "claude-sonnet",
      object: "model",
      created: expect.any(Number),
      owned_by: "openai",
    });
    expect(await openai.models.retrieve(sonnetAlias)).toMatchObject({
      id: sonnetAlias,
      object: "model",
      owned_by: "openai",
    });
    // The SDK escapes the slash (openai%2Fgpt-4o); a plain slash works as well.
    expect(await openai.models.retrieve("openai/gpt-4o")).toMatchObject({ id: "openai/gpt-4o" });
    const plain = await fetch(`${gateway.url}/v1/models/openai/gpt-4o`, {
      headers: { authorization: `Bearer ${masterKey}` },
    });
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ id: "openai/gpt-4o", object: "model" });
  });

  it("models.retrieve: an unknown model, or one the key may not use, is 404 model_not_found", async () => {
    const expectNotFound = async (client: OpenAI, id: string) => {
      const failure = await client.models.retrieve(id).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
      expect(failure).toMatchObject({
        status: 404,
        error: {
          type: "invalid_request_error",
          param: "model",
          code: "model_not_found",
          message: `The model '${id}' does not exist or you do not have access to it.`,
        },
      });
    };
    await expectNotFound(openai, "gpt-6");
    await expectNotFound(openai, "anthropic/claude-opus-4");
    const sonnetOnly = await clientAllowed(["claude-sonnet"]);
    expect(await sonnetOnly.models.retrieve(sonnetAlias)).toMatchObject({ id: sonnetAlias });
    await expectNotFound(sonnetOnly, "gpt-5");
    await expectNotFound(sonnetOnly, "gpt-5-codex");
  });
});
