import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-prices-test";
const admin = { authorization: `Bearer ${masterKey}` };

/*
 * Money paths of issue 14: a long prompt on a tiered model is billed at its long-context tier,
 * and a model without any price is refused to callers whose budget could not bind on it.
 */
describe("prices and budgets", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  async function asAdmin<Data = any>(query: string, variables: Record<string, unknown> = {}) {
    const { data, errors } = await gateway.graphql<Data>(query, variables, admin);
    if (!data) throw new Error(JSON.stringify(errors));
    return data;
  }

  /** A team, with or without a budget, and a key of its own. */
  async function keyOfTeam(name: string, budget?: { limitUsd: string; period: string }) {
    const { createTeam } = await asAdmin(
      `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
      { input: { name, ...(budget ? { budget } : {}) } },
    );
    const { createApiKey } = await asAdmin(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { teamId: createTeam.id, name: "service" } },
    );
    return { teamId: createTeam.id as string, secret: createApiKey.secret as string };
  }

  function chat(model: string, secret: string) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 10 }),
    });
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      models: [
        // Priced by the data: the upstream id is matched across providers (Google's Gemini 2.5 Pro).
        {
          name: "long-context",
          provider: "openai-compatible",
          model: "gemini-2.5-pro",
          apiBase: upstream.baseUrl,
        },
        // No price anywhere: neither in the data nor in the config.
        mockModel(upstream.baseUrl, "house-model"),
        // The same upstream model with a price in the config.
        mockModel(upstream.baseUrl, "house-model-priced", {
          model: "house-model",
          pricing: { inputPerMillion: 1, outputPerMillion: 2 },
        }),
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("bills a 250k-token prompt on Gemini 2.5 Pro at the long-context tier and charges the budget that", async () => {
    const { teamId, secret } = await keyOfTeam("long-prompts", {
      limitUsd: "10",
      period: "MONTHLY",
    });
    upstream.enqueue({
      type: "completion",
      usage: { prompt_tokens: 250_000, completion_tokens: 1_000 },
    });
    const response = await chat("long-context", secret);
    expect(response.status).toBe(200);
    // 250,000 × $2.5 + 1,000 × $15 per million; the base tier would have been 0.3225.
    expect(response.headers.get("x-switchboard-cost-usd")).toBe("0.64");
    const { team } = await asAdmin(`{ team(id: "${teamId}") { budget { spentUsd reservedUsd } } }`);
    expect(team.budget).toEqual({ spentUsd: "0.64", reservedUsd: "0" });
  });

  it("refuses a model without a price to a key whose team has a budget: REST 400 naming the model and the fix", async () => {
    const { secret } = await keyOfTeam("budgeted", { limitUsd: "5", period: "MONTHLY" });
    const before = upstream.requests.length;
    const response = await chat("house-model", secret);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error).toMatchObject({ type: "invalid_request_error", param: "model" });
    expect(body.error.message).toContain(
      "Model 'house-model' (openai 'house-model') has no known price",
    );
    expect(body.error.message).toContain(
      "Add pricing: { inputPerMillion, outputPerMillion } (USD per million tokens) to model 'house-model' in switchboard.yaml",
    );
    expect(upstream.requests.length).toBe(before);

    const { data } = await gateway.graphql<any>(
      `mutation { createChatCompletion(input: { model: "house-model", messages: [{ role: USER, content: "hi" }] }) {
        __typename ... on InvalidRequestError { code message param } } }`,
      {},
      { authorization: `Bearer ${secret}` },
    );
    expect(data.createChatCompletion).toMatchObject({
      __typename: "InvalidRequestError",
      code: "BAD_REQUEST",
      param: "model",
    });
    expect(data.createChatCompletion.message).toContain("has no known price");

    // With a price in the config, the same upstream model is served and charged.
    const priced = await chat("house-model-priced", secret);
    expect(priced.status).toBe(200);
    expect(priced.headers.get("x-switchboard-cost-usd")).toBe("0.000026"); // 12 × 1 + 7 × 2 per million
  });

  it("still serves the unpriced model to callers without a budget: a key of a team without one, and the master key", async () => {
    const { secret } = await keyOfTeam("no-budget");
    const response = await chat("house-model", secret);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-switchboard-cost-usd")).toBe("0");
    expect((await chat("house-model", masterKey)).status).toBe(200);
  });
});
