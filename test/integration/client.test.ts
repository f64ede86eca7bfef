import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createSwitchboardClient, SwitchboardError } from "../../client/index.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-client-test";
const hello = { model: "gpt-4o-mini", messages: [{ role: "USER" as const, content: "Hello" }] };

describe("@switchboard/client against a running server with a master key", () => {
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

  it("chats, streams, lists models, reads spend and request logs", async () => {
    const client = createSwitchboardClient({
      url: gateway.graphqlUrl,
      apiKey: masterKey,
      webSocketImpl: WebSocket,
    });
    const result = await client.chat(hello);
    if (result.__typename !== "ChatCompletion")
      throw new Error(`expected a completion, got ${result.__typename}`);
    expect(result.choices[0].message.content).toBe("Hello from the mock upstream.");
    expect(result.usage).toMatchObject({ promptTokens: 12, completionTokens: 7 });

    const chunks = [];
    for await (const chunk of client.stream(hello)) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      "Hello from the mock upstream.",
    );
    expect(chunks.at(-1)).toMatchObject({
      costUsd: "0.000006",
      usage: { totalTokens: 19 },
      choices: [{ finishReason: "STOP" }],
    });

    expect((await client.models()).map((model) => model.name)).toEqual(["gpt-4o-mini"]);
    expect(await client.me()).toMatchObject({ kind: "ADMIN" });
    await gateway.app.logWriter.flush();
    expect(await client.spend("MODEL")).toEqual([
      {
        key: "gpt-4o-mini",
        requests: 2,
        errors: 0,
        promptTokens: 24,
        completionTokens: 14,
        costUsd: "0.000012",
      },
    ]);
    const logs = await client.requestLogs({ first: 1 });
    expect(logs.edges[0].node).toMatchObject({
      status: "SUCCESS",
      stream: true,
      source: "graphql-subscription",
    });
    await client.close();
  });

  it("returns expected failures as typed members and stream failures as SwitchboardError with a code", async () => {
    const client = createSwitchboardClient({
      url: gateway.graphqlUrl,
      apiKey: masterKey,
      webSocketImpl: WebSocket,
    });
    const missing = await client.chat({ ...hello, model: "nope" });
    expect(missing).toMatchObject({ __typename: "ModelNotFoundError", code: "MODEL_NOT_FOUND" });
    const streamFailure = await (async () => {
      for await (const _chunk of client.stream({ ...hello, model: "nope" })) {
        // no chunk expected
      }
    })().catch((error: unknown) => error);
    expect(streamFailure).toBeInstanceOf(SwitchboardError);
    expect(streamFailure).toMatchObject({ code: "MODEL_NOT_FOUND" });
    await client.close();
  });

  it("is refused without the key, over HTTP and over the WebSocket", async () => {
    const client = createSwitchboardClient({
      url: gateway.graphqlUrl,
      apiKey: "sk-wrong",
      webSocketImpl: WebSocket,
    });
    await expect(client.models()).rejects.toMatchObject({
      name: "SwitchboardError",
      code: "UNAUTHENTICATED",
    });
    const streamFailure = await (async () => {
      for await (const _chunk of client.stream(hello)) {
        // no chunk expected
      }
    })().catch((error: unknown) => error);
    expect(streamFailure).toMatchObject({ name: "SwitchboardError", code: "UNAUTHENTICATED" });
    await client.close();
    expect(
      upstream.requests.filter((request) => request.body.messages?.[0]?.content === "Hello"),
    ).toHaveLength(2);
  });
});
