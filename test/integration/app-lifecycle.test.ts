import { createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { openDatabase } from "../../server/storage/db.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp } from "../support/start-app.ts";

const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...extra });

describe("app lifecycle", () => {
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
  });

  it("publishes every finished request on the requestLogged subscription", async () => {
    const gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)] });
    const client = createClient({
      url: gateway.graphqlUrl.replace("http", "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    const feed = client.iterate({
      query: "subscription { requestLogged { requestedModel status costUsd source } }",
    });
    // The subscription has no "ready" signal: send requests until the feed delivers one (bounded).
    const first = feed.next();
    let delivered = false;
    void first.then(() => (delivered = true));
    for (let attempt = 0; attempt < 40 && !delivered; attempt += 1) {
      await (
        await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chatBody() })
      ).json();
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const event = await first;
    expect(event.value?.data).toEqual({
      requestLogged: {
        requestedModel: "gpt-4o-mini",
        status: "SUCCESS",
        costUsd: "0.000006",
        source: "rest",
      },
    });
    await feed.return?.();
    await client.dispose();
    await gateway.stop();
  });

  it("answers 504 when the provider does not answer within router.timeoutMs, and logs it", async () => {
    const gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl)],
      router: { timeoutMs: 300 },
    });
    upstream.enqueue({ type: "hang" });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: chatBody(),
    });
    expect(response.status).toBe(504);
    expect((await response.json()).error).toMatchObject({ type: "api_error", code: "timeout" });
    await gateway.app.logWriter.flush();
    const { data } = await gateway.graphql<{
      requestLogs: { edges: Array<{ node: Record<string, unknown> }> };
    }>(`{ requestLogs(first: 1) { edges { node { status errorCode httpStatus } } } }`);
    expect(data!.requestLogs.edges[0].node).toEqual({
      status: "ERROR",
      errorCode: "PROVIDER_ERROR",
      httpStatus: 504,
    });
    await gateway.stop();
  });

  it("stop() closes open streams (cancelling their upstream calls) and writes every log before it resolves", async () => {
    const gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)] });
    const closedBefore = upstream.closedRequests;
    for (let index = 0; index < 3; index += 1)
      await (
        await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: chatBody() })
      ).json();
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 50, chunks: 1000 });
    const streaming = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: chatBody({ stream: true }),
    });
    const reader = streaming.body!.getReader();
    await reader.read();

    const started = Date.now();
    await gateway.app.stop();
    expect(Date.now() - started).toBeLessThan(5_000);
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    await expect(fetch(`${gateway.url}/health`)).rejects.toThrow();

    // Read back through a fresh connection: what stop() wrote is in the database, not a cache.
    const database = await openDatabase({ url: gateway.databaseUrl });
    const rows = await database.prisma.requestLog.findMany({
      select: { status: true, stream: true },
      orderBy: { createdAt: "asc" },
    });
    await database.close();
    expect(rows).toEqual([
      { status: "success", stream: false },
      { status: "success", stream: false },
      { status: "success", stream: false },
      { status: "cancelled", stream: true },
    ]);
    await reader.cancel().catch(() => {});
    await gateway.stop();
  });
});
