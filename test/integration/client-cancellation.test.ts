import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  createSwitchboardClient,
  SwitchboardError,
  type SwitchboardClientOptions,
} from "../../client/index.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const hello = { model: "gpt-4o-mini", messages: [{ role: "USER" as const, content: "Hello" }] };

const transports: Array<[string, Partial<SwitchboardClientOptions>]> = [
  ["graphql-ws", { webSocketImpl: WebSocket }],
  ["SSE (distinct connections)", { transport: "sse" }],
  ["SSE (single connection)", { transport: "sse", singleConnection: true }],
];

/** Resolves once the upstream has received its `count`th request. */
async function upstreamReceived(upstream: MockUpstream, count: number): Promise<void> {
  while (upstream.requests.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("@switchboard/client cancellation: aborting a call cancels the upstream request and is logged as cancelled", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)] });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("chat: aborting closes the HTTP request; the gateway closes the upstream socket and logs CANCELLED", async () => {
    upstream.enqueue({ type: "hang" });
    const client = createSwitchboardClient({ url: gateway.graphqlUrl });
    const controller = new AbortController();
    const requestsBefore = upstream.requests.length;
    const closedBefore = upstream.closedRequests;
    const call = client.chat(hello, { signal: controller.signal }).catch((error: unknown) => error);
    await upstreamReceived(upstream, requestsBefore + 1);
    controller.abort();
    const error = await call;
    expect(error).toBeInstanceOf(SwitchboardError);
    expect(error).toMatchObject({ code: "CANCELLED" });
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({
      status: "CANCELLED",
      stream: false,
      source: "graphql",
      errorCode: "CANCELLED",
    });
    expect(await gateway.inFlight()).toBe(0);
  });

  it("chat: AbortSignal.timeout is a timeout for the whole call", async () => {
    upstream.enqueue({ type: "hang" });
    const client = createSwitchboardClient({ url: gateway.graphqlUrl });
    const closedBefore = upstream.closedRequests;
    const error = await client
      .chat(hello, { signal: AbortSignal.timeout(300) })
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: "CANCELLED" });
    expect((error as SwitchboardError).cause).toMatchObject({ name: "TimeoutError" });
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({ status: "CANCELLED", stream: false });
  });

  it("chatObject: an already aborted signal sends nothing", async () => {
    const client = createSwitchboardClient({ url: gateway.graphqlUrl });
    const requestsBefore = upstream.requests.length;
    const { z } = await import("zod");
    const error = await client
      .chatObject(
        { ...hello, schema: z.object({ answer: z.string() }) },
        { signal: AbortSignal.abort() },
      )
      .catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: "CANCELLED" });
    expect(upstream.requests.length).toBe(requestsBefore);
  });

  for (const [name, options] of transports) {
    it(`stream over ${name}: aborting mid-stream completes the subscription; the upstream socket closes and the log says CANCELLED`, async () => {
      upstream.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 500 });
      const client = createSwitchboardClient({ url: gateway.graphqlUrl, ...options });
      const controller = new AbortController();
      const closedBefore = upstream.closedRequests;
      let received = 0;
      const error = await (async () => {
        for await (const _chunk of client.stream(hello, { signal: controller.signal })) {
          received += 1;
          if (received === 2) controller.abort();
        }
      })().catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(SwitchboardError);
      expect(error).toMatchObject({ code: "CANCELLED" });
      expect(received).toBe(2);
      await upstream.waitForClosedRequest();
      expect(upstream.closedRequests).toBe(closedBefore + 1);
      const log = await gateway.latestLog();
      expect(log).toMatchObject({
        status: "CANCELLED",
        stream: true,
        source: "graphql-subscription",
      });
      expect(log.completionTokens).toBeGreaterThan(0);
      expect(await gateway.inFlight()).toBe(0);
      await client.close();
    });
  }
});
