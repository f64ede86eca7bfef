import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * The router's strategies on a live group of two deployments. The random source is fixed
 * (always the first candidate on a tie), so each pick below is the strategy's, not luck's.
 */
describe("routing strategies", () => {
  let first: MockUpstream;
  let second: MockUpstream;
  const gateways: TestApp[] = [];

  beforeAll(async () => {
    first = await startMockOpenAIUpstream();
    second = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await first?.stop();
    await second?.stop();
  });

  async function gatewayWith(
    strategy: string,
    extraFirst: Record<string, unknown> = {},
    extraSecond: Record<string, unknown> = {},
  ) {
    const gateway = await startTestApp(
      {
        models: [
          mockModel(first.baseUrl, "group", extraFirst),
          mockModel(second.baseUrl, "group", extraSecond),
        ],
        router: { strategy },
      },
      { random: () => 0 },
    );
    gateways.push(gateway);
    return async (extra: Record<string, unknown> = {}) => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "group",
          messages: [{ role: "user", content: "hi" }],
          ...extra,
        }),
      });
      return { response, deployment: response.headers.get("x-switchboard-deployment") };
    };
  }

  it("simple-shuffle follows the (fixed) random source: the first entry", async () => {
    const chat = await gatewayWith("simple-shuffle");
    for (let index = 0; index < 3; index += 1)
      expect((await chat()).deployment).toBe("openai:group#0");
  });

  it("cost picks the cheaper deployment", async () => {
    const chat = await gatewayWith(
      "cost",
      { pricing: { inputPerMillion: 5, outputPerMillion: 15 } },
      { pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
    );
    for (let index = 0; index < 3; index += 1)
      expect((await chat()).deployment).toBe("openai:group#1");
  });

  it("least-busy picks the deployment with fewer requests in flight", async () => {
    const chat = await gatewayWith("least-busy");
    first.enqueue({ type: "slow-stream", chunkDelayMs: 20, chunks: 15 });
    const held = await chat({ stream: true });
    expect(held.deployment).toBe("openai:group#0");
    expect((await chat()).deployment).toBe("openai:group#1");
    await held.response.text();
    expect((await chat()).deployment).toBe("openai:group#0");
  });

  it("latency measures each deployment once, then prefers the faster", async () => {
    const chat = await gatewayWith("latency");
    first.enqueue({ type: "slow-stream", chunkDelayMs: 10, chunks: 10 });
    expect((await chat()).deployment).toBe("openai:group#0");
    expect((await chat()).deployment).toBe("openai:group#1");
    for (let index = 0; index < 3; index += 1)
      expect((await chat()).deployment).toBe("openai:group#1");
  });

  it("usage skips a deployment at its own rpm", async () => {
    const chat = await gatewayWith("usage", { rpm: 1 });
    expect((await chat()).deployment).toBe("openai:group#0");
    for (let index = 0; index < 3; index += 1)
      expect((await chat()).deployment).toBe("openai:group#1");
  });
});
