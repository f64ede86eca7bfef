import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createGateway,
  GatewayError,
  InvalidOutputError,
  type Gateway,
} from "../../server/index.ts";
import { openAIEmbeddingsReply } from "../contract/wires/openai-wire.ts";
import {
  anthropicAnswer,
  anthropicTestKey,
  anthropicUsage,
} from "../contract/wires/anthropic-wire.ts";
import { rejectionOf } from "../support/rejection.ts";
import {
  defaultMockContent,
  type MockUpstream,
  readOpenAIFixture,
  startMockOpenAIUpstream,
} from "../support/mock-openai-upstream.ts";
import { type ScriptedUpstream, startScriptedUpstream } from "../support/scripted-upstream.ts";

/*
 * The SDK (DESIGN §12) against real local upstreams: createGateway in this process, no server.
 * Configuration files, the environment and the database are in sdk-config.test.ts.
 */

const messages = [{ role: "user" as const, content: "What is the weather in Oslo?" }];
const weather = z.object({ city: z.string(), temperature: z.number() });

describe("createGateway: the gateway core in-process", () => {
  let primary: MockUpstream;
  let secondary: MockUpstream;
  let anthropic: ScriptedUpstream;
  let embeddings: ScriptedUpstream;
  let gateway: Gateway;

  beforeAll(async () => {
    [primary, secondary, anthropic, embeddings] = await Promise.all([
      startMockOpenAIUpstream(),
      startMockOpenAIUpstream(),
      startScriptedUpstream(),
      startScriptedUpstream({ defaultAnswer: openAIEmbeddingsReply }),
    ]);
    gateway = createGateway({
      models: [
        {
          name: "primary",
          provider: "openai",
          model: "gpt-4o-mini",
          apiKey: "sk-primary",
          apiBase: primary.baseUrl,
          pricing: { inputPerMillion: 2.5, outputPerMillion: 10 },
        },
        {
          name: "secondary",
          provider: "openai",
          model: "gpt-4o",
          apiKey: "sk-secondary",
          apiBase: secondary.baseUrl,
          pricing: { inputPerMillion: 1, outputPerMillion: 4 },
        },
        {
          name: "claude",
          provider: "anthropic",
          model: "claude-sonnet-4-5",
          apiKey: anthropicTestKey,
          apiBase: anthropic.origin,
        },
        {
          name: "embedder",
          provider: "openai",
          model: "text-embedding-3-small",
          apiKey: "sk-embed",
          apiBase: `${embeddings.origin}/v1`,
          pricing: { inputPerMillion: 0.02, outputPerMillion: 0 },
        },
        {
          name: "limited",
          provider: "openai",
          model: "gpt-4o-mini",
          apiKey: "sk-primary",
          apiBase: secondary.baseUrl,
          rpm: 1,
        },
      ],
      router: { retries: 1 },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await Promise.all([primary?.stop(), secondary?.stop(), anthropic?.stop(), embeddings?.stop()]);
  });

  it("completion with a model name: OpenAI's ChatCompletion, where it was served and its cost at the configured price", async () => {
    const completion = await gateway.completion({ model: "primary", messages, temperature: 0.2 });
    expect(completion.choices[0].message).toMatchObject({
      role: "assistant",
      content: defaultMockContent,
    });
    expect(completion.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 7,
      total_tokens: 19,
    });
    // 12 × $2.50 + 7 × $10 per million tokens.
    expect(completion.switchboard).toEqual({
      requestId: expect.stringMatching(/^req_[0-9a-f]{32}$/),
      model: "primary",
      provider: "openai",
      deployment: "openai:gpt-4o-mini#0",
      attempts: 1,
      costUsd: "0.0001",
      latencyMs: expect.any(Number),
    });
    const sent = primary.requests.at(-1)!;
    expect(sent.headers.authorization).toBe("Bearer sk-primary");
    expect(sent.body).toEqual({ model: "gpt-4o-mini", messages, temperature: 0.2 });
  });

  it("a model list: the first model's retryable failures use up its retries, then the next model answers, as one request", async () => {
    const [primaryBefore, secondaryBefore] = [primary.requests.length, secondary.requests.length];
    primary.enqueue({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
    primary.enqueue({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
    const completion = await gateway.completion({ model: ["primary", "secondary"], messages });
    expect(primary.requests.length - primaryBefore).toBe(2);
    expect(secondary.requests.length - secondaryBefore).toBe(1);
    expect(secondary.requests.at(-1)!.body.model).toBe("gpt-4o");
    // 12 × $1 + 7 × $4 per million tokens: the price of the model that answered.
    expect(completion.switchboard).toMatchObject({
      model: "secondary",
      provider: "openai",
      deployment: "openai:gpt-4o#1",
      attempts: 3,
      costUsd: "0.00004",
    });
  });

  it("a model list does not fall through on a failure that is not retryable (a 400): the request itself is wrong", async () => {
    const secondaryBefore = secondary.requests.length;
    primary.enqueue({
      type: "error",
      status: 400,
      body: {
        error: {
          message: "Invalid value for 'temperature'.",
          type: "invalid_request_error",
          param: "temperature",
          code: null,
        },
      },
    });
    const error = await rejectionOf(
      gateway.completion({ model: ["primary", "secondary"], messages }),
      GatewayError,
    );
    expect(error).toMatchObject({
      code: "PROVIDER_ERROR",
      status: 400,
      request: { attempts: 1, lastDeployment: "openai:gpt-4o-mini#0" },
    });
    expect(error.message).toContain("Invalid value for 'temperature'.");
    expect(secondary.requests.length).toBe(secondaryBefore);
  });

  it("a model list naming a model that is not served fails before anything is sent", async () => {
    const primaryBefore = primary.requests.length;
    const error = await rejectionOf(
      gateway.completion({ model: ["primary", "no-such-model"], messages }),
      GatewayError,
    );
    expect(error.code).toBe("MODEL_NOT_FOUND");
    expect(error.message).toContain("'no-such-model'");
    expect(primary.requests.length).toBe(primaryBefore);
  });

  it("stream: OpenAI's chunks with the final usage chunk, then usage and cost on the stream", async () => {
    const stream = gateway.stream({ model: "primary", messages });
    expect(stream.switchboard).toBeUndefined();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      defaultMockContent,
    );
    expect(chunks.at(-1)).toMatchObject({
      object: "chat.completion.chunk",
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 7 },
    });
    expect(stream.switchboard).toEqual({
      requestId: expect.stringMatching(/^req_/),
      model: "primary",
      provider: "openai",
      deployment: "openai:gpt-4o-mini#0",
      attempts: 1,
      usage: expect.objectContaining({ prompt_tokens: 12, completion_tokens: 7 }),
      finishReason: "stop",
      costUsd: "0.0001",
      latencyMs: expect.any(Number),
    });
    expect(primary.requests.at(-1)!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it("aborting a completion's signal cancels it and closes the upstream request", async () => {
    primary.enqueue({ type: "hang" });
    const controller = new AbortController();
    const before = primary.requests.length;
    const pending = gateway.completion({ model: "primary", messages, signal: controller.signal });
    await expect.poll(() => primary.requests.length).toBe(before + 1);
    controller.abort();
    expect((await rejectionOf(pending, GatewayError)).code).toBe("CANCELLED");
    await primary.waitForClosedRequest();
  });

  it("aborting during a stream cancels it and closes the upstream request", async () => {
    primary.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 200 });
    const controller = new AbortController();
    const received: string[] = [];
    const consume = async () => {
      for await (const chunk of gateway.stream({
        model: "primary",
        messages,
        signal: controller.signal,
      })) {
        received.push(chunk.choices[0]?.delta.content ?? "");
        if (received.length === 3) controller.abort();
      }
    };
    expect((await rejectionOf(consume(), GatewayError)).code).toBe("CANCELLED");
    expect(received.length).toBeGreaterThanOrEqual(3);
    await primary.waitForClosedRequest();
  });

  it("breaking out of a stream closes the upstream request", async () => {
    primary.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 200 });
    const stream = gateway.stream({ model: "primary", messages });
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) break;
    await primary.waitForClosedRequest();
    expect(stream.switchboard).toMatchObject({
      deployment: "openai:gpt-4o-mini#0",
      attempts: 1,
      costUsd: expect.any(String),
    });
  });

  it("embed: OpenAI's embeddings answer with its cost", async () => {
    const embedding = await gateway.embed({ model: "embedder", input: ["first", "second"] });
    expect(embedding.data.map((item) => item.index)).toEqual([0, 1]);
    expect(embedding.data[0].embedding).toEqual(expect.arrayContaining([expect.any(Number)]));
    expect(embedding.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
    // 4 tokens × $0.02 per million.
    expect(embedding.switchboard).toMatchObject({
      model: "embedder",
      deployment: "openai:text-embedding-3-small#3",
      attempts: 1,
      costUsd: "0.00000008",
    });
    expect(embeddings.requests.at(-1)!).toMatchObject({
      path: "/v1/embeddings",
      body: { model: "text-embedding-3-small", input: ["first", "second"] },
    });
  });

  it("a deployment's rpm applies in-process", async () => {
    await gateway.completion({ model: "limited", messages });
    const error = await rejectionOf(
      gateway.completion({ model: "limited", messages }),
      GatewayError,
    );
    expect(error.code).toBe("RATE_LIMITED");
    expect(error.retryAfterMs).toBeGreaterThan(0);
  });

  describe("completionObject against an OpenAI-format upstream", () => {
    it("sends the schema as response_format json_schema and resolves the validated object", async () => {
      primary.enqueue({ type: "completion", content: '{"city":"Oslo","temperature":21.5}' });
      const { object, completion } = await gateway.completionObject({
        model: "primary",
        messages,
        schema: weather,
        schemaName: "weather",
      });
      expect(object).toEqual({ city: "Oslo", temperature: 21.5 });
      expect(completion.switchboard).toMatchObject({
        deployment: "openai:gpt-4o-mini#0",
        costUsd: "0.0001",
      });
      expect(primary.requests.at(-1)!.body.response_format).toEqual({
        type: "json_schema",
        json_schema: {
          name: "weather",
          schema: {
            $schema: "https://json-schema.org/draft/2020-12/schema",
            type: "object",
            properties: { city: { type: "string" }, temperature: { type: "number" } },
            required: ["city", "temperature"],
            additionalProperties: false,
          },
        },
      });
    });

    it("JSON that does not match the schema is INVALID_OUTPUT with the raw text and the schema's issues", async () => {
      primary.enqueue({ type: "completion", content: '{"city":"Oslo","temperature":"warm"}' });
      const error = await rejectionOf(
        gateway.completionObject({ model: "primary", messages, schema: weather }),
        GatewayError,
      );
      expect(error).toBeInstanceOf(InvalidOutputError);
      const invalid = error as InvalidOutputError;
      expect(invalid.code).toBe("INVALID_OUTPUT");
      expect(invalid.text).toBe('{"city":"Oslo","temperature":"warm"}');
      expect(invalid.issues?.map((issue) => issue.path)).toEqual([["temperature"]]);
      expect(invalid.message).toMatch(/does not match the schema: temperature: /);
      expect(invalid.completion.switchboard.costUsd).toBe("0.0001");
      expect(primary.requests.at(-1)!.body.response_format.json_schema.name).toBe("response");
    });

    it("an answer that is not JSON is INVALID_OUTPUT with the raw text", async () => {
      primary.enqueue({ type: "completion", content: "It is sunny in Oslo." });
      const error = (await rejectionOf(
        gateway.completionObject({ model: "primary", messages, schema: weather }),
        GatewayError,
      )) as InvalidOutputError;
      expect(error).toMatchObject({
        code: "INVALID_OUTPUT",
        text: "It is sunny in Oslo.",
        issues: undefined,
      });
      expect(error.message).toBe("The model's answer is not JSON.");
    });
  });

  it("completionObject refuses a schema that cannot say its JSON Schema, before anything is sent", async () => {
    const before = primary.requests.length;
    const validateOnly = {
      "~standard": { version: 1, vendor: "test", validate: (value: unknown) => ({ value }) },
    };
    const error = await rejectionOf(
      gateway.completionObject({ model: "primary", messages, schema: validateOnly as never }),
      GatewayError,
    );
    expect(error).toMatchObject({ code: "BAD_REQUEST", param: "schema" });
    expect(primary.requests.length).toBe(before);
  });

  describe("completionObject against an Anthropic-format upstream (the schema becomes a forced tool)", () => {
    const toolAnswer = (argumentPieces: string[]) =>
      anthropicAnswer({
        blocks: [
          { type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "json", argumentPieces },
        ],
        usage: anthropicUsage({ input: 40, output: 12 }),
        stopReason: "tool_use",
        stream: false,
      });

    it("resolves the validated object from the tool's input", async () => {
      anthropic.enqueue(toolAnswer(['{"city": "Oslo",', ' "temperature": -3}']));
      const { object, completion } = await gateway.completionObject({
        model: "claude",
        messages,
        schema: weather,
        schemaName: "weather",
      });
      expect(object).toEqual({ city: "Oslo", temperature: -3 });
      expect(completion.switchboard).toMatchObject({
        provider: "anthropic",
        model: "claude",
        attempts: 1,
      });
      const sent = anthropic.requests.at(-1)!;
      expect(sent.path).toBe("/v1/messages");
      expect(sent.body.tool_choice).toMatchObject({ type: "tool", name: "json" });
      expect(sent.body.tools).toEqual([
        expect.objectContaining({
          name: "json",
          input_schema: expect.objectContaining({
            type: "object",
            required: ["city", "temperature"],
          }),
        }),
      ]);
    });

    it("a tool input that does not match the schema is INVALID_OUTPUT with the raw text", async () => {
      anthropic.enqueue(toolAnswer(['{"city": "Oslo"}']));
      const error = (await rejectionOf(
        gateway.completionObject({ model: "claude", messages, schema: weather }),
        GatewayError,
      )) as InvalidOutputError;
      expect(error).toMatchObject({ code: "INVALID_OUTPUT", text: '{"city":"Oslo"}' });
      expect(error.issues?.map((issue) => issue.path)).toEqual([["temperature"]]);
    });

    it("a text answer instead of the tool is INVALID_OUTPUT with the raw text", async () => {
      anthropic.enqueue(
        anthropicAnswer({
          blocks: [{ type: "text", pieces: ["I would rather not say."] }],
          usage: anthropicUsage({ input: 40, output: 6 }),
          stopReason: "end_turn",
          stream: false,
        }),
      );
      const error = (await rejectionOf(
        gateway.completionObject({ model: "claude", messages, schema: weather }),
        GatewayError,
      )) as InvalidOutputError;
      expect(error).toMatchObject({
        code: "INVALID_OUTPUT",
        text: "I would rather not say.",
        issues: undefined,
      });
    });
  });
});
