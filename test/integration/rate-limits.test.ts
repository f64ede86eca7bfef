import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-limits-test";

/*
 * Requests per minute, tokens per minute and parallel requests, per team, key and deployment:
 * each refusal is a 429 with a retry-after that says when the request would fit, nothing is
 * sent upstream for it, and the window moves with the (injected) clock.
 */
describe("rate limits", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let clock = Date.parse("2026-05-04T09:00:00Z");

  async function admin<Data = any>(query: string, variables: Record<string, unknown> = {}) {
    const { data, errors } = await gateway.graphql<Data>(query, variables, {
      authorization: `Bearer ${masterKey}`,
    });
    if (!data) throw new Error(JSON.stringify(errors));
    return data;
  }

  async function keyFor(
    team: Record<string, unknown>,
    key: Record<string, unknown> = {},
  ): Promise<string> {
    const { createTeam } = await admin(
      `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
      { input: team },
    );
    const { createApiKey } = await admin(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { teamId: createTeam.id, name: "service", ...key } },
    );
    return createApiKey.secret;
  }

  function chat(
    secret: string,
    extra: Record<string, unknown> = {},
    model = "gpt-4o-mini",
    signal?: AbortSignal,
  ) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      signal,
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra }),
    });
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp(
      {
        models: [
          mockModel(upstream.baseUrl),
          mockModel(upstream.baseUrl, "limited-model", { model: "gpt-4o-mini", rpm: 2 }),
        ],
        auth: { masterKey },
      },
      { now: () => clock },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("requests per minute (team): the next one is a 429 with retry-after until the minute has passed", async () => {
    const secret = await keyFor({ name: "rpm-team", limits: { rpm: 3 } });
    for (let index = 0; index < 3; index += 1) expect((await chat(secret)).status).toBe(200);
    const sentBefore = upstream.requests.length;
    clock += 10_000;
    const refused = await chat(secret);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(49);
    expect(retryAfter).toBeLessThanOrEqual(51);
    expect((await refused.json()).error).toMatchObject({
      type: "rate_limit_error",
      code: "rate_limited",
      message: expect.stringMatching(/team 'rpm-team'.*rpm|requests per minute/i),
    });
    expect(upstream.requests.length).toBe(sentBefore);

    const { data } = await gateway.graphql<any>(
      `mutation { createChatCompletion(input: { model: "gpt-4o-mini", messages: [{ role: USER, content: "hi" }] }) { __typename ... on RateLimitedError { code retryAfterMs } } }`,
      {},
      { authorization: `Bearer ${secret}` },
    );
    expect(data.createChatCompletion).toMatchObject({
      __typename: "RateLimitedError",
      code: "RATE_LIMITED",
    });
    expect(data.createChatCompletion.retryAfterMs).toBeGreaterThan(49_000);

    clock += 51_000;
    expect((await chat(secret)).status).toBe(200);
  });

  it("tokens per minute (key): counts the estimate, corrects it to the provider's usage, refuses what does not fit", async () => {
    // "hi" is about 7 prompt tokens; the mock answers with usage 12 + 7 = 19.
    const secret = await keyFor({ name: "tpm-team" }, { limits: { tpm: 60 } });
    expect((await chat(secret, { max_tokens: 50 })).status).toBe(200);
    const refused = await chat(secret, { max_tokens: 50 });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await refused.json()).error.message).toMatch(/tpm|tokens per minute/i);
    // After the correction 19 are used: an estimate of 7 + 30 fits under 60.
    expect((await chat(secret, { max_tokens: 30 })).status).toBe(200);
    const tooBig = await chat(secret, { max_tokens: 500 });
    expect(tooBig.status).toBe(429);
    expect(tooBig.headers.get("retry-after")).toBe("60");
  });

  it("parallel requests (key): a second request while one is in flight is refused, and admitted once it ends", async () => {
    const secret = await keyFor({ name: "parallel-team" }, { limits: { maxParallel: 1 } });
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 20, chunks: 10 });
    // The headers arrive with the first chunk; the stream goes on for another ~200 ms.
    const first = await chat(secret, { stream: true });
    const refused = await chat(secret);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await refused.json()).error.message).toMatch(/parallel|in flight/i);
    expect(await first.text()).toContain("[DONE]");
    expect((await chat(secret)).status).toBe(200);
  });

  it("a deployment's own rpm from the config applies to every caller", async () => {
    const admin = (extra = {}) => chat(masterKey, extra, "limited-model");
    expect((await admin()).status).toBe(200);
    expect((await admin()).status).toBe(200);
    const refused = await admin();
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toContain("deployment openai:gpt-4o-mini#1");
  });

  it("a caller that disconnects mid-stream frees its parallel slot, its budget reservation and the deployment's in-flight count at once", async () => {
    const { createTeam } = await admin(
      `mutation { createTeam(input: { name: "disconnect-team", budget: { limitUsd: "10", period: DAILY } }) { id } }`,
    );
    const { createApiKey } = await admin(
      `mutation($teamId: ID!) { createApiKey(input: { teamId: $teamId, name: "one at a time", limits: { maxParallel: 1 } }) { secret } }`,
      { teamId: createTeam.id },
    );
    const secret: string = createApiKey.secret;
    const state = async () => {
      const data = await admin(
        `query($id: ID!) { team(id: $id) { budget { reservedUsd spentUsd } } models { name deployments { id inFlight } } }`,
        { id: createTeam.id },
      );
      const deployment = data.models.find((model: { name: string }) => model.name === "gpt-4o-mini")
        .deployments[0];
      return { ...data.team.budget, inFlight: deployment.inFlight };
    };

    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 50, chunks: 400 });
    const caller = new AbortController();
    const response = await chat(secret, { stream: true }, undefined, caller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    const holding = await state();
    expect(Number(holding.reservedUsd)).toBeGreaterThan(0);
    expect(holding.inFlight).toBe(1);
    expect((await chat(secret)).status).toBe(429);

    const closedBefore = upstream.closedRequests;
    caller.abort();
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    // The stream would have run for another 20 s: everything it held is back well before that.
    await expect.poll(state, { timeout: 2000 }).toMatchObject({ reservedUsd: "0", inFlight: 0 });
    expect(Number((await state()).spentUsd)).toBeGreaterThan(0);
    expect((await chat(secret)).status).toBe(200);
  });
});
