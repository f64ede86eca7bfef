import { createClient as createSseClient } from "graphql-sse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  createSwitchboardClient,
  type ChatChunk,
  type SwitchboardClientOptions,
} from "../../client/index.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-transports";
const hello = { model: "gpt-4o-mini", messages: [{ role: "USER" as const, content: "Hello" }] };

const transports: Array<[string, Partial<SwitchboardClientOptions>]> = [
  ["graphql-ws", { webSocketImpl: WebSocket }],
  ["SSE (distinct connections)", { transport: "sse" }],
  ["SSE (single connection)", { transport: "sse", singleConnection: true }],
];

/**
 * A subscription has no "ready" signal: `act` (a request) is repeated until `first` (the feed's
 * first event) resolves, a bounded number of times. Returns the event.
 */
async function untilDelivered<Value>(
  first: Promise<Value>,
  act: () => Promise<void>,
  attempts = 40,
): Promise<Value> {
  let delivered = false;
  void first.then(
    () => (delivered = true),
    () => (delivered = true),
  );
  for (let attempt = 0; attempt < attempts && !delivered; attempt += 1) {
    await act();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return first;
}

/** The chunks of a stream, minus the parts that differ per request (id, created). */
function comparable(chunks: ChatChunk[]) {
  return chunks.map(({ id: _id, created: _created, ...chunk }) => chunk);
}

describe("@switchboard/client subscriptions over graphql-ws and GraphQL SSE", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)], auth: { masterKey } });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("streams the same chunks over every transport", async () => {
    const streams: ChatChunk[][] = [];
    for (const [, options] of transports) {
      const client = createSwitchboardClient({
        url: gateway.graphqlUrl,
        apiKey: masterKey,
        ...options,
      });
      const chunks: ChatChunk[] = [];
      for await (const chunk of client.stream(hello)) chunks.push(chunk);
      await client.close();
      streams.push(chunks);
    }
    const [overWebSocket, ...overSse] = streams.map(comparable);
    expect(overWebSocket.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "Hello from the mock upstream.",
    );
    expect(overWebSocket.at(-1)).toMatchObject({
      costUsd: "0.000006",
      usage: { totalTokens: 19 },
      choices: [{ finishReason: "STOP" }],
    });
    for (const chunks of overSse) expect(chunks).toEqual(overWebSocket);
  });

  for (const [name, options] of transports) {
    it(`over ${name}: a wrong key is UNAUTHENTICATED and nothing is sent upstream`, async () => {
      const client = createSwitchboardClient({
        url: gateway.graphqlUrl,
        apiKey: "sk-wrong-key",
        ...options,
      });
      const requestsBefore = upstream.requests.length;
      const error = await (async () => {
        for await (const _chunk of client.stream(hello)) {
          // no chunk expected
        }
      })().catch((failure: unknown) => failure);
      expect(error).toMatchObject({ name: "SwitchboardError", code: "UNAUTHENTICATED" });
      expect(upstream.requests.length).toBe(requestsBefore);
      await client.close();
    });

    it(`over ${name}: watchRequests delivers the log of each request as it finishes`, async () => {
      const watcher = createSwitchboardClient({
        url: gateway.graphqlUrl,
        apiKey: masterKey,
        ...options,
      });
      const controller = new AbortController();
      const feed = watcher.watchRequests({}, { signal: controller.signal })[Symbol.asyncIterator]();
      const caller = createSwitchboardClient({ url: gateway.graphqlUrl, apiKey: masterKey });
      const requestIds: string[] = [];
      const { value } = await untilDelivered(feed.next(), async () => {
        const completion = await caller.chat({ ...hello, metadata: { transport: name } });
        if (completion.__typename !== "ChatCompletion") throw new Error(completion.message);
        requestIds.push(completion.requestId);
      });
      expect(requestIds).toContain(value!.id);
      expect(value).toMatchObject({
        status: "SUCCESS",
        requestedModel: "gpt-4o-mini",
        costUsd: "0.000006",
        source: "graphql",
        metadata: { transport: name },
      });
      controller.abort();
      await expect(feed.next()).rejects.toMatchObject({ code: "CANCELLED" });
      await watcher.close();
    });
  }

  it("answers the graphql-sse client itself in both of its modes at /graphql", async () => {
    const subscription = `subscription { chatCompletionStream(input: { model: "gpt-4o-mini", messages: [{ role: USER, content: "Hi" }] }) { choices { delta { content } } costUsd } }`;
    for (const singleConnection of [false, true]) {
      const client = createSseClient({
        url: gateway.graphqlUrl,
        headers: { authorization: `Bearer ${masterKey}` },
        singleConnection,
        retryAttempts: 0,
      });
      let text = "";
      let costUsd: string | null = null;
      for await (const result of client.iterate({ query: subscription })) {
        const chunk = (
          result.data as {
            chatCompletionStream: {
              choices: Array<{ delta: { content: string | null } }>;
              costUsd: string | null;
            };
          }
        ).chatCompletionStream;
        text += chunk.choices[0]?.delta.content ?? "";
        costUsd = chunk.costUsd ?? costUsd;
      }
      client.dispose();
      expect({ singleConnection, text, costUsd }).toEqual({
        singleConnection,
        text: "Hello from the mock upstream.",
        costUsd: "0.000006",
      });
    }
  });

  it("refuses a single-connection stream reservation without a valid key (401, GraphQL errors body)", async () => {
    const response = await fetch(gateway.graphqlUrl, {
      method: "PUT",
      headers: { authorization: "Bearer sk-wrong-key" },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      errors: [{ message: "Invalid API key.", extensions: { code: "UNAUTHENTICATED" } }],
    });
    const reserved = await fetch(gateway.graphqlUrl, {
      method: "PUT",
      headers: { authorization: `Bearer ${masterKey}` },
    });
    expect(reserved.status).toBe(201);
    expect(await reserved.text()).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("watchBudgetAlerts announces a team budget passing 80%", async () => {
    const admin = createSwitchboardClient({
      url: gateway.graphqlUrl,
      apiKey: masterKey,
      webSocketImpl: WebSocket,
    });
    // Each request costs 0.000006: the 7th passes 80% of 0.00005 (0.000042), leaving the feed time to open.
    const team = await admin.createTeam({
      name: "alerts",
      budget: { limitUsd: "0.00005", period: "MONTHLY" },
    });
    const { secret } = await admin.createApiKey({ teamId: team.id, name: "alerts key" });
    const alerts = admin.watchBudgetAlerts({ teamId: team.id })[Symbol.asyncIterator]();
    const teamClient = createSwitchboardClient({ url: gateway.graphqlUrl, apiKey: secret });
    let requests = 0;
    const { value } = await untilDelivered(
      alerts.next(),
      async () => {
        const completion = await teamClient.chat({ ...hello, maxTokens: 1 });
        expect(completion.__typename).toBe("ChatCompletion");
        requests += 1;
      },
      8,
    );
    expect(requests).toBe(7);
    expect(value).toMatchObject({
      scope: "team",
      scopeId: team.id,
      label: "team 'alerts'",
      spentUsd: "0.000042",
      limitUsd: "0.00005",
      period: "MONTHLY",
    });
    expect(value!.fraction).toBe(0.8);
    await alerts.return?.(undefined);
    await gateway.app.logWriter.flush();
    expect(await admin.team(team.id)).toMatchObject({
      id: team.id,
      spend: { requests: 7, costUsd: "0.000042" },
      budget: { spentUsd: "0.000042", remainingUsd: "0.000008" },
    });
    await admin.close();
  });
});
