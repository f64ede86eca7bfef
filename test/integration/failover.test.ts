import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOpenAIFixture, startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Retries, failover within a group, cooldowns and fallbacks, end to end: test upstreams that
 * fail the way providers do, the gateway hiding it, and every attempt in the request log.
 */
describe("retries, failover, cooldowns and fallbacks", () => {
  let broken: MockUpstream;
  let healthy: MockUpstream;
  let gateway: TestApp;

  async function chat(model: string, extra: Record<string, unknown> = {}) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra }),
    });
    return { status: response.status, attempts: response.headers.get("x-switchboard-attempts"), deployment: response.headers.get("x-switchboard-deployment"), text: await response.text() };
  }

  async function lastAttempts(): Promise<Array<Record<string, unknown>>> {
    await gateway.app.logWriter.flush();
    const { data } = await gateway.graphql<any>(`{ requestLogs(first: 1) { edges { node { attempts status } } } }`);
    return data.requestLogs.edges[0].node.attempts;
  }

  beforeAll(async () => {
    broken = await startMockOpenAIUpstream();
    healthy = await startMockOpenAIUpstream();
    broken.setDefault({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
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
        ],
        router: { retries: 2, fallbacks: { primary: ["backup"] }, contextWindowFallbacks: { small: ["large"] }, cooldown: { failures: 2, seconds: 30 } },
      },
      // The group's order is its config order (random 0 picks the first), so the broken deployment is tried first.
      { random: () => 0 },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await broken?.stop();
    await healthy?.stop();
  });

  it("fails over within the group on a 500, and logs both attempts", async () => {
    const answer = await chat("group");
    expect(answer).toMatchObject({ status: 200, attempts: "2", deployment: "openai:group#1" });
    expect(await lastAttempts()).toEqual([
      expect.objectContaining({ deployment: "openai:group#0", status: "error", errorCode: "PROVIDER_ERROR", httpStatus: 502 }),
      expect.objectContaining({ deployment: "openai:group#1", status: "success" }),
    ]);
  });

  it("takes a deployment that keeps failing out (cooldown): the next requests go straight to the healthy one", async () => {
    await chat("group"); // the broken deployment's second failure: cooldown
    const brokenCalls = broken.requests.length;
    for (let index = 0; index < 5; index += 1) expect(await chat("group")).toMatchObject({ status: 200, attempts: "1", deployment: "openai:group#1" });
    expect(broken.requests.length).toBe(brokenCalls);
    const { data } = await gateway.graphql<any>(`{ models { name deployments { id healthy cooldownUntil inFlight latencyMs } } }`);
    const group = data.models.find((model: { name: string }) => model.name === "group");
    expect(group.deployments).toEqual([
      { id: "openai:group#0", healthy: false, cooldownUntil: expect.any(String), inFlight: 0, latencyMs: null },
      { id: "openai:group#1", healthy: true, cooldownUntil: null, inFlight: 0, latencyMs: expect.any(Number) },
    ]);
    expect(Date.parse(group.deployments[0].cooldownUntil) - Date.now()).toBeGreaterThan(25_000);
  });

  it("retries a 429 after its retry-after on the same deployment when it is the only one", async () => {
    healthy.enqueue({ type: "error", status: 429, body: readOpenAIFixture("error-429.json"), headers: { "retry-after-ms": "120" } });
    const startedAt = Date.now();
    const answer = await chat("single");
    expect(answer).toMatchObject({ status: 200, attempts: "2" });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(110);
  });

  it("does not retry what cannot succeed: a 400 is answered at once", async () => {
    healthy.enqueue({ type: "error", status: 400, body: { error: { message: "Invalid value for 'temperature'", type: "invalid_request_error", param: "temperature", code: null } } });
    const calls = healthy.requests.length;
    expect(await chat("single")).toMatchObject({ status: 400, attempts: null });
    expect(healthy.requests.length).toBe(calls + 1);
  });

  it("walks the fallbacks after the group's retries, and a metadata override sets the retries", async () => {
    expect(await chat("primary")).toMatchObject({ status: 200, attempts: "4", deployment: "openai:backup#3" });
    expect(await chat("primary", { metadata: { retries: 0 } })).toMatchObject({ status: 200, attempts: "2", deployment: "openai:backup#3" });
  });

  it("a context-length error goes to the context-window fallback at once", async () => {
    healthy.enqueue({ type: "error", status: 400, body: readOpenAIFixture("error-context-length.json") });
    expect(await chat("small")).toMatchObject({ status: 200, attempts: "2", deployment: "openai:large#5" });
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
});
