import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import {
  jsonReply,
  startScriptedUpstream,
  type ScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * router.attemptTimeoutMs (issue 14.7): a non-streaming upstream that never answers is cut after
 * the attempt timeout, its socket closed, and the request walks its retries and fallbacks as
 * after a 5xx — all within the total timeoutMs. Streams keep their own timers.
 */
const attemptTimeoutMs = 300;
/** Scheduling, the fallback's own answer and the log write, on a busy shared machine. */
const marginMs = 700;

describe("per-attempt timeout of non-streaming calls", () => {
  let stuck: MockUpstream;
  let healthy: MockUpstream;
  /** The mock serves chat only: embeddings hang on one scripted upstream and answer on another. */
  let stuckEmbeddings: ScriptedUpstream;
  let embeddings: ScriptedUpstream;
  let gateway: TestApp;
  let bounded: TestApp;

  async function post(app: TestApp, path: string, body: Record<string, unknown>) {
    const startedAt = Date.now();
    const response = await fetch(`${app.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      deployment: response.headers.get("x-switchboard-deployment"),
      json: (await response.json()) as any,
      elapsedMs: Date.now() - startedAt,
    };
  }

  function chat(app: TestApp, model: string, extra: Record<string, unknown> = {}) {
    return post(app, "/v1/chat/completions", {
      model,
      messages: [{ role: "user", content: "hi" }],
      ...extra,
    });
  }

  async function lastLog(app: TestApp) {
    await app.app.logWriter.flush();
    const { data } = await app.graphql<any>(
      `{ requestLogs(first: 1) { edges { node { status errorCode httpStatus attempts } } } }`,
    );
    return data.requestLogs.edges[0].node;
  }

  beforeAll(async () => {
    stuck = await startMockOpenAIUpstream();
    healthy = await startMockOpenAIUpstream();
    stuck.setDefault({ type: "hang" });
    stuckEmbeddings = await startScriptedUpstream({ defaultAnswer: { hang: true } });
    embeddings = await startScriptedUpstream({
      defaultAnswer: jsonReply(200, {
        object: "list",
        data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
        model: "text-embedding-3-small",
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    });
    const models = [
      mockModel(stuck.baseUrl, "slow"),
      mockModel(healthy.baseUrl, "rescue"),
      mockModel(stuck.baseUrl, "doomed"),
      mockModel(healthy.baseUrl, "streamer"),
      mockModel(`${stuckEmbeddings.origin}/v1`, "text-embedding-3-small"),
      mockModel(`${embeddings.origin}/v1`, "embed-rescue", { model: "text-embedding-3-small" }),
    ];
    gateway = await startTestApp(
      {
        models,
        router: {
          retries: 0,
          attemptTimeoutMs,
          fallbacks: { slow: ["rescue"], "text-embedding-3-small": ["embed-rescue"] },
          cooldown: { failures: 100, seconds: 1 },
        },
      },
      // No backoff jitter: retries follow at once, so the timings below are the timeouts'.
      { random: () => 0 },
    );
    // Three attempts of 300 ms would take 900 ms; the request's own 500 ms ends the walk first.
    bounded = await startTestApp(
      {
        models,
        router: { retries: 2, attemptTimeoutMs, timeoutMs: 500, cooldown: { failures: 100 } },
      },
      { random: () => 0 },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await bounded?.stop();
    await stuck?.stop();
    await healthy?.stop();
    await stuckEmbeddings?.stop();
    await embeddings?.stop();
  });

  it("a hung upstream times out after attemptTimeoutMs and the fallback answers, the hung socket closed", async () => {
    const closedBefore = stuck.closedRequests;
    const answer = await chat(gateway, "slow");
    expect(answer.status).toBe(200);
    expect(answer.deployment).toBe("openai:rescue#1");
    expect(answer.json.choices[0].message.content).toEqual(expect.any(String));
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(attemptTimeoutMs - 10);
    expect(answer.elapsedMs).toBeLessThan(attemptTimeoutMs + marginMs);
    await stuck.waitForClosedRequest();
    expect(stuck.closedRequests).toBe(closedBefore + 1);
    const log = await lastLog(gateway);
    expect(log.status).toBe("SUCCESS");
    expect(log.attempts).toEqual([
      expect.objectContaining({
        deployment: "openai:slow#0",
        status: "error",
        errorCode: "PROVIDER_ERROR",
        httpStatus: 504,
      }),
      expect.objectContaining({ deployment: "openai:rescue#1", status: "success" }),
    ]);
    expect(log.attempts[0].latencyMs).toBeGreaterThanOrEqual(attemptTimeoutMs - 10);
  });

  it("retries a timed-out attempt like a 5xx, then fails with 504 naming the attempt timeout", async () => {
    const calls = stuck.requests.length;
    const answer = await chat(gateway, "doomed", { metadata: { retries: 1 } });
    expect(answer.status).toBe(504);
    expect(answer.json.error.message).toContain("router.attemptTimeoutMs");
    expect(stuck.requests.length).toBe(calls + 2);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(2 * attemptTimeoutMs - 10);
    expect(answer.elapsedMs).toBeLessThan(2 * attemptTimeoutMs + marginMs);
    const log = await lastLog(gateway);
    expect(log).toMatchObject({ status: "ERROR", errorCode: "PROVIDER_ERROR", httpStatus: 504 });
    expect(log.attempts).toEqual([
      expect.objectContaining({ status: "error", httpStatus: 504 }),
      expect.objectContaining({ status: "error", httpStatus: 504 }),
    ]);
  });

  it("the total timeoutMs still bounds the walk: retries that would outlast it are cut", async () => {
    const answer = await chat(bounded, "doomed");
    expect(answer.status).toBe(504);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(490);
    expect(answer.elapsedMs).toBeLessThan(500 + marginMs);
    const log = await lastLog(bounded);
    // The first attempt timed out at 300 ms; the retry was cut by the request's 500 ms.
    expect(log.attempts).toHaveLength(2);
    expect(log.httpStatus).toBe(504);
  });

  it("embeddings get the same attempt timeout and fallback", async () => {
    const answer = await post(gateway, "/v1/embeddings", {
      model: "text-embedding-3-small",
      input: "hello",
    });
    expect(answer.status).toBe(200);
    expect(answer.deployment).toBe("openai:text-embedding-3-small#5");
    expect(answer.json.data[0].embedding).toEqual([0.1, 0.2]);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(attemptTimeoutMs - 10);
    expect(answer.elapsedMs).toBeLessThan(attemptTimeoutMs + marginMs);
    await stuckEmbeddings.waitForClosedRequest();
    expect(stuckEmbeddings.closedRequests).toBe(1);
  });

  it("does not cut a stream that takes longer than attemptTimeoutMs in all", async () => {
    healthy.enqueue({ type: "slow-stream", chunkDelayMs: 150, chunks: 4 });
    const startedAt = Date.now();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "streamer",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(Date.now() - startedAt).toBeGreaterThan(attemptTimeoutMs);
    expect(text).toContain("[DONE]");
    expect((await lastLog(gateway)).status).toBe("SUCCESS");
  });
});
