import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readOpenAIFixture,
  startMockOpenAIUpstream,
  type MockUpstream,
} from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Retries, failover within a group, cooldowns and fallbacks, end to end: test upstreams that
 * fail the way providers do, the gateway hiding it, and every attempt in the request log.
 */
describe("retries, failover, cooldowns and fallbacks", () => {
  let broken: MockUpstream;
  let healthy: MockUpstream;
  let stuck: MockUpstream;
  let gateway: TestApp;

  async function chat(model: string, extra: Record<string, unknown> = {}) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra }),
    });
    return {
      status: response.status,
      attempts: response.headers.get("x-switchboard-attempts"),
      deployment: response.headers.get("x-switchboard-deployment"),
      text: await response.text(),
    };
  }

  async function lastAttempts(): Promise<Array<Record<string, unknown>>> {
    await gateway.app.logWriter.flush();
    const { data } = await gateway.graphql<any>(
      `{ requestLogs(first: 1) { edges { node { attempts status } } } }`,
    );
    return data.requestLogs.edges[0].node.attempts;
  }

  beforeAll(async () => {
    broken = await startMockOpenAIUpstream();
    healthy = await startMockOpenAIUpstream();
    stuck = await startMockOpenAIUpstream();
    broken.setDefault({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
    stuck.setDefault({ type: "hang" });
    gateway = await startTestApp(
      {
        models: [
          mockModel(broken.baseUrl, "group"),
          mockModel(healthy.baseUrl, "group"),
          mockModel(broken.baseUrl, "primary"),
          mockModel(healthy.baseUrl, "backup"),
          mockModel(healthy.baseUrl, "small"),
          mockModel(healthy.baseUrl, "large"),
          mockModel(healthy.baseUrl, "single"),
          mockModel(stuck.baseUrl, "hangs"),
          mockModel(healthy.baseUrl, "hangs"),
          mockModel(healthy.baseUrl, "filtered"),
          mockModel(healthy.baseUrl, "tiny", { contextWindow: 50 }),
          mockModel(healthy.baseUrl, "limited", { tpm: 100 }),
          mockModel(healthy.baseUrl, "limited"),
          mockModel(broken.baseUrl, "doomed"),
        ],
        router: {
          retries: 2,
          fallbacks: { primary: ["backup"] },
          contextWindowFallbacks: { small: ["large"], tiny: ["large"] },
          contentPolicyFallbacks: { filtered: ["backup"] },
          cooldown: { failures: 2, seconds: 30 },
          firstTokenTimeoutMs: 300,
          streamIdleTimeoutMs: 300,
        },
      },
      // The group's order is its config order (random 0 picks the first), so the broken deployment is tried first.
      { random: () => 0 },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await broken?.stop();
    await healthy?.stop();
    await stuck?.stop();
  });

  it("fails over within the group on a 500, and logs both attempts", async () => {
    const answer = await chat("group");
    expect(answer).toMatchObject({ status: 200, attempts: "2", deployment: "openai:group#1" });
    expect(await lastAttempts()).toEqual([
      expect.objectContaining({
        deployment: "openai:group#0",
        status: "error",
        errorCode: "PROVIDER_ERROR",
        httpStatus: 502,
      }),
      expect.objectContaining({ deployment: "openai:group#1", status: "success" }),
    ]);
  });

  it("takes a deployment that keeps failing out (cooldown): the next requests go straight to the healthy one", async () => {
    await chat("group"); // the broken deployment's second failure: cooldown
    const brokenCalls = broken.requests.length;
    for (let index = 0; index < 5; index += 1)
      expect(await chat("group")).toMatchObject({
        status: 200,
        attempts: "1",
        deployment: "openai:group#1",
      });
    expect(broken.requests.length).toBe(brokenCalls);
    const { data } = await gateway.graphql<any>(
      `{ models { name deployments { id healthy cooldownUntil inFlight latencyMs } } }`,
    );
    const group = data.models.find((model: { name: string }) => model.name === "group");
    expect(group.deployments).toEqual([
      {
        id: "openai:group#0",
        healthy: false,
        cooldownUntil: expect.any(String),
        inFlight: 0,
        latencyMs: null,
      },
      {
        id: "openai:group#1",
        healthy: true,
        cooldownUntil: null,
        inFlight: 0,
        latencyMs: expect.any(Number),
      },
    ]);
    expect(Date.parse(group.deployments[0].cooldownUntil) - Date.now()).toBeGreaterThan(25_000);
  });

  it("retries a 429 after its retry-after on the same deployment when it is the only one", async () => {
    healthy.enqueue({
      type: "error",
      status: 429,
      body: readOpenAIFixture("error-429.json"),
      headers: { "retry-after-ms": "120" },
    });
    const startedAt = Date.now();
    const answer = await chat("single");
    expect(answer).toMatchObject({ status: 200, attempts: "2" });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(110);
  });

  it("does not retry what cannot succeed: a 400 is answered at once", async () => {
    healthy.enqueue({
      type: "error",
      status: 400,
      body: {
        error: {
          message: "Invalid value for 'temperature'",
          type: "invalid_request_error",
          param: "temperature",
          code: null,
        },
      },
    });
    const calls = healthy.requests.length;
    expect(await chat("single")).toMatchObject({
      status: 400,
      attempts: "1",
      deployment: "openai:single#6",
    });
    expect(healthy.requests.length).toBe(calls + 1);
  });

  it("walks the fallbacks after the group's retries, and a metadata override sets the retries", async () => {
    expect(await chat("primary")).toMatchObject({
      status: 200,
      attempts: "4",
      deployment: "openai:backup#3",
    });
    expect(await chat("primary", { metadata: { retries: 0 } })).toMatchObject({
      status: 200,
      attempts: "2",
      deployment: "openai:backup#3",
    });
  });

  it("a context-length error goes to the context-window fallback at once", async () => {
    healthy.enqueue({
      type: "error",
      status: 400,
      body: readOpenAIFixture("error-context-length.json"),
    });
    expect(await chat("small")).toMatchObject({
      status: 200,
      attempts: "2",
      deployment: "openai:large#5",
    });
  });

  it("a stream that fails before its first token fails over; one that breaks after tokens ends with an error, never a second answer", async () => {
    healthy.enqueue({ type: "error", status: 503, body: "busy" });
    const before = await chat("single", { stream: true });
    expect(before).toMatchObject({ status: 200, attempts: "2" });
    expect(before.text).toContain("[DONE]");

    healthy.enqueue({ type: "drop-mid-stream", afterChunks: 2 });
    const calls = healthy.requests.length;
    const broke = await chat("single", { stream: true });
    expect(broke.status).toBe(200);
    expect(broke.text).not.toContain("[DONE]");
    expect(broke.text).toContain('"error"');
    expect(healthy.requests.length).toBe(calls + 1);
  });

  it("a hanging upstream hits the first-token timeout and the stream fails over, the hung socket closed", async () => {
    const closedBefore = stuck.closedRequests;
    const startedAt = Date.now();
    const answer = await chat("hangs", { stream: true });
    expect(answer).toMatchObject({ status: 200, attempts: "2", deployment: "openai:hangs#8" });
    expect(answer.text).toContain("[DONE]");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    await stuck.waitForClosedRequest();
    expect(stuck.closedRequests).toBe(closedBefore + 1);
    expect(await lastAttempts()).toEqual([
      expect.objectContaining({
        deployment: "openai:hangs#7",
        status: "error",
        errorCode: "PROVIDER_ERROR",
        httpStatus: 504,
      }),
      expect.objectContaining({ deployment: "openai:hangs#8", status: "success" }),
    ]);
  });

  it("a stream that goes silent after its first tokens ends with a timeout error once the idle timeout passes, and is not retried", async () => {
    healthy.enqueue({ type: "stall-mid-stream", afterChunks: 2 });
    const calls = healthy.requests.length;
    const answer = await chat("single", { stream: true });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("Hello");
    expect(answer.text).toMatch(
      /"error":\{"message":"openai sent nothing for 300 ms in the middle of the stream/,
    );
    expect(answer.text).not.toContain("[DONE]");
    expect(healthy.requests.length).toBe(calls + 1);
    await gateway.app.logWriter.flush();
    const { data } = await gateway.graphql<any>(
      `{ requestLogs(first: 1) { edges { node { status errorCode attempts } } } }`,
    );
    expect(data.requestLogs.edges[0].node).toMatchObject({
      status: "ERROR",
      errorCode: "PROVIDER_ERROR",
      attempts: [expect.objectContaining({ status: "error", httpStatus: 504 })],
    });
  });

  it("a refusal on content (Azure's content_filter) goes to the content-policy fallback at once", async () => {
    healthy.enqueue({
      type: "error",
      status: 400,
      body: {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
          type: null,
          param: "prompt",
          code: "content_filter",
          status: 400,
          innererror: { code: "ResponsibleAIPolicyViolation" },
        },
      },
    });
    expect(await chat("filtered")).toMatchObject({
      status: 200,
      attempts: "2",
      deployment: "openai:backup#3",
    });
    expect(await lastAttempts()).toEqual([
      expect.objectContaining({
        deployment: "openai:filtered#9",
        status: "error",
        httpStatus: 400,
        upstreamStatus: 400,
      }),
      expect.objectContaining({ deployment: "openai:backup#3", status: "success" }),
    ]);
  });

  it("a prompt larger than the model's context window goes to the context-window fallback without calling it (the pre-check)", async () => {
    const calls = healthy.requests.length;
    const answer = await chat("tiny", { messages: [{ role: "user", content: "x".repeat(400) }] });
    expect(answer).toMatchObject({ status: 200, attempts: "1", deployment: "openai:large#5" });
    expect(healthy.requests.length).toBe(calls + 1);
    // A prompt that fits stays on the model.
    expect(await chat("tiny")).toMatchObject({ status: 200, deployment: "openai:tiny#10" });
  });

  it("a deployment that a request would take past its own tpm is skipped for another of the group, without counting an attempt", async () => {
    expect(await chat("limited")).toMatchObject({
      status: 200,
      attempts: "1",
      deployment: "openai:limited#11",
    });
    // 200 output tokens do not fit the first deployment's 100 tpm: the second serves it.
    expect(await chat("limited", { max_tokens: 200 })).toMatchObject({
      status: 200,
      attempts: "1",
      deployment: "openai:limited#12",
    });
    expect(await lastAttempts()).toEqual([
      expect.objectContaining({ deployment: "openai:limited#12", status: "success" }),
    ]);
  });

  it("a request that fails everywhere says how far it got: REST headers and ProviderError.attempts / lastDeployment", async () => {
    const failed = await chat("doomed");
    expect(failed).toMatchObject({ status: 502, attempts: "3", deployment: "openai:doomed#13" });
    const { data } = await gateway.graphql<any>(
      `mutation { createChatCompletion(input: { model: "doomed", messages: [{ role: USER, content: "hi" }] }) { __typename ... on ProviderError { upstreamStatus attempts lastDeployment } } }`,
    );
    expect(data.createChatCompletion).toEqual({
      __typename: "ProviderError",
      upstreamStatus: 500,
      attempts: 3,
      lastDeployment: "openai:doomed#13",
    });
    expect(await lastAttempts()).toHaveLength(3);
  });

  it("a stream's chunks say where it is served and how many attempts it took to start, on GraphQL", async () => {
    healthy.enqueue({ type: "error", status: 503, body: "busy" });
    const response = await gateway.app.fetch("http://switchboard.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({
        query: `subscription { chatCompletionStream(input: { model: "single", messages: [{ role: USER, content: "hi" }] }) { deployment attempts } }`,
      }),
    });
    const chunks = (await response.text())
      .split("\n\n")
      .filter((frame) => frame.startsWith("event: next"))
      .map((frame) => JSON.parse(frame.split("\ndata: ")[1]).data.chatCompletionStream);
    expect(chunks.length).toBeGreaterThan(1);
    expect(
      chunks.every(
        (chunk: Record<string, unknown>) =>
          chunk.deployment === "openai:single#6" && chunk.attempts === 2,
      ),
    ).toBe(true);
  });
});
