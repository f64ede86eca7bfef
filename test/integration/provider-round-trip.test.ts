import OpenAI from "openai";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSwitchboardClient } from "../../client/index.ts";
import type { ProviderWire } from "../contract/provider-wire.ts";
import { anthropicTestKey, anthropicWire } from "../contract/wires/anthropic-wire.ts";
import { azureApiKey, azureWire } from "../contract/wires/azure-wire.ts";
import { bedrockTestCredentials, bedrockWire } from "../contract/wires/bedrock-wire.ts";
import { deepSeekApiKey, deepSeekWire } from "../contract/wires/deepseek-wire.ts";
import { geminiTestApiKey, geminiWire } from "../contract/wires/gemini-wire.ts";
import { ollamaWire } from "../contract/wires/ollama-wire.ts";
import { vertexModelPath, vertexWire } from "../contract/wires/vertex-wire.ts";
import { openAIWire } from "../contract/wires/openai-wire.ts";
import {
  sageMakerCredentials,
  sageMakerRegion,
  sageMakerWire,
} from "../contract/wires/sagemaker-wire.ts";
import { type ScriptedUpstream, startScriptedUpstream } from "../support/scripted-upstream.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Each provider end to end, as a user meets it: a config entry for the provider pointed at a
 * test upstream speaking that provider's wire format, then the same calls through GraphQL (the
 * typed client: mutation and graphql-ws subscription) and through the official openai SDK
 * (JSON and stream), and embeddings where the provider serves them. The caller's code is the
 * same for every provider; only `model` changes.
 */

const masterKey = "sk-master-round-trip";
const pieces = ["Hello", " from", " the", " test", " upstream."];
const usage = { input: 12, output: 7 };

interface RoundTrip {
  wire: ProviderWire;
  /** The config entry (DESIGN §3) pointing this provider at the test upstream. */
  entry(origin: string): Record<string, unknown>;
  /** Extra fields for the embedding model's entry. */
  embeddingEntry?: Record<string, unknown>;
}

const roundTrips: RoundTrip[] = [
  {
    wire: openAIWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "openai",
      model: openAIWire.model,
      apiKey: "sk-test-openai-0123456789",
      apiBase: `${origin}/v1`,
    }),
  },
  {
    wire: anthropicWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "anthropic",
      model: anthropicWire.model,
      apiKey: anthropicTestKey,
      apiBase: origin,
    }),
  },
  {
    wire: bedrockWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "bedrock",
      model: bedrockWire.model,
      ...bedrockTestCredentials,
      apiBase: origin,
    }),
  },
  {
    wire: geminiWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "gemini",
      model: geminiWire.model,
      apiKey: geminiTestApiKey,
      apiBase: origin,
    }),
  },
  {
    // With a key file Vertex's OAuth token comes from the file's token_uri (the contract suite
    // covers that path against a local token endpoint); a Vertex API key (x-goog-api-key) needs none.
    wire: {
      ...vertexWire,
      expectChatRequest(sent, { stream }) {
        expect(sent.path).toBe(
          `${vertexModelPath}/${vertexWire.model}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
        );
        expect(sent.headers["x-goog-api-key"]).toBe("vertex-test-api-key-0123456789");
        expect(sent.headers.authorization).toBeUndefined();
      },
    },
    entry: (origin) => ({
      name: "chat-model",
      provider: "vertex",
      model: vertexWire.model,
      project: "test-project",
      location: "us-central1",
      apiKey: "vertex-test-api-key-0123456789",
      apiBase: origin,
    }),
  },
  {
    wire: azureWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "azure",
      model: azureWire.model,
      apiKey: azureApiKey,
      apiBase: origin,
    }),
  },
  {
    wire: deepSeekWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "deepseek",
      model: deepSeekWire.model,
      apiKey: deepSeekApiKey,
      apiBase: origin,
    }),
  },
  {
    wire: sageMakerWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "sagemaker",
      model: sageMakerWire.model,
      region: sageMakerRegion,
      ...sageMakerCredentials,
      apiBase: origin,
    }),
  },
  {
    wire: ollamaWire,
    entry: (origin) => ({
      name: "chat-model",
      provider: "ollama",
      model: ollamaWire.model,
      apiBase: origin,
    }),
    // A local model the catalog cannot know: the config says what it does.
    embeddingEntry: { capabilities: { embeddings: true } },
  },
];

for (const { wire, entry, embeddingEntry } of roundTrips) {
  describe(`${wire.provider} round trip through GraphQL and the openai SDK`, () => {
    let upstream: ScriptedUpstream;
    let gateway: TestApp;
    let openai: OpenAI;
    let client: ReturnType<typeof createSwitchboardClient>;

    beforeAll(async () => {
      upstream = await startScriptedUpstream();
      const models = [entry(upstream.origin)];
      if (wire.embeddings)
        models.push({
          ...entry(upstream.origin),
          name: "embedding-model",
          model: wire.embeddings.model,
          ...embeddingEntry,
        });
      // No retries: these cases check how each provider's own errors reach the caller.
      gateway = await startTestApp({ models, auth: { masterKey }, router: { retries: 0 } });
      openai = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      client = createSwitchboardClient({
        url: gateway.graphqlUrl,
        apiKey: masterKey,
        webSocketImpl: WebSocket,
      });
    });
    afterAll(async () => {
      await client?.close();
      await gateway?.stop();
      await upstream?.stop();
    });

    it("GraphQL mutation: text, usage, provider and a logged request", async () => {
      upstream.enqueue(wire.text({ pieces, usage, stream: false }));
      const result = await client.chat({
        model: "chat-model",
        messages: [{ role: "USER", content: "Say hello" }],
      });
      if (result.__typename !== "ChatCompletion")
        throw new Error(`expected a ChatCompletion, got ${JSON.stringify(result)}`);
      expect(result.choices[0]).toMatchObject({
        finishReason: "STOP",
        message: { role: "ASSISTANT", content: pieces.join("") },
      });
      expect(result.usage).toMatchObject({
        promptTokens: 12,
        completionTokens: 7,
        totalTokens: 19,
      });
      expect(result.provider).toBe(wire.provider);
      wire.expectChatRequest(upstream.requests.at(-1)!, { stream: false });
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        source: "graphql",
        promptTokens: 12,
        completionTokens: 7,
        stream: false,
      });
    });

    it("GraphQL subscription: the text in pieces, then finishReason and usage", async () => {
      upstream.enqueue(wire.text({ pieces, usage, stream: true }));
      const chunks = [];
      for await (const chunk of client.stream({
        model: "chat-model",
        messages: [{ role: "USER", content: "Say hello" }],
      }))
        chunks.push(chunk);
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
        pieces.join(""),
      );
      expect(chunks.at(-1)).toMatchObject({
        choices: [{ finishReason: "STOP" }],
        usage: { promptTokens: 12, completionTokens: 7 },
      });
      wire.expectChatRequest(upstream.requests.at(-1)!, { stream: true });
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        source: "graphql-subscription",
        stream: true,
        promptTokens: 12,
      });
    });

    it("openai SDK: a tool call comes back in OpenAI's shape", async () => {
      upstream.enqueue(
        wire.toolCall({
          id: "call_round_trip",
          name: "get_weather",
          argumentPieces: ['{"city":', ' "Oslo"}'],
          usage,
          stream: false,
        }),
      );
      const completion = await openai.chat.completions.create({
        model: "chat-model",
        messages: [{ role: "user", content: "Weather in Oslo?" }],
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              parameters: { type: "object", properties: { city: { type: "string" } } },
            },
          },
        ],
      });
      const [choice] = completion.choices;
      expect(choice.finish_reason).toBe("tool_calls");
      const [call] = choice.message.tool_calls ?? [];
      expect(call?.type === "function" && call.function.name).toBe("get_weather");
      expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({
        city: "Oslo",
      });
    });

    it("openai SDK: a stream with include_usage ends with the usage chunk", async () => {
      upstream.enqueue(wire.text({ pieces, usage, stream: true }));
      const stream = await openai.chat.completions.create({
        model: "chat-model",
        messages: [{ role: "user", content: "Say hello" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let finishReason: string | null = null;
      let reportedUsage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        finishReason = chunk.choices[0]?.finish_reason ?? finishReason;
        if (chunk.usage) reportedUsage = chunk.usage;
      }
      expect(text).toBe(pieces.join(""));
      expect(finishReason).toBe("stop");
      expect(reportedUsage).toMatchObject({
        prompt_tokens: 12,
        completion_tokens: 7,
        total_tokens: 19,
      });
    });

    it("openai SDK: a provider's rate limit is a 429 RateLimitError", async () => {
      upstream.enqueue(wire.error("rate-limit", { retryAfterSeconds: 3 }));
      const failure = await openai.chat.completions
        .create({ model: "chat-model", messages: [{ role: "user", content: "Say hello" }] })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    });

    it("a prompt too long for the model is its own code: contextLengthExceeded on GraphQL, context_length_exceeded on REST", async () => {
      upstream.enqueue(wire.error("context-length"));
      const result = await client.chat({
        model: "chat-model",
        messages: [{ role: "USER", content: "A very long prompt" }],
      });
      expect(result).toMatchObject({
        __typename: "ProviderError",
        code: "PROVIDER_ERROR",
        provider: wire.provider,
        retryable: false,
        contextLengthExceeded: true,
      });
      upstream.enqueue(wire.error("context-length"));
      const failure = await openai.chat.completions
        .create({
          model: "chat-model",
          messages: [{ role: "user", content: "A very long prompt" }],
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
      expect((failure as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
        "context_length_exceeded",
      );
    });

    it("models lists the configured models with provider, limits and capabilities", async () => {
      const models = await client.models();
      const chat = models.find((model) => model.name === "chat-model");
      expect(chat).toMatchObject({ provider: wire.provider });
      expect(chat?.capabilities.embeddings).not.toBe(true);
      if (wire.embeddings)
        expect(models.find((model) => model.name === "embedding-model")).toMatchObject({
          provider: wire.provider,
          capabilities: { embeddings: true, tools: false },
        });
    });

    if (wire.embeddings) {
      const embeddings = wire.embeddings;
      it("embeddings through the openai SDK and the GraphQL mutation, logged with their tokens", async () => {
        upstream.setDefault((sent) => embeddings.reply(sent));
        const inputs = ["first text", "second text"];
        // A provider that reports no count gets the gateway's estimate (o200k tokens: 2 + 2), flagged.
        const expectedTokens = embeddings.promptTokens(inputs) ?? 4;
        const estimated = embeddings.promptTokens(inputs) === undefined;
        const viaSdk = await openai.embeddings.create({ model: "embedding-model", input: inputs });
        expect(viaSdk.data.map((item) => item.embedding)).toEqual([
          [0.5, 0.25, -0.125],
          [1.5, 1.25, -1.125],
        ]);
        expect(viaSdk.usage.prompt_tokens).toBe(expectedTokens);
        // The SDK asks for base64; the gateway encodes it itself, so no provider is asked for it.
        expect(upstream.requests.every((sent) => !sent.rawBody.includes("base64"))).toBe(true);
        expect(await gateway.latestLog()).toMatchObject({
          status: "SUCCESS",
          source: "rest",
          promptTokens: expectedTokens,
          completionTokens: 0,
        });

        const viaGraphQL = await client.embed({ model: "embedding-model", input: inputs });
        if (viaGraphQL.__typename !== "Embeddings")
          throw new Error(`expected Embeddings, got ${JSON.stringify(viaGraphQL)}`);
        expect(viaGraphQL.data.map((item) => item.vector)).toEqual(
          viaSdk.data.map((item) => item.embedding),
        );
        expect(viaGraphQL).toMatchObject({
          provider: wire.provider,
          attempts: 1,
          usage: { promptTokens: expectedTokens, estimated },
        });
      });
    }
  });
}

describe("cost: cache reads and writes at their own prices", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    const pricing = {
      inputPerMillion: 3,
      outputPerMillion: 15,
      cachedInputPerMillion: 0.3,
      cacheWritePerMillion: 3.75,
    };
    gateway = await startTestApp({
      models: [
        {
          name: "claude",
          provider: "anthropic",
          model: anthropicWire.model,
          apiKey: anthropicTestKey,
          apiBase: upstream.origin,
          pricing,
        },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("bills 1000 prompt tokens (300 read from the cache, 200 written to it) and 100 output at 0.00384 USD", async () => {
    // 500×3 + 300×0.3 + 200×3.75 + 100×15 = 3840 USD per million tokens → 0.00384 USD.
    upstream.enqueue(
      anthropicWire.text({
        pieces: ["cached"],
        usage: { input: 1000, output: 100, cached: 300, cacheWrite: 200 },
        stream: false,
      }),
    );
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "claude", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).usage).toMatchObject({
      prompt_tokens: 1000,
      prompt_tokens_details: { cached_tokens: 300, cache_write_tokens: 200 },
    });
    expect(response.headers.get("x-switchboard-cost-usd")).toBe("0.00384");
    expect(await gateway.latestLog()).toMatchObject({
      promptTokens: 1000,
      completionTokens: 100,
      costUsd: "0.00384",
    });
  });
});

describe("embeddings: a provider without them", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gateway = await startTestApp({
      models: [
        {
          name: "claude",
          provider: "anthropic",
          apiKey: anthropicTestKey,
          apiBase: upstream.origin,
        },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("answers 400 naming the model and provider on REST, InvalidRequestError on GraphQL, and sends nothing", async () => {
    const response = await fetch(`${gateway.url}/v1/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "claude", input: "hi" }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({
      message: "The model 'claude' (provider anthropic) does not serve embeddings.",
      param: "model",
    });
    const { data } = await gateway.graphql<{ createEmbedding: { __typename: string } }>(
      `mutation { createEmbedding(input: { model: "claude", input: ["a"] }) { __typename } }`,
    );
    expect(data?.createEmbedding.__typename).toBe("InvalidRequestError");
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("embeddings: bad input", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gateway = await startTestApp({
      models: [
        { name: "chat-model", provider: "openai-compatible", apiBase: `${upstream.origin}/v1` },
      ],
    });
    openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("an empty input is a 400 naming input, and nothing is sent upstream", async () => {
    const failure = await openai.embeddings
      .create({ model: "chat-model", input: [] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError);
    expect((failure as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/input/);
    expect(upstream.requests).toHaveLength(0);
    expect(await gateway.latestLog()).toMatchObject({
      status: "ERROR",
      errorCode: "BAD_REQUEST",
      httpStatus: 400,
    });
  });

  it("an unknown model is MODEL_NOT_FOUND on GraphQL", async () => {
    const { data } = await gateway.graphql<{
      createEmbedding: { __typename: string; code: string };
    }>(
      `mutation { createEmbedding(input: { model: "nope", input: ["a"] }) { __typename ... on Error { code } } }`,
    );
    expect(data?.createEmbedding).toEqual({
      __typename: "ModelNotFoundError",
      code: "MODEL_NOT_FOUND",
    });
  });
});
