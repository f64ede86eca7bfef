import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createAnthropicAdapter } from "../../server/gateway/providers/anthropic/anthropic-adapter.ts";
import { createProviderAdapter } from "../../server/gateway/providers/registry.ts";
import type { ChatRequest, ProviderAdapter } from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedUpstream,
  sseReply,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle, textOf } from "./contract-helpers.ts";
import {
  anthropicAnswer,
  anthropicTestKey,
  anthropicWire,
  readAnthropicFixture,
  readAnthropicFixtureText,
} from "./wires/anthropic-wire.ts";

runChatContract(anthropicWire);

describe("anthropic specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  let adapter: ProviderAdapter;
  const hello: ChatRequest = {
    model: "claude-sonnet-4-5-20250929",
    messages: [{ role: "user", content: "Say hello" }],
  };
  const usage = { input_tokens: 10, output_tokens: 5 };
  const sseFixture = (name: string) => ({
    status: 200,
    headers: { "content-type": "text/event-stream" },
    frames: [readAnthropicFixtureText(name)],
  });
  const okText = () =>
    anthropicAnswer({
      blocks: [{ type: "text", pieces: ["ok"] }],
      usage,
      stopReason: "end_turn",
      stream: false,
    });
  /** The body sent upstream for `request` (answered with a plain text reply). */
  const sentBodyFor = async (request: ChatRequest) => {
    upstream.enqueue(okText());
    await adapter.chat(request, idle());
    return upstream.requests.at(-1)!.body;
  };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = createAnthropicAdapter({
      apiKey: anthropicTestKey,
      apiBase: upstream.origin,
      dispatcher,
    });
  });
  afterAll(async () => {
    await dispatcher?.close();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  describe("URL and headers", () => {
    it("POSTs to {apiBase}/v1/messages with x-api-key, anthropic-version and JSON", async () => {
      await sentBodyFor(hello);
      const [sent] = upstream.requests;
      expect(sent.path).toBe("/v1/messages");
      expect(sent.headers).toMatchObject({
        "x-api-key": anthropicTestKey,
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        accept: "application/json",
      });
      expect(sent.headers.authorization).toBeUndefined();
    });

    it("an apiBase ending in /v1 is not doubled; apiVersion and extra headers are sent", async () => {
      const custom = createAnthropicAdapter({
        apiKey: "sk-ant-other-key-123",
        apiBase: `${upstream.origin}/v1/`,
        apiVersion: "2024-01-01",
        headers: { "anthropic-beta": "output-128k-2025-02-19" },
        dispatcher,
      });
      upstream.enqueue(okText());
      await custom.chat(hello, idle());
      expect(upstream.requests[0].path).toBe("/v1/messages");
      expect(upstream.requests[0].headers).toMatchObject({
        "x-api-key": "sk-ant-other-key-123",
        "anthropic-version": "2024-01-01",
        "anthropic-beta": "output-128k-2025-02-19",
      });
    });

    it("the registry builds it from the config's provider settings", async () => {
      const fromConfig = createProviderAdapter(
        {
          provider: "anthropic",
          apiKey: anthropicTestKey,
          apiBase: upstream.origin,
          apiVersion: "2023-06-01",
        },
        { dispatcher },
      );
      expect(fromConfig.provider).toBe("anthropic");
      upstream.enqueue(okText());
      expect((await fromConfig.chat(hello, idle())).choices[0].message.content).toBe("ok");
      expect(upstream.requests[0].headers["x-api-key"]).toBe(anthropicTestKey);
    });
  });

  describe("the request sent upstream", () => {
    it("translates the rich request: system, image, tool_use / tool_result, tools, forced JSON tool, sampling", async () => {
      expect(await sentBodyFor(richRequest)).toMatchInlineSnapshot(`
        {
          "max_tokens": 200,
          "messages": [
            {
              "content": [
                {
                  "text": "What is the weather where this photo was taken?",
                  "type": "text",
                },
                {
                  "source": {
                    "data": "iVBORw0KGgo=",
                    "media_type": "image/png",
                    "type": "base64",
                  },
                  "type": "image",
                },
              ],
              "role": "user",
            },
            {
              "content": [
                {
                  "id": "call_1",
                  "input": {
                    "city": "Paris",
                  },
                  "name": "get_weather",
                  "type": "tool_use",
                },
              ],
              "role": "assistant",
            },
            {
              "content": [
                {
                  "content": "sunny, 21°C",
                  "tool_use_id": "call_1",
                  "type": "tool_result",
                },
              ],
              "role": "user",
            },
          ],
          "metadata": {
            "user_id": "user-1",
          },
          "model": "gpt-4o-mini",
          "stop_sequences": [
            "END",
          ],
          "system": "Answer in JSON.",
          "temperature": 0.2,
          "tool_choice": {
            "disable_parallel_tool_use": true,
            "type": "any",
          },
          "tools": [
            {
              "description": "Current weather for a city",
              "input_schema": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "required": [
                  "city",
                ],
                "type": "object",
              },
              "name": "get_weather",
            },
            {
              "description": "Respond with JSON that matches the schema.",
              "input_schema": {
                "properties": {
                  "summary": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
              "name": "json",
            },
          ],
          "top_p": 0.9,
        }
      `);
    });

    it("streams ask for stream: true and a text/event-stream answer", async () => {
      upstream.enqueue(sseFixture("stream.sse"));
      await drain(adapter.chatStream(hello, idle()));
      expect(upstream.requests[0].body).toEqual({
        model: hello.model,
        messages: [{ role: "user", content: "Say hello" }],
        max_tokens: 4096,
        stream: true,
      });
      expect(upstream.requests[0].headers.accept).toBe("text/event-stream");
    });

    it("max_tokens: max_completion_tokens, else max_tokens, else the default (4096, or the configured one)", async () => {
      expect(
        (await sentBodyFor({ ...hello, max_completion_tokens: 50, max_tokens: 70 })).max_tokens,
      ).toBe(50);
      expect((await sentBodyFor({ ...hello, max_tokens: 70 })).max_tokens).toBe(70);
      expect((await sentBodyFor(hello)).max_tokens).toBe(4096);
      const custom = createAnthropicAdapter({
        apiKey: anthropicTestKey,
        apiBase: upstream.origin,
        defaultMaxTokens: 1000,
        dispatcher,
      });
      upstream.enqueue(okText());
      await custom.chat(hello, idle());
      expect(upstream.requests.at(-1)!.body.max_tokens).toBe(1000);
    });

    it("hoists every system/developer message into system blocks and merges same-role turns", async () => {
      const body = await sentBodyFor({
        ...hello,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather in Oslo and Paris?" },
          {
            role: "assistant",
            content: "Checking.",
            tool_calls: [
              {
                id: "toolu_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
              },
              {
                id: "toolu_2",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
            ],
          },
          { role: "tool", tool_call_id: "toolu_1", content: "snow" },
          { role: "tool", tool_call_id: "toolu_2", content: [{ type: "text", text: "rain" }] },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
          { role: "user", content: "Summarise.", name: "ada" },
        ],
        stop: "END",
        user: "user-42",
      });
      expect(body.system).toEqual([
        { type: "text", text: "Be brief." },
        { type: "text", text: "Answer in French." },
      ]);
      expect(body.messages).toEqual([
        { role: "user", content: "Weather in Oslo and Paris?" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Oslo" } },
            { type: "tool_use", id: "toolu_2", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "snow" },
            {
              type: "tool_result",
              tool_use_id: "toolu_2",
              content: [{ type: "text", text: "rain" }],
            },
            { type: "text", text: "Summarise." },
          ],
        },
      ]);
      expect(body.stop_sequences).toEqual(["END"]);
      expect(body.metadata).toEqual({ user_id: "user-42" });
    });

    it("images: data: URLs as base64 sources, https URLs as url sources", async () => {
      const body = await sentBodyFor({
        ...hello,
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRg==" } },
              {
                type: "image_url",
                image_url: {
                  url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg",
                  detail: "high",
                },
              },
              { type: "text", text: "Compare these." },
            ],
          },
        ],
      });
      expect(body.messages[0].content).toEqual([
        {
          type: "image",
          source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQSkZJRg==" },
        },
        {
          type: "image",
          source: {
            type: "url",
            url: "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg",
          },
        },
        { type: "text", text: "Compare these." },
      ]);
    });

    it.each([
      ["auto", { type: "auto" }],
      ["required", { type: "any" }],
      ["none", { type: "none" }],
      [
        { type: "function", function: { name: "get_weather" } },
        { type: "tool", name: "get_weather" },
      ],
    ])("tool_choice %j becomes %j", async (toolChoice, expected) => {
      const tools = [
        {
          type: "function",
          function: {
            name: "get_weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
          },
        },
      ];
      const body = await sentBodyFor({ ...hello, tools, tool_choice: toolChoice });
      expect(body.tool_choice).toEqual(expected);
      expect(body.tools).toEqual([
        {
          name: "get_weather",
          input_schema: { type: "object", properties: { city: { type: "string" } } },
        },
      ]);
    });

    it("parallel_tool_calls: false disables parallel tool use; no tools, no tool_choice", async () => {
      const tools = [{ type: "function", function: { name: "get_time" } }];
      const body = await sentBodyFor({ ...hello, tools, parallel_tool_calls: false });
      expect(body.tool_choice).toEqual({ type: "auto", disable_parallel_tool_use: true });
      expect(body.tools).toEqual([
        { name: "get_time", input_schema: { type: "object", properties: {} } },
      ]);
      const withoutTools = await sentBodyFor({
        ...hello,
        tool_choice: "auto",
        parallel_tool_calls: false,
      });
      expect(withoutTools.tools).toBeUndefined();
      expect(withoutTools.tool_choice).toBeUndefined();
    });

    it("drops seed, logit_bias, presence/frequency penalties and the gateway's metadata; passes top_k and thinking", async () => {
      const body = await sentBodyFor({
        ...hello,
        seed: 1,
        logit_bias: { "1": 2 },
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        metadata: { team: "x" },
        top_k: 40,
        thinking: { type: "enabled", budget_tokens: 2048 },
        n: 1,
        logprobs: false,
      });
      expect(body).toEqual({
        model: hello.model,
        messages: hello.messages,
        max_tokens: 4096,
        top_k: 40,
        thinking: { type: "enabled", budget_tokens: 2048 },
      });
    });
  });

  describe("rejected parameters (nothing is sent)", () => {
    const image = (url: string): ChatRequest => ({
      ...hello,
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
    });
    const cases: Array<[string, ChatRequest, string, RegExp]> = [
      ["n > 1", { ...hello, n: 2 }, "n", /anthropic does not support n > 1/],
      ["logprobs", { ...hello, logprobs: true }, "logprobs", /anthropic does not support logprobs/],
      [
        "top_logprobs",
        { ...hello, top_logprobs: 3 },
        "top_logprobs",
        /anthropic does not support top_logprobs/,
      ],
      [
        "audio",
        { ...hello, audio: { voice: "alloy", format: "mp3" } },
        "audio",
        /anthropic does not support audio output/,
      ],
      [
        "modalities",
        { ...hello, modalities: ["text", "audio"] },
        "modalities",
        /anthropic does not support modalities other than text/,
      ],
      [
        "web_search_options",
        { ...hello, web_search_options: {} },
        "web_search_options",
        /anthropic does not support web_search_options/,
      ],
      ["functions", { ...hello, functions: [{ name: "f" }] }, "functions", /legacy functions/],
      [
        "a non-function tool",
        { ...hello, tools: [{ type: "custom", custom: { name: "x" } }] },
        "tools",
        /only function tools/,
      ],
      [
        "an unknown tool_choice",
        {
          ...hello,
          tools: [{ type: "function", function: { name: "f" } }],
          tool_choice: { type: "allowed_tools" },
        },
        "tool_choice",
        /does not support tool_choice/,
      ],
      [
        "an image type it cannot read",
        image("data:image/bmp;base64,Qk0="),
        "messages",
        /does not support images of type image\/bmp/,
      ],
      [
        "an image that is neither data: nor http(s)",
        image("ftp://example.com/cat.png"),
        "messages",
        /base64 data: URLs or http\(s\) URLs/,
      ],
      [
        "an audio part",
        {
          ...hello,
          messages: [
            {
              role: "user",
              content: [{ type: "input_audio", input_audio: { data: "AAA", format: "wav" } }],
            },
          ],
        },
        "messages",
        /content parts of type "input_audio"/,
      ],
      [
        "tool-call arguments that are not JSON",
        {
          ...hello,
          messages: [
            {
              role: "assistant",
              tool_calls: [
                { id: "c", type: "function", function: { name: "f", arguments: "{oops" } },
              ],
            },
          ],
        },
        "messages",
        /not JSON/,
      ],
      [
        "a caller tool named json with response_format",
        {
          ...hello,
          tools: [{ type: "function", function: { name: "json" } }],
          response_format: { type: "json_object" },
        },
        "tools",
        /tool named "json"/,
      ],
      [
        "thinking with response_format",
        {
          ...hello,
          thinking: { type: "enabled", budget_tokens: 1024 },
          response_format: { type: "json_object" },
        },
        "response_format",
        /response_format together with thinking/,
      ],
    ];

    it.each(cases)("%s", async (_title, request, param, message) => {
      const error = await failureOf(adapter.chat(request, idle()));
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).not.toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ code: "BAD_REQUEST", status: 400, param });
      expect(error.message).toMatch(message);
      expect((await drain(adapter.chatStream(request, idle()))).error).toMatchObject({
        code: "BAD_REQUEST",
        param,
      });
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe("answers", () => {
    it("the documented text answer: msg_ id, model, usage", async () => {
      upstream.enqueue(jsonReply(200, readAnthropicFixture("message.json")));
      const response = await adapter.chat(hello, idle());
      expect(response).toEqual({
        id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        object: "chat.completion",
        created: response.created,
        model: "claude-sonnet-4-5-20250929",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "Hi! My name is Claude." },
            finish_reason: "stop",
          },
        ],
        usage: {
          prompt_tokens: 2095,
          completion_tokens: 503,
          total_tokens: 2598,
          prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        },
      });
    });

    it("the documented tool-use answer: text as content, tool_use as tool_calls", async () => {
      upstream.enqueue(jsonReply(200, readAnthropicFixture("message-tool-use.json")));
      const [choice] = (await adapter.chat(hello, idle())).choices;
      expect(choice).toEqual({
        index: 0,
        message: {
          role: "assistant",
          content: "I'll check the current weather in San Francisco for you.",
          tool_calls: [
            {
              id: "toolu_01A09q90qw90lq917835lq9",
              type: "function",
              function: {
                name: "get_weather",
                arguments: '{"location":"San Francisco, CA","unit":"celsius"}',
              },
            },
          ],
        },
        finish_reason: "tool_calls",
      });
    });

    it("thinking becomes reasoning_content, never content (JSON and stream)", async () => {
      upstream.enqueue(jsonReply(200, readAnthropicFixture("message-thinking.json")));
      expect((await adapter.chat(hello, idle())).choices[0].message).toEqual({
        role: "assistant",
        content: "Yes, there are infinitely many prime numbers such that n mod 4 = 3.",
        reasoning_content:
          "To approach this, let's think about what we know about prime numbers...",
      });
      upstream.enqueue(sseFixture("stream-thinking.sse"));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(
        "Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3",
      );
      expect(textOf(chunks)).toBe("27 * 453 = 12,231");
    });

    it("the documented stream, chunk for chunk", async () => {
      upstream.enqueue(sseFixture("stream.sse"));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      const base = {
        id: "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
        object: "chat.completion.chunk",
        created: chunks[0].created,
        model: "claude-sonnet-4-5-20250929",
      };
      const choice = (delta: object, finish_reason: string | null = null) => ({
        ...base,
        choices: [{ index: 0, delta, finish_reason }],
      });
      expect(chunks).toEqual([
        choice({ role: "assistant", content: "" }),
        choice({ content: "Hello" }),
        choice({ content: "!" }),
        choice({}, "stop"),
        {
          ...base,
          choices: [],
          usage: {
            prompt_tokens: 25,
            completion_tokens: 15,
            total_tokens: 40,
            prompt_tokens_details: { cached_tokens: 0 },
          },
        },
      ]);
    });

    it("the documented tool-use stream: text, then a tool-call header and its argument pieces", async () => {
      upstream.enqueue(sseFixture("stream-tool-use.sse"));
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      expect(textOf(chunks)).toBe("Okay, let's check the weather for San Francisco, CA:");
      const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
      expect(deltas[0]).toEqual({
        index: 0,
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        type: "function",
        function: { name: "get_weather", arguments: "" },
      });
      expect(
        deltas
          .slice(1)
          .map((delta) => delta.function?.arguments)
          .join(""),
      ).toBe('{"location": "San Francisco, CA", "unit": "fahrenheit"}');
      expect(deltas.slice(1).every((delta) => delta.index === 0 && delta.id === undefined)).toBe(
        true,
      );
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("tool_calls");
      expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 472, completion_tokens: 89 });
    });

    it("two tool calls in one answer are indexed 0 and 1", async () => {
      const blocks = [
        {
          type: "tool_use" as const,
          id: "toolu_a",
          name: "get_weather",
          argumentPieces: ['{"city":"Oslo"}'],
        },
        {
          type: "tool_use" as const,
          id: "toolu_b",
          name: "get_time",
          argumentPieces: ['{"zone":', '"CET"}'],
        },
      ];
      upstream.enqueue(anthropicAnswer({ blocks, usage, stopReason: "tool_use", stream: true }));
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      const headers = chunks
        .flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])
        .filter((delta) => delta.id);
      expect(headers.map((delta) => [delta.index, delta.id])).toEqual([
        [0, "toolu_a"],
        [1, "toolu_b"],
      ]);
    });

    it("event types it does not know are skipped, as Anthropic's versioning policy asks", async () => {
      const answer = anthropicAnswer({
        blocks: [{ type: "text", pieces: ["Hi"] }],
        usage,
        stopReason: "end_turn",
        stream: true,
      });
      const unknown = `event: content_block_annotation\ndata: {"type":"content_block_annotation","index":0}\n\n`;
      upstream.enqueue({
        ...answer,
        frames: [answer.frames![0], unknown, ...answer.frames!.slice(1)],
      });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(textOf(chunks)).toBe("Hi");
    });

    it("cache reads and writes are added back into prompt_tokens", async () => {
      upstream.enqueue(
        jsonReply(200, {
          ...readAnthropicFixture("message.json"),
          usage: {
            input_tokens: 50,
            cache_creation_input_tokens: 248,
            cache_read_input_tokens: 100_000,
            output_tokens: 503,
          },
        }),
      );
      expect((await adapter.chat(hello, idle())).usage).toEqual({
        prompt_tokens: 100_298,
        completion_tokens: 503,
        total_tokens: 100_801,
        prompt_tokens_details: { cached_tokens: 100_000, cache_write_tokens: 248 },
      });
    });
  });

  describe("structured output (response_format → a forced tool)", () => {
    const schema = {
      type: "object",
      properties: { city: { type: "string" }, temperature: { type: "number" } },
      required: ["city"],
    };
    const request: ChatRequest = {
      ...hello,
      response_format: { type: "json_schema", json_schema: { name: "weather", schema } },
    };
    const jsonBlock = {
      type: "tool_use" as const,
      id: "toolu_json",
      name: "json",
      argumentPieces: ['{"city": "Oslo"', ', "temperature": -3}'],
    };

    it("sends the schema as a tool named json and forces it", async () => {
      const body = await sentBodyFor(request);
      expect(body.tools).toEqual([
        {
          name: "json",
          description: "Respond with JSON that matches the schema.",
          input_schema: schema,
        },
      ]);
      expect(body.tool_choice).toEqual({ type: "tool", name: "json" });
      const anyObject = await sentBodyFor({ ...hello, response_format: { type: "json_object" } });
      expect(anyObject.tools).toEqual([
        {
          name: "json",
          description: "Respond with a JSON object.",
          input_schema: { type: "object" },
        },
      ]);
    });

    it("answers with the tool's input as content and finish reason stop (JSON)", async () => {
      upstream.enqueue(
        anthropicAnswer({ blocks: [jsonBlock], usage, stopReason: "tool_use", stream: false }),
      );
      const [choice] = (await adapter.chat(request, idle())).choices;
      expect(choice.finish_reason).toBe("stop");
      expect(choice.message.tool_calls).toBeUndefined();
      expect(JSON.parse(choice.message.content!)).toEqual({ city: "Oslo", temperature: -3 });
    });

    it("streams the tool's input as content deltas, finish reason stop", async () => {
      upstream.enqueue(
        anthropicAnswer({ blocks: [jsonBlock], usage, stopReason: "tool_use", stream: true }),
      );
      const { chunks, error } = await drain(adapter.chatStream(request, idle()));
      expect(error).toBeUndefined();
      expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
      expect(JSON.parse(textOf(chunks))).toEqual({ city: "Oslo", temperature: -3 });
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
    });

    it("with caller tools the model must answer with one of them or the JSON tool; their calls stay tool_calls", async () => {
      const tools = [
        { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
      ];
      const body = await sentBodyFor({ ...request, tools });
      expect(body.tools.map((tool: { name: string }) => tool.name)).toEqual([
        "get_weather",
        "json",
      ]);
      expect(body.tool_choice).toEqual({ type: "any" });
      upstream.enqueue(
        anthropicAnswer({
          blocks: [
            {
              type: "tool_use",
              id: "toolu_w",
              name: "get_weather",
              argumentPieces: ['{"city":"Oslo"}'],
            },
          ],
          usage,
          stopReason: "tool_use",
          stream: false,
        }),
      );
      const [choice] = (await adapter.chat({ ...request, tools }, idle())).choices;
      expect(choice).toMatchObject({
        finish_reason: "tool_calls",
        message: {
          content: null,
          tool_calls: [{ id: "toolu_w", function: { name: "get_weather" } }],
        },
      });
      const forced = await sentBodyFor({ ...request, tools, tool_choice: "required" });
      expect(forced.tools.map((tool: { name: string }) => tool.name)).toEqual(["get_weather"]);
      expect(forced.tool_choice).toEqual({ type: "any" });
    });
  });

  describe("errors", () => {
    it("an overloaded_error inside the stream is a 529: retryable, typed, after the text already yielded", async () => {
      upstream.enqueue(anthropicWire.midStreamError!(["Hel", "lo"]));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(textOf(chunks)).toBe("Hello");
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        provider: "anthropic",
        kind: "http",
        upstreamStatus: 529,
        upstreamCode: "overloaded_error",
        isRetryable: true,
        status: 502,
      });
      expect(error.message).toBe("anthropic reported an error (overloaded_error): Overloaded");
    });

    it.each([
      ["rate_limit_error", 429, true],
      ["api_error", 500, true],
      ["invalid_request_error", 400, false],
      ["something_new_error", 500, true],
    ])("a mid-stream %s counts as HTTP %i", async (type, upstreamStatus, isRetryable) => {
      upstream.enqueue(
        sseReply([{ event: "error", data: { type: "error", error: { type, message: "failed" } } }]),
      );
      expect((await drain(adapter.chatStream(hello, idle()))).error).toMatchObject({
        upstreamStatus,
        upstreamCode: type,
        isRetryable,
      });
    });

    it("529 is retryable; the message quotes Anthropic's and carries its error type", async () => {
      upstream.enqueue(anthropicWire.error("overloaded"));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({
        upstreamStatus: 529,
        upstreamCode: "overloaded_error",
        isRetryable: true,
        status: 502,
        message: "anthropic answered HTTP 529: Overloaded",
      });
    });

    it("429 carries retry-after and rate_limit_error", async () => {
      upstream.enqueue(anthropicWire.error("rate-limit", { retryAfterSeconds: 7 }));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "rate_limit_error",
        retryAfterMs: 7000,
        status: 429,
      });
    });

    it("'prompt is too long' is a context-length error; other 400s are not", async () => {
      upstream.enqueue(anthropicWire.error("context-length"));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({
        upstreamStatus: 400,
        upstreamCode: "invalid_request_error",
        isContextLengthExceeded: true,
        isRetryable: false,
      });
      expect(error.message).toBe(
        "anthropic answered HTTP 400: prompt is too long: 208310 tokens > 200000 maximum",
      );
      upstream.enqueue(anthropicWire.error("bad-request"));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        isContextLengthExceeded: false,
        upstreamCode: "invalid_request_error",
      });
    });

    it("Cloudflare's non-JSON 413 keeps its text; the API key is never echoed", async () => {
      upstream.enqueue({
        status: 413,
        headers: { "content-type": "text/html" },
        frames: [`<html>413 Request Entity Too Large for key ${anthropicTestKey}</html>`],
      });
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({ upstreamStatus: 413, isRetryable: false, status: 413 });
      expect(error.message).toContain("413 Request Entity Too Large");
      expect(error.message).not.toContain(anthropicTestKey);
    });

    it("an error body on 200 is that error; a stream that ends before message_stop was cut off (kind connection)", async () => {
      upstream.enqueue(jsonReply(200, readAnthropicFixture("error-overloaded.json")));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        kind: "http",
        upstreamStatus: 529,
        upstreamCode: "overloaded_error",
      });
      const answer = anthropicAnswer({
        blocks: [{ type: "text", pieces: ["Hi"] }],
        usage,
        stopReason: "end_turn",
        stream: true,
      });
      upstream.enqueue({ ...answer, frames: answer.frames!.slice(0, -2) });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(textOf(chunks)).toBe("Hi");
      expect(error).toMatchObject({ kind: "connection", isRetryable: true });
      expect(error.message).toContain("ended before message_stop");
    });
  });
});
