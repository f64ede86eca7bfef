import { createClient, type Client } from "graphql-ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const streamSubscription = /* GraphQL */ `
  subscription Stream($input: ChatCompletionInput!) {
    chatCompletionStream(input: $input) {
      id
      model
      provider
      deployment
      attempts
      choices {
        index
        finishReason
        delta {
          role
          content
          toolCalls {
            index
            id
            function {
              name
              arguments
            }
          }
        }
      }
      usage {
        promptTokens
        completionTokens
        totalTokens
      }
      costUsd
    }
  }
`;

const input = { model: "gpt-4o-mini", messages: [{ role: "USER", content: "Say hello" }] };

interface Chunk {
  deployment: string;
  attempts: number;
  choices: Array<{
    finishReason: string | null;
    delta: { content: string | null; toolCalls: unknown };
  }>;
  usage: { promptTokens: number; completionTokens: number; totalTokens: number } | null;
  costUsd: string | null;
}

describe("GraphQL subscriptions", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let client: Client;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)] });
  });
  afterEach(async () => {
    await client?.dispose();
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  function connect(): Client {
    client = createClient({
      url: gateway.graphqlUrl.replace("http", "ws"),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    return client;
  }

  it("streams text deltas over graphql-ws; the last chunk carries finishReason, usage and costUsd", async () => {
    const chunks: Chunk[] = [];
    for await (const result of connect().iterate({
      query: streamSubscription,
      variables: { input },
    })) {
      chunks.push((result.data as { chatCompletionStream: Chunk }).chatCompletionStream);
    }
    const last = chunks.at(-1)!;
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello from the mock upstream.");
    expect(chunks.length).toBeGreaterThan(3);
    expect(
      chunks
        .slice(0, -1)
        .every(
          (chunk) =>
            chunk.choices[0].finishReason === null &&
            chunk.usage === null &&
            chunk.costUsd === null,
        ),
    ).toBe(true);
    expect(last.choices[0].finishReason).toBe("STOP");
    expect(last.usage).toEqual({ promptTokens: 12, completionTokens: 7, totalTokens: 19 });
    expect(last.costUsd).toBe("0.000006");
    expect(upstream.requests.at(-1)!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(await gateway.latestLog()).toMatchObject({
      status: "SUCCESS",
      stream: true,
      source: "graphql-subscription",
      completionTokens: 7,
      costUsd: "0.000006",
    });
  });

  it("aborts the upstream request when the subscriber completes early, and logs it as cancelled", async () => {
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 500 });
    const closedBefore = upstream.closedRequests;
    let received = 0;
    for await (const _result of connect().iterate({
      query: streamSubscription,
      variables: { input },
    })) {
      received += 1;
      if (received === 2) break;
    }
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    const log = await gateway.latestLog();
    expect(log).toMatchObject({ status: "CANCELLED", stream: true });
    expect(log.completionTokens).toBeGreaterThan(0);
    expect(await gateway.inFlight()).toBe(0);
  });

  it("aborts the upstream request when the socket disconnects", async () => {
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 500 });
    const closedBefore = upstream.closedRequests;
    const socketClient = connect();
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      socketClient.subscribe(
        { query: streamSubscription, variables: { input } },
        {
          next: () => {
            received += 1;
            if (received === 2) resolve();
          },
          error: reject,
          complete: () => reject(new Error("completed before the disconnect")),
        },
      );
    });
    await socketClient.dispose();
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    expect(await gateway.latestLog()).toMatchObject({ status: "CANCELLED" });
    expect(await gateway.inFlight()).toBe(0);
  });

  it("ends with a PROVIDER_ERROR when the upstream drops mid-stream, and logs the failure", async () => {
    upstream.enqueue({ type: "drop-mid-stream", afterChunks: 2 });
    const received: Chunk[] = [];
    const failure = await (async () => {
      try {
        for await (const result of connect().iterate({
          query: streamSubscription,
          variables: { input },
        })) {
          if (result.errors) return result.errors;
          received.push((result.data as { chatCompletionStream: Chunk }).chatCompletionStream);
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(JSON.stringify(failure)).toContain("PROVIDER_ERROR");
    expect(received.length).toBeGreaterThan(0);
    expect(await gateway.latestLog()).toMatchObject({
      status: "ERROR",
      errorCode: "PROVIDER_ERROR",
      stream: true,
    });
  });

  it("reports an unknown model as an error with extensions.code", async () => {
    const failure = await (async () => {
      try {
        for await (const result of connect().iterate({
          query: streamSubscription,
          variables: { input: { ...input, model: "nope" } },
        })) {
          if (result.errors) return result.errors;
        }
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code: "MODEL_NOT_FOUND" }) }),
    ]);
  });

  it("streams over SSE (graphql-sse distinct connections) too", async () => {
    const response = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: streamSubscription, variables: { input } }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    const chunks = text
      .split("\n\n")
      .filter((frame) => frame.startsWith("event: next"))
      .map((frame) => JSON.parse(frame.split("\ndata: ")[1]).data.chatCompletionStream as Chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "Hello from the mock upstream.",
    );
    expect(chunks.at(-1)!.costUsd).toBe("0.000006");
    expect(
      chunks.every((chunk) => chunk.deployment === "openai:gpt-4o-mini#0" && chunk.attempts === 1),
    ).toBe(true);
    expect(text).toContain("event: complete");
  });

  it("aborts the upstream request when an SSE subscriber goes away, and frees the deployment", async () => {
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 500 });
    const closedBefore = upstream.closedRequests;
    const caller = new AbortController();
    const response = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: streamSubscription, variables: { input } }),
      signal: caller.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = "";
    while (!received.includes("event: next"))
      received += decoder.decode((await reader.read()).value);
    expect(await gateway.inFlight()).toBe(1);
    caller.abort();
    await upstream.waitForClosedRequest();
    expect(upstream.closedRequests).toBe(closedBefore + 1);
    await expect
      .poll(() => gateway.latestLog())
      .toMatchObject({ status: "CANCELLED", stream: true, source: "graphql-subscription" });
    expect(await gateway.inFlight()).toBe(0);
  });
});
