import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const chatMutation = /* GraphQL */ `
  mutation Chat($input: ChatCompletionInput!) {
    createChatCompletion(input: $input) {
      __typename
      ... on ChatCompletion {
        id
        requestId
        model
        provider
        deployment
        costUsd
        latencyMs
        created
        choices {
          index
          finishReason
          message {
            role
            content
            toolCalls {
              id
              type
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
          cachedTokens
        }
      }
      ... on Error {
        message
        code
      }
      ... on InvalidRequestError {
        param
      }
      ... on ProviderError {
        provider
        upstreamStatus
        retryable
      }
    }
  }
`;

const hello = { model: "gpt-4o-mini", messages: [{ role: "USER", content: "Say hello" }] };

describe("GraphQL completions", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      models: [
        mockModel(upstream.baseUrl),
        mockModel(upstream.baseUrl, "cheap", {
          model: "my-finetune",
          pricing: { inputPerMillion: 0.075, outputPerMillion: 0.3 },
        }),
      ],
      // No retries: these cases check how a provider's errors become union members.
      router: { retries: 0 },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it("returns a ChatCompletion with provider, deployment, usage and exact cost", async () => {
    const { data, errors } = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: hello },
    );
    expect(errors).toBeUndefined();
    const result = data!.createChatCompletion;
    expect(result.__typename).toBe("ChatCompletion");
    expect(result.choices[0]).toEqual({
      index: 0,
      finishReason: "STOP",
      message: { role: "ASSISTANT", content: "Hello from the mock upstream.", toolCalls: null },
    });
    expect(result.usage).toEqual({
      promptTokens: 12,
      completionTokens: 7,
      totalTokens: 19,
      cachedTokens: 0,
    });
    expect(result.provider).toBe("openai");
    expect(result.deployment).toBe("openai:gpt-4o-mini#0");
    // gpt-4o-mini from the bundled price data: $0.15 / $0.60 per million -> 12*150 + 7*600 nano-USD.
    expect(result.costUsd).toBe("0.000006");
    expect(result.requestId).toMatch(/^req_/);
    expect(upstream.requests[0].body).toMatchObject({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello" }],
    });
  });

  it("sends the upstream model id and prices with the config override", async () => {
    const { data } = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: { ...hello, model: "cheap" } },
    );
    expect(upstream.requests[0].body.model).toBe("my-finetune");
    // 12 * 75 + 7 * 300 = 3000 nano-USD
    expect(data!.createChatCompletion.costUsd).toBe("0.000003");
  });

  it("passes tools, multi-part content and OpenAI fields through, camelCase to snake_case", async () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      },
    ];
    await gateway.graphql(chatMutation, {
      input: {
        model: "gpt-4o-mini",
        messages: [
          { role: "SYSTEM", content: "Be brief." },
          {
            role: "USER",
            content: "What is this?",
            contentParts: [
              { type: "IMAGE_URL", imageUrl: "data:image/png;base64,AAAA", imageDetail: "low" },
            ],
          },
          {
            role: "ASSISTANT",
            toolCalls: [
              { id: "call_1", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            ],
          },
          { role: "TOOL", toolCallId: "call_1", content: "sunny" },
        ],
        temperature: 0.2,
        topP: 0.9,
        maxTokens: 50,
        stop: ["END"],
        tools,
        toolChoice: "auto",
        responseFormat: { type: "json_object" },
        seed: 7,
        user: "user-1",
        metadata: { tag: "kept-in-logs-only" },
      },
    });
    expect(upstream.requests[0].body).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["END"],
      tools,
      tool_choice: "auto",
      response_format: { type: "json_object" },
      seed: 7,
      user: "user-1",
    });
  });

  it("keeps the caller's metadata in the request log and estimates usage the provider did not report", async () => {
    upstream.enqueue({ type: "completion", usage: null });
    const { data } = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: { ...hello, metadata: { feature: "search", userTier: 2 } } },
    );
    expect(data!.createChatCompletion.usage).toBeNull();
    await gateway.app.logWriter.flush();
    const logs = await gateway.graphql<{
      requestLogs: { edges: Array<{ node: Record<string, any> }> };
    }>(
      `{ requestLogs(first: 1) { edges { node { metadata usageEstimated promptTokens completionTokens costUsd } } } }`,
    );
    const log = logs.data!.requestLogs.edges[0].node;
    expect(log.metadata).toEqual({ feature: "search", userTier: 2 });
    expect(log.usageEstimated).toBe(true);
    expect(log.promptTokens).toBeGreaterThan(0);
    expect(log.completionTokens).toBeGreaterThan(0);
    expect(log.costUsd).not.toBe("0");
    expect(upstream.requests.at(-1)!.body.metadata).toBeUndefined();
  });

  it("returns tool calls from the provider", async () => {
    upstream.enqueue({
      type: "completion",
      content: null,
      toolCalls: [
        {
          id: "call_9",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
        },
      ],
      finishReason: "tool_calls",
    });
    const { data } = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: hello },
    );
    expect(data!.createChatCompletion.choices[0]).toMatchObject({
      finishReason: "TOOL_CALLS",
      message: {
        content: null,
        toolCalls: [
          {
            id: "call_9",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
          },
        ],
      },
    });
  });

  it("answers expected failures with typed union members", async () => {
    const unknown = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: { ...hello, model: "no-such-model" } },
    );
    expect(unknown.data!.createChatCompletion).toMatchObject({
      __typename: "ModelNotFoundError",
      code: "MODEL_NOT_FOUND",
    });
    expect(unknown.data!.createChatCompletion.message).toContain("no-such-model");

    const empty = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: { model: "gpt-4o-mini", messages: [] } },
    );
    expect(empty.data!.createChatCompletion).toMatchObject({
      __typename: "InvalidRequestError",
      code: "BAD_REQUEST",
      param: "messages",
    });

    upstream.enqueue({
      type: "error",
      status: 429,
      body: {
        error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" },
      },
      headers: { "retry-after": "3" },
    });
    const limited = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: hello },
    );
    expect(limited.data!.createChatCompletion).toMatchObject({
      __typename: "ProviderError",
      code: "PROVIDER_ERROR",
      provider: "openai",
      upstreamStatus: 429,
      retryable: true,
    });

    upstream.enqueue({ type: "garbage", body: "<html>502 Bad Gateway</html>" });
    const garbage = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: hello },
    );
    expect(garbage.data!.createChatCompletion).toMatchObject({
      __typename: "ProviderError",
      retryable: false,
    });

    expect(upstream.requests).toHaveLength(2);
  });

  it("rejects malformed GraphQL input with a validation error and keeps serving", async () => {
    const result = await gateway.graphql(chatMutation, {
      input: { messages: [{ role: "USER", content: "hi" }] },
    });
    expect(result.errors?.[0].message).toMatch(
      /Field "model" of required type "String!" was not provided/,
    );
    const bad = await gateway.graphql(chatMutation, {
      input: { ...hello, messages: [{ role: "ROBOT", content: "x" }] },
    });
    expect(bad.errors?.[0].message).toMatch(/ROBOT/);
    const after = await gateway.graphql<{ createChatCompletion: Record<string, any> }>(
      chatMutation,
      { input: hello },
    );
    expect(after.data!.createChatCompletion.__typename).toBe("ChatCompletion");
  });

  it("logs every request, failures included, and reports spend by model and day", async () => {
    await gateway.app.logWriter.flush();
    const logs = await gateway.graphql<{
      requestLogs: { edges: Array<{ node: Record<string, any> }> };
    }>(
      `{ requestLogs(first: 100) { edges { node { requestedModel status errorCode costUsd promptTokens provider deployment source stream httpStatus } } } }`,
    );
    const nodes = logs.data!.requestLogs.edges.map((edge) => edge.node);
    expect(nodes.filter((node) => node.status === "SUCCESS").length).toBeGreaterThanOrEqual(5);
    expect(nodes).toContainEqual(
      expect.objectContaining({
        requestedModel: "no-such-model",
        status: "ERROR",
        errorCode: "MODEL_NOT_FOUND",
        httpStatus: 404,
        costUsd: "0",
      }),
    );
    expect(nodes).toContainEqual(
      expect.objectContaining({ status: "ERROR", errorCode: "BAD_REQUEST", provider: null }),
    );
    expect(nodes).toContainEqual(
      expect.objectContaining({
        status: "ERROR",
        errorCode: "PROVIDER_ERROR",
        httpStatus: 429,
        provider: "openai",
        deployment: "openai:gpt-4o-mini#0",
      }),
    );
    expect(nodes.every((node) => node.source === "graphql" && node.stream === false)).toBe(true);

    const spend = await gateway.graphql<{ spend: Array<Record<string, any>> }>(
      `{ spend(groupBy: MODEL) { key requests costUsd promptTokens } }`,
    );
    const cheap = spend.data!.spend.find((row) => row.key === "cheap");
    expect(cheap).toEqual({ key: "cheap", requests: 1, costUsd: "0.000003", promptTokens: 12 });
    const byDay = await gateway.graphql<{ spend: Array<Record<string, any>> }>(
      `{ spend(groupBy: DAY) { key requests } }`,
    );
    expect(byDay.data!.spend).toEqual([
      { key: new Date().toISOString().slice(0, 10), requests: nodes.length },
    ]);
  });

  it("pages through request logs with first/after cursors", async () => {
    await gateway.app.logWriter.flush();
    const query = `query($after: String) { requestLogs(first: 2, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 50; page += 1) {
      const { data } = await gateway.graphql<{
        requestLogs: {
          edges: Array<{ node: { id: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      }>(query, { after });
      seen.push(...data!.requestLogs.edges.map((edge) => edge.node.id));
      if (!data!.requestLogs.pageInfo.hasNextPage) break;
      after = data!.requestLogs.pageInfo.endCursor;
    }
    const all = await gateway.graphql<{ requestLogs: { edges: Array<{ node: { id: string } }> } }>(
      `{ requestLogs(first: 100) { edges { node { id } } } }`,
    );
    expect(seen).toEqual(all.data!.requestLogs.edges.map((edge) => edge.node.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThan(4);
  });

  it("lists models with provider, context window and prices from the price data or config", async () => {
    // gpt-4o-mini's health depends on timing here: the 429 with retry-after 3 s above takes it out for those 3 s (failover.test.ts checks health).
    const { data } = await gateway.graphql<{ models: Array<Record<string, any>> }>(
      `{ models { name provider contextWindow inputPricePerMillion outputPricePerMillion priceSource deployments { id model healthy } } }`,
    );
    expect(data!.models).toEqual([
      {
        name: "gpt-4o-mini",
        provider: "openai",
        contextWindow: 128000,
        inputPricePerMillion: "0.15",
        outputPricePerMillion: "0.6",
        priceSource: "genai-prices",
        deployments: [
          { id: "openai:gpt-4o-mini#0", model: "gpt-4o-mini", healthy: expect.any(Boolean) },
        ],
      },
      {
        name: "cheap",
        provider: "openai",
        contextWindow: null,
        inputPricePerMillion: "0.075",
        outputPricePerMillion: "0.3",
        priceSource: "config",
        deployments: [{ id: "openai:my-finetune#1", model: "my-finetune", healthy: true }],
      },
    ]);
  });
});
