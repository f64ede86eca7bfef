import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  createSwitchboardClient,
  SwitchboardError,
  type SwitchboardClient,
} from "../../client/index.ts";
import { anthropicTestKey, anthropicWire } from "../contract/wires/anthropic-wire.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../support/scripted-upstream.ts";
import { rejectionOf } from "../support/rejection.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const weather = z.object({
  city: z.string(),
  temperatureC: z.number(),
  conditions: z.array(z.string()),
});
const messages = [{ role: "USER" as const, content: "The weather in Paris, as JSON." }];
const paris = { city: "Paris", temperatureC: 18.5, conditions: ["cloudy", "light rain"] };

describe("client.chatObject against an OpenAI-format upstream", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let client: SwitchboardClient;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({ models: [mockModel(upstream.baseUrl)] });
    client = createSwitchboardClient({ url: gateway.graphqlUrl });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("sends the zod schema as response_format json_schema and resolves the validated, typed object", async () => {
    upstream.enqueue({ type: "completion", content: JSON.stringify(paris) });
    const { object, completion } = await client.chatObject({
      model: "gpt-4o-mini",
      messages,
      schema: weather,
      schemaName: "weather",
    });
    expectTypeOf(object).toEqualTypeOf<{
      city: string;
      temperatureC: number;
      conditions: string[];
    }>();
    expect(object).toEqual(paris);
    expect(completion).toMatchObject({
      __typename: "ChatCompletion",
      provider: "openai",
      costUsd: "0.000006",
    });
    expect(upstream.requests.at(-1)!.body.response_format).toEqual({
      type: "json_schema",
      json_schema: {
        name: "weather",
        schema: {
          $schema: "https://json-schema.org/draft/2020-12/schema",
          type: "object",
          properties: {
            city: { type: "string" },
            temperatureC: { type: "number" },
            conditions: { type: "array", items: { type: "string" } },
          },
          required: ["city", "temperatureC", "conditions"],
          additionalProperties: false,
        },
      },
    });
  });

  it("rejects an answer that does not match the schema with INVALID_OUTPUT carrying the raw text and the issues", async () => {
    const text = JSON.stringify({ city: "Paris", temperatureC: "warm", conditions: [] });
    upstream.enqueue({ type: "completion", content: text });
    const error = await rejectionOf(
      client.chatObject({ model: "gpt-4o-mini", messages, schema: weather }),
      SwitchboardError,
    );
    expect(error.code).toBe("INVALID_OUTPUT");
    expect(error.text).toBe(text);
    expect(error.message).toContain("temperatureC");
    expect(error.issues?.map((issue) => issue.path)).toEqual([["temperatureC"]]);
  });

  it("rejects an answer that is not JSON with INVALID_OUTPUT carrying the raw text", async () => {
    upstream.enqueue({ type: "completion", content: "Sorry, I cannot answer in JSON." });
    const error = await rejectionOf(
      client.chatObject({ model: "gpt-4o-mini", messages, schema: weather }),
      SwitchboardError,
    );
    expect(error).toMatchObject({
      code: "INVALID_OUTPUT",
      text: "Sorry, I cannot answer in JSON.",
    });
    expect(error.message).toMatch(/not JSON/);
  });

  it("rejects the gateway's expected failures with their code", async () => {
    const error = await rejectionOf(
      client.chatObject({ model: "no-such-model", messages, schema: weather }),
      SwitchboardError,
    );
    expect(error.code).toBe("MODEL_NOT_FOUND");
  });
});

describe("client.chatObject against an Anthropic-format upstream (the schema becomes a forced tool)", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;
  let client: SwitchboardClient;
  const usage = { input: 40, output: 20 };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gateway = await startTestApp({
      models: [
        {
          name: "claude",
          provider: "anthropic",
          model: anthropicWire.model,
          apiKey: anthropicTestKey,
          apiBase: upstream.origin,
        },
      ],
    });
    client = createSwitchboardClient({ url: gateway.graphqlUrl });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("resolves the object the model returned through the forced json tool", async () => {
    upstream.enqueue(
      anthropicWire.toolCall({
        id: "toolu_01",
        name: "json",
        argumentPieces: [JSON.stringify(paris)],
        usage,
        stream: false,
      }),
    );
    const { object, completion } = await client.chatObject({
      model: "claude",
      messages,
      schema: weather,
    });
    expect(object).toEqual(paris);
    expect(completion.choices[0]).toMatchObject({ finishReason: "STOP" });
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.tool_choice).toEqual({ type: "tool", name: "json" });
    expect(sent.tools).toEqual([
      expect.objectContaining({
        name: "json",
        input_schema: expect.objectContaining({ required: ["city", "temperatureC", "conditions"] }),
      }),
    ]);
  });

  it("rejects a tool input that does not match the schema with INVALID_OUTPUT", async () => {
    const text = JSON.stringify({ city: "Paris", temperatureC: 18, conditions: "cloudy" });
    upstream.enqueue(
      anthropicWire.toolCall({
        id: "toolu_02",
        name: "json",
        argumentPieces: [text],
        usage,
        stream: false,
      }),
    );
    const error = await rejectionOf(
      client.chatObject({ model: "claude", messages, schema: weather }),
      SwitchboardError,
    );
    expect(error).toMatchObject({ code: "INVALID_OUTPUT", text });
    expect(error.issues?.map((issue) => issue.path)).toEqual([["conditions"]]);
  });

  it("rejects a plain-text answer (no tool call) with INVALID_OUTPUT", async () => {
    upstream.enqueue(anthropicWire.text({ pieces: ["I would rather not."], usage, stream: false }));
    const error = await rejectionOf(
      client.chatObject({ model: "claude", messages, schema: weather }),
      SwitchboardError,
    );
    expect(error).toMatchObject({ code: "INVALID_OUTPUT", text: "I would rather not." });
  });
});
