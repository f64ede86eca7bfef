import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readOpenAIFixture,
  startMockOpenAIUpstream,
  type MockUpstream,
} from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * The chaos test (issue 6): one model group on three test upstreams — one answers 500, one
 * answers 429 with retry-after, one is healthy. 200 concurrent callers (a quarter of them
 * streaming) must all get an answer, each request must be logged exactly once with every
 * upstream attempt it made, and the broken deployment must go into cooldown and come back
 * once it has passed. The clock is injected so the cooldown ends when the test says so.
 */
describe("chaos: a group where one deployment 500s, one 429s and one is healthy", () => {
  const concurrentRequests = 200;
  const cooldownSeconds = 30;
  let clock = Date.parse("2026-06-01T12:00:00Z");
  let failing: MockUpstream;
  let limited: MockUpstream;
  let healthy: MockUpstream;
  let gateway: TestApp;
  const deploymentIds = {
    failing: "openai:chaos#0",
    limited: "openai:chaos#1",
    healthy: "openai:chaos#2",
  };

  interface Answer {
    status: number;
    requestId: string | null;
    deployment: string | null;
    attempts: number;
    complete: boolean;
    latencyMs: number;
  }

  async function chat(stream: boolean): Promise<Answer> {
    const startedAt = performance.now();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "chaos", messages: [{ role: "user", content: "hi" }], stream }),
    });
    const text = await response.text();
    return {
      status: response.status,
      requestId: response.headers.get("x-request-id"),
      deployment: response.headers.get("x-switchboard-deployment"),
      attempts: Number(response.headers.get("x-switchboard-attempts")),
      complete: stream
        ? text.includes("[DONE]") && !text.includes('"error"')
        : text.includes('"chat.completion"'),
      latencyMs: performance.now() - startedAt,
    };
  }

  async function allLogs(): Promise<
    Array<{
      id: string;
      status: string;
      deployment: string;
      attempts: Array<{ deployment: string; status: string; upstreamStatus?: number }>;
    }>
  > {
    await gateway.app.logWriter.flush();
    const logs = [];
    let after: string | null = null;
    do {
      const { data }: { data?: any } = await gateway.graphql(
        `query($after: String) { requestLogs(first: 100, after: $after) { edges { node { id status deployment attempts } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      logs.push(...data.requestLogs.edges.map((edge: { node: unknown }) => edge.node));
      after = data.requestLogs.pageInfo.hasNextPage ? data.requestLogs.pageInfo.endCursor : null;
    } while (after);
    return logs;
  }

  async function deploymentHealth(): Promise<
    Record<string, { healthy: boolean; cooldownUntil: string | null; inFlight: number }>
  > {
    const { data } = await gateway.graphql<any>(
      `{ models { name deployments { id healthy cooldownUntil inFlight } } }`,
    );
    const group = data.models.find((model: { name: string }) => model.name === "chaos");
    return Object.fromEntries(
      group.deployments.map((deployment: { id: string }) => [deployment.id, deployment]),
    );
  }

  beforeAll(async () => {
    failing = await startMockOpenAIUpstream();
    limited = await startMockOpenAIUpstream();
    healthy = await startMockOpenAIUpstream();
    // Both fail after 100 ms, as a struggling provider does: requests keep arriving meanwhile.
    failing.setDefault({
      type: "error",
      status: 500,
      body: readOpenAIFixture("error-500.json"),
      delayMs: 100,
    });
    limited.setDefault({
      type: "error",
      status: 429,
      body: readOpenAIFixture("error-429.json"),
      headers: { "retry-after": "1" },
      delayMs: 100,
    });
    gateway = await startTestApp(
      {
        models: [
          mockModel(failing.baseUrl, "chaos"),
          mockModel(limited.baseUrl, "chaos"),
          mockModel(healthy.baseUrl, "chaos"),
        ],
        router: {
          strategy: "simple-shuffle",
          retries: 2,
          cooldown: { failures: 3, seconds: cooldownSeconds },
        },
      },
      { now: () => clock },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([failing?.stop(), limited?.stop(), healthy?.stop()]);
  });

  it(`${concurrentRequests} concurrent requests all succeed, each logged once with its attempts; the failing deployment cools down and comes back`, async () => {
    const startedAt = performance.now();
    const answers = await Promise.all(
      Array.from({ length: concurrentRequests }, (_, index) => chat(index % 4 === 0)),
    );
    const wallMs = performance.now() - startedAt;

    // Every caller got a whole answer from the healthy deployment.
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(
      answers.every((answer) => answer.complete && answer.deployment === deploymentIds.healthy),
    ).toBe(true);
    expect(healthy.requests.length).toBe(concurrentRequests);

    // Each request is in the log exactly once, with every attempt it made, ending on the healthy deployment.
    const logs = await allLogs();
    expect(logs).toHaveLength(concurrentRequests);
    expect(new Set(logs.map((log) => log.id))).toEqual(
      new Set(answers.map((answer) => answer.requestId)),
    );
    const attemptsById = new Map(answers.map((answer) => [answer.requestId, answer.attempts]));
    for (const log of logs) {
      expect(log).toMatchObject({ status: "SUCCESS", deployment: deploymentIds.healthy });
      expect(log.attempts).toHaveLength(attemptsById.get(log.id)!);
      expect(log.attempts.at(-1)).toMatchObject({
        deployment: deploymentIds.healthy,
        status: "success",
      });
      for (const failed of log.attempts.slice(0, -1)) {
        expect(failed).toEqual(
          expect.objectContaining({
            status: "error",
            upstreamStatus: failed.deployment === deploymentIds.failing ? 500 : 429,
          }),
        );
      }
    }
    // The log accounts for every call each upstream received: nothing unlogged, nothing twice.
    const loggedCalls = (deploymentId: string) =>
      logs.flatMap((log) => log.attempts).filter((attempt) => attempt.deployment === deploymentId)
        .length;
    expect(loggedCalls(deploymentIds.failing)).toBe(failing.requests.length);
    expect(loggedCalls(deploymentIds.limited)).toBe(limited.requests.length);
    expect(loggedCalls(deploymentIds.healthy)).toBe(healthy.requests.length);

    // The failing deployment is cooling down (the 429 one is out until its retry-after passes).
    const during = await deploymentHealth();
    expect(during[deploymentIds.failing]).toMatchObject({
      healthy: false,
      cooldownUntil: new Date(clock + cooldownSeconds * 1000).toISOString(),
      inFlight: 0,
    });
    expect(during[deploymentIds.limited]).toMatchObject({ healthy: false, inFlight: 0 });
    expect(during[deploymentIds.healthy]).toMatchObject({ healthy: true, inFlight: 0 });

    // While it cools down, new requests are not sent to it first.
    const failingCallsBefore = failing.requests.length;
    const limitedCallsBefore = limited.requests.length;
    const whileCooling = await Promise.all(Array.from({ length: 20 }, () => chat(false)));
    expect(whileCooling.every((answer) => answer.status === 200 && answer.attempts === 1)).toBe(
      true,
    );
    expect(failing.requests.length).toBe(failingCallsBefore);

    // The cooldown passes and the deployment is repaired: it is healthy again and serves its share.
    clock += cooldownSeconds * 1000 + 1;
    failing.setDefault({ type: "completion" });
    expect((await deploymentHealth())[deploymentIds.failing]).toMatchObject({
      healthy: true,
      cooldownUntil: null,
    });
    const afterCooldown = await Promise.all(Array.from({ length: 60 }, () => chat(false)));
    expect(afterCooldown.every((answer) => answer.status === 200)).toBe(true);
    expect(
      afterCooldown.filter((answer) => answer.deployment === deploymentIds.failing).length,
    ).toBeGreaterThan(0);

    const attempts = answers.map((answer) => answer.attempts);
    const latencies = answers.map((answer) => answer.latencyMs).sort((left, right) => left - right);
    const histogram = [1, 2, 3]
      .map((count) => `${count}: ${attempts.filter((value) => value === count).length}`)
      .join(", ");
    console.log(
      `chaos: ${concurrentRequests} concurrent requests, ${answers.filter((answer) => answer.status === 200).length} succeeded in ${Math.round(wallMs)} ms; ` +
        `attempts per request {${histogram}}; upstream calls: failing ${failingCallsBefore}, limited ${limitedCallsBefore}, healthy ${concurrentRequests}; ` +
        `latency p50 ${Math.round(latencies[Math.floor(latencies.length / 2)])} ms, p99 ${Math.round(latencies[Math.floor(latencies.length * 0.99)])} ms; ` +
        `after the cooldown the repaired deployment served ${afterCooldown.filter((answer) => answer.deployment === deploymentIds.failing).length} of 60`,
    );
  });
});
