import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicAnswer, anthropicTestKey } from "../contract/wires/anthropic-wire.ts";
import { openAIAnswer, openAIUsage } from "../contract/wires/openai-wire.ts";
import { eventSequence, parseFramedEvents, scriptedEvents } from "../support/anthropic-events.ts";
import {
  sseReply,
  startScriptedUpstream,
  type ScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * POST /v1/messages and /v1/messages/count_tokens driven by Anthropic's own SDK, against a
 * Claude deployment (the body and the events relayed as they are) and an OpenAI-format one
 * (converted both ways).
 */

const masterKey = "sk-master-test-key";
const usage = {
  input_tokens: 20,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 5,
  output_tokens: 9,
};
const weatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("POST /v1/messages with Anthropic's SDK", () => {
  let claude: ScriptedUpstream;
  let openai: ScriptedUpstream;
  let gateway: TestApp;
  let client: Anthropic;

  beforeAll(async () => {
    claude = await startScriptedUpstream();
    openai = await startScriptedUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      router: { retries: 0 },
      // What Claude Code sends, mapped to the configured group.
      modelAliases: { "claude-sonnet-4-5-20250929": "claude-sonnet" },
      models: [
        {
          name: "claude-sonnet",
          provider: "anthropic",
          model: "claude-sonnet-4-5-20250929",
          apiKey: anthropicTestKey,
          apiBase: claude.origin,
          pricing: { inputPerMillion: 3, outputPerMillion: 15 },
        },
        {
          name: "gpt-4o-mini",
          provider: "openai",
          apiKey: "sk-upstream-openai",
          apiBase: `${openai.origin}/v1`,
          pricing: { inputPerMillion: 1, outputPerMillion: 2 },
        },
      ],
    });
    client = new Anthropic({ apiKey: masterKey, baseURL: gateway.url, maxRetries: 0 });
  });
  beforeEach(() => {
    claude.requests.length = 0;
    openai.requests.length = 0;
  });
  afterAll(async () => {
    await gateway?.stop();
    await claude?.stop();
    await openai?.stop();
  });

  describe("against a Claude deployment (relayed)", () => {
    it("messages.create returns Anthropic's body as it came, and logs the request", async () => {
      const reply = anthropicAnswer({
        blocks: [{ type: "text", pieces: ["Hello ", "there."] }],
        usage,
        stopReason: "end_turn",
        stream: false,
      });
      claude.enqueue(reply);
      const { data: message, response } = await client.messages
        .create({
          model: "claude-sonnet",
          max_tokens: 100,
          messages: [{ role: "user", content: "Hi" }],
        })
        .withResponse();
      expect(message).toEqual(JSON.parse(String(reply.frames![0])));
      expect(response.headers.get("x-switchboard-provider")).toBe("anthropic");
      const sent = claude.requests[0];
      expect(sent.path).toBe("/v1/messages");
      expect(sent.headers["x-api-key"]).toBe(anthropicTestKey);
      expect(sent.headers["anthropic-version"]).toBe("2023-06-01");
      expect(sent.body).toEqual({
        model: "claude-sonnet-4-5-20250929",
        max_tokens: 100,
        messages: [{ role: "user", content: "Hi" }],
      });
      // (20 + 5 cache reads) input at $3/M (no cached price given) + 9 output at $15/M.
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        source: "anthropic-messages",
        stream: false,
        promptTokens: 25,
        completionTokens: 9,
      });
    });

    it("a model id Claude Code sends reaches the group its alias names", async () => {
      claude.enqueue(
        anthropicAnswer({
          blocks: [{ type: "text", pieces: ["ok"] }],
          usage,
          stopReason: "end_turn",
          stream: false,
        }),
      );
      await client.messages.create({
        model: "claude-sonnet-4-5-20250929",
        max_tokens: 10,
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(claude.requests[0].body.model).toBe("claude-sonnet-4-5-20250929");
      expect(await gateway.latestLog()).toMatchObject({
        requestedModel: "claude-sonnet-4-5-20250929",
        source: "anthropic-messages",
        status: "SUCCESS",
      });
    });

    it("messages.stream relays every event of Claude's stream, in order", async () => {
      const reply = anthropicAnswer({
        blocks: [
          { type: "thinking", pieces: ["Let me ", "think."] },
          { type: "text", pieces: ["Answer: ", "42"] },
        ],
        usage,
        stopReason: "end_turn",
        stream: true,
      });
      claude.enqueue(reply);
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-api-key": masterKey,
          "anthropic-version": "2023-06-01",
        },
        body: JSON.stringify({
          model: "claude-sonnet",
          max_tokens: 2000,
          stream: true,
          thinking: { type: "enabled", budget_tokens: 1024 },
          messages: [{ role: "user", content: "What is 6 * 7?" }],
        }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      expect(parseFramedEvents(await response.text())).toEqual(scriptedEvents(reply.frames!));
      expect(claude.requests[0].body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        source: "anthropic-messages",
        stream: true,
        promptTokens: 25,
        completionTokens: 9,
      });

      // The SDK reads the same stream into a message with its thinking (and signature) intact.
      claude.enqueue(reply);
      const final = await client.messages
        .stream({
          model: "claude-sonnet",
          max_tokens: 2000,
          thinking: { type: "enabled", budget_tokens: 1024 },
          messages: [{ role: "user", content: "What is 6 * 7?" }],
        })
        .finalMessage();
      expect(final.content).toEqual([
        {
          type: "thinking",
          thinking: "Let me think.",
          signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxB",
        },
        { type: "text", text: "Answer: 42" },
      ]);
      expect(final.usage).toMatchObject({
        input_tokens: 20,
        cache_read_input_tokens: 5,
        output_tokens: 9,
      });
    });

    it("a tool-use round trip: tool_use comes back, tool_result goes up as it was sent", async () => {
      claude.enqueue(
        anthropicAnswer({
          blocks: [
            {
              type: "tool_use",
              id: "toolu_01A",
              name: "get_weather",
              argumentPieces: ['{"city":', '"Paris"}'],
            },
          ],
          usage,
          stopReason: "tool_use",
          stream: true,
        }),
      );
      const first = await client.messages
        .stream({
          model: "claude-sonnet",
          max_tokens: 500,
          tools: [weatherTool],
          messages: [{ role: "user", content: "Weather in Paris?" }],
        })
        .finalMessage();
      expect(first.stop_reason).toBe("tool_use");
      expect(first.content).toEqual([
        { type: "tool_use", id: "toolu_01A", name: "get_weather", input: { city: "Paris" } },
      ]);
      claude.enqueue(
        anthropicAnswer({
          blocks: [{ type: "text", pieces: ["Sunny."] }],
          usage,
          stopReason: "end_turn",
          stream: false,
        }),
      );
      const messages: Anthropic.MessageParam[] = [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: first.content },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_01A", content: "18°C, sunny" }],
        },
      ];
      const second = await client.messages.create({
        model: "claude-sonnet",
        max_tokens: 500,
        tools: [weatherTool],
        messages,
      });
      expect(second.content).toEqual([{ type: "text", text: "Sunny." }]);
      expect(claude.requests[1].body.messages).toEqual(messages);
      expect(claude.requests[1].body.tools).toEqual([weatherTool]);
    });

    it("countTokens asks Anthropic's count_tokens and logs nothing", async () => {
      const before = await gateway.latestLog();
      claude.enqueue({
        status: 200,
        headers: { "content-type": "application/json" },
        frames: ['{"input_tokens":14}'],
      });
      const counted = await client.messages.countTokens({
        model: "claude-sonnet",
        messages: [{ role: "user", content: "Hello, Claude" }],
      });
      expect(counted).toEqual({ input_tokens: 14 });
      expect(claude.requests[0].path).toBe("/v1/messages/count_tokens");
      expect(claude.requests[0].body).toEqual({
        model: "claude-sonnet-4-5-20250929",
        messages: [{ role: "user", content: "Hello, Claude" }],
      });
      expect(await gateway.latestLog()).toEqual(before);
    });

    it("Claude's own error comes back in Anthropic's shape with its status", async () => {
      claude.enqueue({
        status: 400,
        headers: { "content-type": "application/json" },
        frames: [
          JSON.stringify({
            type: "error",
            error: { type: "invalid_request_error", message: "max_tokens: too large" },
          }),
        ],
      });
      const failure = await client.messages
        .create({
          model: "claude-sonnet",
          max_tokens: 100,
          messages: [{ role: "user", content: "Hi" }],
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: "error",
        error: {
          type: "invalid_request_error",
          message: expect.stringContaining("max_tokens: too large"),
        },
      });
    });
  });

  describe("against an OpenAI-format deployment (converted)", () => {
    const openAIText = (pieces: string[], stream: boolean) =>
      openAIAnswer({
        model: "gpt-4o-mini-2024-07-18",
        content: pieces,
        finishReason: "stop",
        usage: openAIUsage({ input: 30, output: 6, cached: 10 }),
        stream,
      });

    it("messages.create converts the request and the answer", async () => {
      openai.enqueue(openAIText(["Hello from GPT."], false));
      const message = await client.messages.create({
        model: "gpt-4o-mini",
        max_tokens: 100,
        system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
        stop_sequences: ["END"],
        temperature: 0.5,
        metadata: { user_id: "user-7" },
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(message).toEqual({
        id: "msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        type: "message",
        role: "assistant",
        model: "gpt-4o-mini",
        content: [{ type: "text", text: "Hello from GPT." }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: {
          input_tokens: 20,
          output_tokens: 6,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 10,
        },
      });
      expect(openai.requests[0].body).toEqual({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
        ],
        max_tokens: 100,
        temperature: 0.5,
        stop: ["END"],
        user: "user-7",
      });
      expect(await gateway.latestLog()).toMatchObject({
        source: "anthropic-messages",
        promptTokens: 30,
      });
    });

    it("messages.stream sends Anthropic's event sequence, event by event", async () => {
      openai.enqueue(openAIText(["Hel", "lo."], true));
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          max_tokens: 100,
          stream: true,
          messages: [{ role: "user", content: "Hi" }],
        }),
      });
      const events = parseFramedEvents(await response.text());
      expect(eventSequence(events)).toEqual([
        "message_start",
        "ping",
        "content_block_start:0:text",
        "content_block_delta:0:text_delta",
        "content_block_delta:0:text_delta",
        "content_block_stop:0",
        "message_delta:end_turn",
        "message_stop",
      ]);
      expect(events.at(-2)!.data.usage).toEqual({
        input_tokens: 20,
        output_tokens: 6,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 10,
      });
      expect(openai.requests[0].body.stream).toBe(true);
      expect(await gateway.latestLog()).toMatchObject({
        source: "anthropic-messages",
        stream: true,
        completionTokens: 6,
      });
    });

    it("a stream whose provider reports no usage ends with the gateway's estimate", async () => {
      const reply = openAIText(["Hello ", "world."], true);
      // Drop the usage chunk (the one with empty choices) before [DONE].
      openai.enqueue({
        ...reply,
        frames: reply.frames!.filter((frame) => !String(frame).includes('"choices":[]')),
      });
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": masterKey },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          max_tokens: 100,
          stream: true,
          messages: [{ role: "user", content: "Say hello to the world" }],
        }),
      });
      const usageSent = parseFramedEvents(await response.text()).at(-2)!.data.usage;
      expect(usageSent.input_tokens).toBeGreaterThan(0);
      expect(usageSent.output_tokens).toBeGreaterThan(0);
      const logged = await gateway.latestLog();
      expect(usageSent.input_tokens).toBe(logged.promptTokens);
      expect(usageSent.output_tokens).toBe(logged.completionTokens);
    });

    it("a tool-use round trip through the SDK's stream helper", async () => {
      openai.enqueue(
        openAIAnswer({
          model: "gpt-4o-mini",
          content: null,
          toolCall: {
            id: "call_abc",
            name: "get_weather",
            argumentPieces: ['{"city"', ':"Paris"}'],
          },
          finishReason: "tool_calls",
          usage: openAIUsage({ input: 30, output: 6 }),
          stream: true,
        }),
      );
      const stream = client.messages.stream({
        model: "gpt-4o-mini",
        max_tokens: 500,
        tools: [weatherTool],
        tool_choice: { type: "any" },
        messages: [{ role: "user", content: "Weather in Paris?" }],
      });
      const first = await stream.finalMessage();
      expect(first.stop_reason).toBe("tool_use");
      expect(first.content).toEqual([
        { type: "tool_use", id: "call_abc", name: "get_weather", input: { city: "Paris" } },
      ]);
      expect(openai.requests[0].body.tools).toEqual([
        {
          type: "function",
          function: {
            name: "get_weather",
            description: weatherTool.description,
            parameters: weatherTool.input_schema,
          },
        },
      ]);
      expect(openai.requests[0].body.tool_choice).toBe("required");

      openai.enqueue(openAIText(["It is sunny."], false));
      const second = await client.messages.create({
        model: "gpt-4o-mini",
        max_tokens: 500,
        tools: [weatherTool],
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: first.content },
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "call_abc", content: "18°C" }],
          },
        ],
      });
      expect(second.content).toEqual([{ type: "text", text: "It is sunny." }]);
      expect(openai.requests[1].body.messages).toEqual([
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_abc",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Paris"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_abc", content: "18°C" },
      ]);
    });

    it("reasoning streams as a thinking block before the text block", async () => {
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
        data: {
          id: "chatcmpl-r1",
          object: "chat.completion.chunk",
          created: 1,
          model: "gpt-4o-mini",
          choices: [{ index: 0, delta, finish_reason: finish }],
        },
      });
      openai.enqueue(
        sseReply([
          chunk({ role: "assistant", content: "" }),
          chunk({ reasoning_content: "Think" }),
          chunk({ reasoning_content: "ing." }),
          chunk({ content: "Done." }),
          chunk({}, "stop"),
          {
            data: {
              id: "chatcmpl-r1",
              object: "chat.completion.chunk",
              created: 1,
              model: "m",
              choices: [],
              usage: openAIUsage({ input: 8, output: 4 }),
            },
          },
          { data: "[DONE]" },
        ]),
      );
      const stream = client.messages.stream({
        model: "gpt-4o-mini",
        max_tokens: 2000,
        thinking: { type: "enabled", budget_tokens: 4000 },
        messages: [{ role: "user", content: "Think first" }],
      });
      const final = await stream.finalMessage();
      expect(final.content).toEqual([
        { type: "thinking", thinking: "Thinking.", signature: "" },
        { type: "text", text: "Done." },
      ]);
      expect(openai.requests[0].body.reasoning_effort).toBe("medium");
      expect(openai.requests[0].body.thinking).toBeUndefined();
    });

    it("countTokens estimates with the gateway's tokenizer", async () => {
      const counted = await client.messages.countTokens({
        model: "gpt-4o-mini",
        system: "You are terse.",
        messages: [{ role: "user", content: "Hello there, how are you today?" }],
      });
      expect(counted.input_tokens).toBeGreaterThan(5);
      expect(counted.input_tokens).toBeLessThan(40);
      expect(openai.requests).toHaveLength(0);
    });
  });

  describe("errors and models in Anthropic's shape", () => {
    it("an unknown model is Anthropic's not_found_error 404", async () => {
      const failure = await client.messages
        .create({
          model: "claude-nope",
          max_tokens: 10,
          messages: [{ role: "user", content: "Hi" }],
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
      expect((failure as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: "error",
        error: { type: "not_found_error" },
      });
    });

    it("a bad key is authentication_error 401, from x-api-key or a bearer token", async () => {
      const wrong = new Anthropic({ apiKey: "sk-wrong", baseURL: gateway.url, maxRetries: 0 });
      const failure = await wrong.messages
        .create({
          model: "claude-sonnet",
          max_tokens: 10,
          messages: [{ role: "user", content: "Hi" }],
        })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(Anthropic.AuthenticationError);
      const bearer = new Anthropic({
        authToken: masterKey,
        apiKey: null,
        baseURL: gateway.url,
        maxRetries: 0,
      });
      const counted = await bearer.messages.countTokens({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Hi" }],
      });
      expect(counted.input_tokens).toBeGreaterThan(0);
    });

    it("an unknown path under /v1/messages is Anthropic's not_found_error", async () => {
      const response = await fetch(`${gateway.url}/v1/messages/batches`, {
        headers: { "x-api-key": masterKey },
      });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        type: "error",
        error: { type: "not_found_error" },
      });
    });

    it("a missing max_tokens is invalid_request_error 400 naming the field", async () => {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": masterKey },
        body: JSON.stringify({
          model: "claude-sonnet",
          messages: [{ role: "user", content: "Hi" }],
        }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        type: "error",
        error: { type: "invalid_request_error", message: "max_tokens: Field required" },
        request_id: expect.stringMatching(/^req_/),
      });
    });

    it("lists and retrieves models in Anthropic's shape when anthropic-version is sent", async () => {
      const page = await client.models.list();
      expect(page.data.map((model) => model.id)).toEqual([
        "claude-sonnet",
        "gpt-4o-mini",
        "claude-sonnet-4-5-20250929",
      ]);
      expect(page.data[0]).toEqual({
        type: "model",
        id: "claude-sonnet",
        display_name: "claude-sonnet",
        created_at: expect.any(String),
      });
      const raw = await (
        await fetch(`${gateway.url}/v1/models?limit=1`, {
          headers: { "x-api-key": masterKey, "anthropic-version": "2023-06-01" },
        })
      ).json();
      expect(raw).toMatchObject({
        has_more: true,
        first_id: "claude-sonnet",
        last_id: "claude-sonnet",
      });
      expect(await client.models.retrieve("gpt-4o-mini")).toMatchObject({
        type: "model",
        id: "gpt-4o-mini",
      });
      await expect(client.models.retrieve("nope")).rejects.toBeInstanceOf(Anthropic.NotFoundError);
      // Without the header, OpenAI's shape.
      const openAIShape = await (
        await fetch(`${gateway.url}/v1/models`, {
          headers: { authorization: `Bearer ${masterKey}` },
        })
      ).json();
      expect(openAIShape.object).toBe("list");
    });
  });
});
