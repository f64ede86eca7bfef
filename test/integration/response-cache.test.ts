import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-response-cache-test";
const admin = { authorization: `Bearer ${masterKey}` };

/** A chat body with a question of its own, so each test owns its cache entries. */
function ask(question: string, extra: Record<string, unknown> = {}) {
  return {
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: question }],
    temperature: 0,
    ...extra,
  };
}

/** The data of an SSE answer's frames, `[DONE]` left out. */
function sseData(text: string): any[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
    .map((frame) => JSON.parse(frame.slice("data: ".length)));
}

/** The chunks as they would be without their ids (every hit gets a new completion id). */
function withoutIds(chunks: any[]) {
  return chunks.map(({ id: _id, ...chunk }) => chunk);
}

/*
 * The exact response cache (config `cache`) through the real app: REST and GraphQL, streams and
 * not, the bypasses, what is never stored, and a hit's place in rate limits (counted) and
 * budgets (not touched). The shared Redis store is in response-cache-redis.test.ts.
 */
describe("response cache", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  async function adminQuery<Data = any>(query: string, variables: Record<string, unknown> = {}) {
    const { data, errors } = await gateway.graphql<Data>(query, variables, admin);
    if (!data) throw new Error(JSON.stringify(errors));
    return data;
  }

  async function teamKey(
    team: Record<string, unknown>,
  ): Promise<{ teamId: string; secret: string }> {
    const { createTeam } = await adminQuery(
      `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
      { input: team },
    );
    const { createApiKey } = await adminQuery(
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { teamId: createTeam.id, name: "service" } },
    );
    return { teamId: createTeam.id, secret: createApiKey.secret };
  }

  function chat(
    body: Record<string, unknown>,
    {
      secret = masterKey,
      headers = {},
    }: { secret?: string; headers?: Record<string, string> } = {},
  ) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${secret}`,
        ...headers,
      },
      body: JSON.stringify(body),
    });
  }

  async function streamChat(body: Record<string, unknown>, secret = masterKey) {
    const response = await chat({ ...body, stream: true }, { secret });
    return { response, chunks: sseData(await response.text()) };
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl)],
      auth: { masterKey },
      router: { retries: 0 },
      cache: { enabled: true },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("REST: a miss asks upstream, the same request again is a hit that sends nothing, logged at cost 0", async () => {
    upstream.enqueue({ type: "completion", content: "The first and only answer." });
    const sentBefore = upstream.requests.length;
    const miss = await chat(ask("miss then hit"));
    expect(miss.status).toBe(200);
    expect(miss.headers.get("x-switchboard-cache")).toBe("miss");
    const missed = await miss.json();
    expect(await gateway.latestLog()).toMatchObject({ status: "SUCCESS", costUsd: "0.000006" });

    // Field order and the caller's tags do not matter to the key.
    const hit = await chat({
      temperature: 0,
      messages: [{ content: "miss then hit", role: "user" }],
      model: "gpt-4o-mini",
      metadata: { feature: "tests" },
    });
    expect(hit.status).toBe(200);
    expect(hit.headers.get("x-switchboard-cache")).toBe("hit");
    expect(hit.headers.get("x-switchboard-cost-usd")).toBe("0");
    expect(hit.headers.get("x-switchboard-attempts")).toBe("0");
    expect(hit.headers.get("x-switchboard-deployment")).toBe("openai:gpt-4o-mini#0");
    const answer = await hit.json();
    expect(answer.choices).toEqual(missed.choices);
    expect(answer.choices[0].message.content).toBe("The first and only answer.");
    expect(answer.usage).toEqual(missed.usage);
    expect(answer.id).toMatch(/^chatcmpl-/);
    expect(answer.id).not.toBe(missed.id);
    expect(upstream.requests.length).toBe(sentBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({
      status: "CACHE_HIT",
      costUsd: "0",
      httpStatus: 200,
      stream: false,
      source: "rest",
      promptTokens: missed.usage.prompt_tokens,
      completionTokens: missed.usage.completion_tokens,
    });
    const { requestLogs } = await adminQuery(
      `{ requestLogs(first: 1, filter: { status: CACHE_HIT }) { edges { node { provider deployment attempts } } } }`,
    );
    expect(requestLogs.edges[0].node).toEqual({
      provider: "openai",
      deployment: "openai:gpt-4o-mini#0",
      attempts: [],
    });
  });

  it("streams: a hit replays the stored chunks (new id), and either form answers the other", async () => {
    const sentBefore = upstream.requests.length;
    const body = ask("stream me", { stream_options: { include_usage: true } });
    const miss = await streamChat(body);
    expect(miss.response.headers.get("x-switchboard-cache")).toBe("miss");
    const hit = await streamChat(body);
    expect(hit.response.headers.get("x-switchboard-cache")).toBe("hit");
    expect(upstream.requests.length).toBe(sentBefore + 1);
    expect(withoutIds(hit.chunks)).toEqual(withoutIds(miss.chunks));
    expect(new Set(hit.chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(hit.chunks[0].id).not.toBe(miss.chunks[0].id);
    expect(hit.chunks.at(-1).usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 7 });
    expect(await gateway.latestLog()).toMatchObject({
      status: "CACHE_HIT",
      stream: true,
      costUsd: "0",
      completionTokens: 7,
    });

    // Without include_usage the replay leaves the usage chunk out, as a live stream does.
    const withoutUsage = await streamChat(ask("stream me"));
    expect(withoutUsage.response.headers.get("x-switchboard-cache")).toBe("hit");
    expect(withoutUsage.chunks.some((chunk) => "usage" in chunk)).toBe(false);

    // The stream's answer serves a JSON request, and a JSON answer serves a stream.
    const json = await (await chat(ask("stream me"))).json();
    const text = miss.chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(json.choices[0]).toMatchObject({ message: { content: text }, finish_reason: "stop" });
    await chat(ask("json first"));
    const replayed = await streamChat(ask("json first"));
    expect(replayed.response.headers.get("x-switchboard-cache")).toBe("hit");
    expect(replayed.chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "Hello from the mock upstream.",
    );
    expect(replayed.chunks.at(-1).choices[0].finish_reason).toBe("stop");
    expect(upstream.requests.length).toBe(sentBefore + 2);
  });

  it("GraphQL: ChatCompletion.cached and ChatCompletionChunk.cached say whether the cache answered", async () => {
    const mutation = `mutation($input: ChatCompletionInput!) { createChatCompletion(input: $input) {
      ... on ChatCompletion { cached attempts costUsd choices { message { content } } } } }`;
    const input = {
      model: "gpt-4o-mini",
      messages: [{ role: "USER", content: "graphql" }],
      temperature: 0,
    };
    const first = await adminQuery(mutation, { input });
    const second = await adminQuery(mutation, { input });
    expect(first.createChatCompletion).toMatchObject({ cached: false, attempts: 1 });
    expect(second.createChatCompletion).toMatchObject({ cached: true, attempts: 0, costUsd: "0" });
    expect(second.createChatCompletion.choices).toEqual(first.createChatCompletion.choices);

    const response = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", ...admin },
      body: JSON.stringify({
        query: `subscription($input: ChatCompletionInput!) { chatCompletionStream(input: $input) {
          cached attempts costUsd choices { delta { content } } } }`,
        variables: { input },
      }),
    });
    const chunks = (await response.text())
      .split("\n\n")
      .filter((frame) => frame.startsWith("event: next"))
      .map((frame) => JSON.parse(frame.split("\ndata: ")[1]).data.chatCompletionStream);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((chunk) => chunk.cached === true && chunk.attempts === 0)).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      first.createChatCompletion.choices[0].message.content,
    );
    expect(chunks.at(-1).costUsd).toBe("0");
    expect(await gateway.latestLog()).toMatchObject({
      status: "CACHE_HIT",
      source: "graphql-subscription",
    });
  });

  it("metadata.cache false and cache-control: no-store bypass the cache: nothing read, nothing stored", async () => {
    const sentBefore = upstream.requests.length;
    const optedOut = ask("bypass", { metadata: { cache: false } });
    for (let index = 0; index < 2; index += 1) {
      const response = await chat(optedOut);
      expect(response.headers.get("x-switchboard-cache")).toBe("miss");
    }
    for (let index = 0; index < 2; index += 1)
      await chat(ask("bypass"), { headers: { "cache-control": "no-store" } });
    expect(upstream.requests.length).toBe(sentBefore + 4);
    // Nothing was stored by them: the first ordinary request is still a miss.
    expect((await chat(ask("bypass"))).headers.get("x-switchboard-cache")).toBe("miss");
    expect((await chat(ask("bypass"))).headers.get("x-switchboard-cache")).toBe("hit");
    // A stored answer is not read past no-store either, on REST or GraphQL.
    const bypassed = await chat(ask("bypass"), { headers: { "cache-control": "no-store" } });
    expect(bypassed.headers.get("x-switchboard-cache")).toBe("miss");
    const { data } = await gateway.graphql<any>(
      `mutation { createChatCompletion(input: { model: "gpt-4o-mini", temperature: 0, messages: [{ role: USER, content: "bypass" }] }) { ... on ChatCompletion { cached } } }`,
      {},
      { ...admin, "cache-control": "no-store" },
    );
    expect(data.createChatCompletion.cached).toBe(false);
    expect(upstream.requests.length).toBe(sentBefore + 7);
  });

  it("errors and broken streams are never stored", async () => {
    upstream.enqueue({
      type: "error",
      status: 400,
      body: { error: { message: "bad", type: "invalid_request_error", code: null } },
    });
    expect((await chat(ask("error first"))).status).toBe(400);
    const afterError = await chat(ask("error first"));
    expect(afterError.status).toBe(200);
    expect(afterError.headers.get("x-switchboard-cache")).toBe("miss");

    upstream.enqueue({ type: "drop-mid-stream", afterChunks: 2 });
    const broken = await streamChat(ask("broken stream"));
    expect(broken.chunks.at(-1)).toHaveProperty("error");
    const sentBefore = upstream.requests.length;
    const whole = await streamChat(ask("broken stream"));
    expect(whole.response.headers.get("x-switchboard-cache")).toBe("miss");
    expect(upstream.requests.length).toBe(sentBefore + 1);
    expect(
      (await streamChat(ask("broken stream"))).response.headers.get("x-switchboard-cache"),
    ).toBe("hit");
  });

  it("only temperature 0 is cached: no temperature is the provider's default (1), which samples", async () => {
    const sentBefore = upstream.requests.length;
    for (const temperature of [undefined, 0.7, undefined, 0.7]) {
      const response = await chat(ask("sampled", { temperature }));
      expect(response.headers.get("x-switchboard-cache")).toBe("miss");
    }
    expect(upstream.requests.length).toBe(sentBefore + 4);
  });

  it("a hit counts against the rate limits (rpm 2: miss, hit, then refused) and leaves budgets alone", async () => {
    const { teamId, secret } = await teamKey({
      name: "cached-team",
      limits: { rpm: 2 },
      budget: { limitUsd: "1", period: "MONTHLY" },
    });
    const budget = async () =>
      (await adminQuery(`{ team(id: "${teamId}") { budget { spentUsd reservedUsd } } }`)).team
        .budget;
    expect((await chat(ask("limited"), { secret })).headers.get("x-switchboard-cache")).toBe(
      "miss",
    );
    const afterMiss = await budget();
    expect(afterMiss).toEqual({ spentUsd: "0.000006", reservedUsd: "0" });
    const sentBefore = upstream.requests.length;
    expect((await chat(ask("limited"), { secret })).headers.get("x-switchboard-cache")).toBe("hit");
    expect(await budget()).toEqual(afterMiss);
    const refused = await chat(ask("limited"), { secret });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toMatch(/team 'cached-team'/);
    expect(upstream.requests.length).toBe(sentBefore);
  });

  it("a team whose budget has no room left still gets its cached answers, which cost nothing", async () => {
    // One answer costs 0.000006 USD; its reservation (prompt x2, 10 output tokens) about 0.000008.
    const { secret } = await teamKey({
      name: "nearly-spent",
      budget: { limitUsd: "0.00001", period: "MONTHLY" },
    });
    const body = ask("on a budget", { max_tokens: 10 });
    expect((await chat(body, { secret })).status).toBe(200);
    const refused = await chat(ask("not cached yet", { max_tokens: 10 }), { secret });
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.code).toBe("budget_exceeded");
    const hit = await chat(body, { secret });
    expect(hit.status).toBe(200);
    expect(hit.headers.get("x-switchboard-cache")).toBe("hit");
  });

  it("teams never share answers: team B's first request is a miss after team A's hit", async () => {
    const teamA = await teamKey({ name: "team-a" });
    const teamB = await teamKey({ name: "team-b" });
    const sentBefore = upstream.requests.length;
    expect((await chat(ask("per team"), teamA)).headers.get("x-switchboard-cache")).toBe("miss");
    expect((await chat(ask("per team"), teamA)).headers.get("x-switchboard-cache")).toBe("hit");
    expect((await chat(ask("per team"), teamB)).headers.get("x-switchboard-cache")).toBe("miss");
    expect((await chat(ask("per team"), teamB)).headers.get("x-switchboard-cache")).toBe("hit");
    expect(upstream.requests.length).toBe(sentBefore + 2);
  });
});

describe("response cache settings", () => {
  let upstream: MockUpstream;
  const gateways: TestApp[] = [];

  async function start(cache: Record<string, unknown>) {
    const gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)], cache });
    gateways.push(gateway);
    return (body: Record<string, unknown>) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((response) => response.headers.get("x-switchboard-cache"));
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.stop();
    await upstream?.stop();
  });

  it("maxEntries bounds the cache: the least recently used answer is dropped", async () => {
    const chat = await start({ enabled: true, maxEntries: 2 });
    expect(await chat(ask("one"))).toBe("miss");
    expect(await chat(ask("two"))).toBe("miss");
    expect(await chat(ask("one"))).toBe("hit");
    expect(await chat(ask("three"))).toBe("miss");
    expect(await chat(ask("two"))).toBe("miss");
    expect(await chat(ask("three"))).toBe("hit");
  });

  it("cacheNonDeterministic caches answers sampled at any temperature", async () => {
    const chat = await start({ enabled: true, cacheNonDeterministic: true });
    expect(await chat(ask("creative", { temperature: 1.2 }))).toBe("miss");
    expect(await chat(ask("creative", { temperature: 1.2 }))).toBe("hit");
    expect(await chat(ask("creative", { temperature: undefined }))).toBe("miss");
    expect(await chat(ask("creative", { temperature: undefined }))).toBe("hit");
  });

  it("with the cache off (the default) nothing is cached and no cache header is sent", async () => {
    const chat = await start({});
    const sentBefore = upstream.requests.length;
    expect(await chat(ask("off"))).toBeNull();
    expect(await chat(ask("off"))).toBeNull();
    expect(upstream.requests.length).toBe(sentBefore + 2);
  });
});
