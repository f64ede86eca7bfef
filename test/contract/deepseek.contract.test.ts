import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createProviderAdapter } from "../../server/gateway/providers/registry.ts";
import type { ChatMessage, ChatRequest, ProviderAdapter } from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedReply,
  type ScriptedUpstream,
  sseReply,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle, textOf } from "./contract-helpers.ts";
import {
  deepSeekAnswer,
  deepSeekUsage,
  deepSeekWire,
  readDeepSeekFixture,
  readDeepSeekFixtureText,
} from "./wires/deepseek-wire.ts";

runChatContract(deepSeekWire);

describe("deepseek specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  let adapter: ProviderAdapter;
  const hello: ChatRequest = {
    model: "deepseek-chat",
    messages: [{ role: "user", content: "Say hello" }],
  };
  const shortAnswer = (stream = false) =>
    deepSeekWire.text({ pieces: ["Hi"], usage: { input: 3, output: 1 }, stream });
  const rawStream = (text: string): ScriptedReply => ({
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8" },
    frames: [text],
  });
  const payloads = (text: string) =>
    [...text.matchAll(/^data: (\{.*\})$/gm)].map((match) => JSON.parse(match[1]));

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = deepSeekWire.createAdapter(upstream, { dispatcher });
  });
  afterAll(async () => {
    await dispatcher?.close();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it("sends the rich request in DeepSeek's terms: developer as system, max_tokens, json_schema as the forced json tool, OpenAI-only fields dropped", async () => {
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...richRequest, model: "deepseek-chat" }, idle());
    expect(upstream.requests[0].body).toMatchInlineSnapshot(`
      {
        "max_tokens": 200,
        "messages": [
          {
            "content": "Answer in JSON.",
            "role": "system",
          },
          {
            "content": [
              {
                "text": "What is the weather where this photo was taken?",
                "type": "text",
              },
              {
                "image_url": {
                  "detail": "low",
                  "url": "data:image/png;base64,iVBORw0KGgo=",
                },
                "type": "image_url",
              },
            ],
            "role": "user",
          },
          {
            "content": null,
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"city":"Paris"}",
                  "name": "get_weather",
                },
                "id": "call_1",
                "type": "function",
              },
            ],
          },
          {
            "content": "sunny, 21°C",
            "role": "tool",
            "tool_call_id": "call_1",
          },
        ],
        "model": "deepseek-chat",
        "stop": [
          "END",
        ],
        "temperature": 0.2,
        "tool_choice": "required",
        "tools": [
          {
            "function": {
              "description": "Current weather for a city",
              "name": "get_weather",
              "parameters": {
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
            },
            "type": "function",
          },
          {
            "function": {
              "description": "Respond with JSON that matches the schema.",
              "name": "json",
              "parameters": {
                "properties": {
                  "summary": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
        "top_p": 0.9,
      }
    `);
  });

  it("keeps strict on function tools only on DeepSeek's beta endpoint", async () => {
    const strictTool = {
      type: "function",
      function: { name: "get_weather", parameters: { type: "object" }, strict: true },
    };
    const beta = deepSeekWire.createAdapter({ origin: `${upstream.origin}/beta` }, { dispatcher });
    upstream.enqueue(shortAnswer());
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...hello, tools: [strictTool] }, idle());
    await beta.chat({ ...hello, tools: [strictTool] }, idle());
    expect(
      upstream.requests.map((sent) => [sent.path, sent.body.tools[0].function.strict]),
    ).toEqual([
      ["/chat/completions", undefined],
      ["/beta/chat/completions", true],
    ]);
  });

  it("is built from a model entry by the registry", async () => {
    const fromEntry = createProviderAdapter(
      {
        provider: "deepseek",
        apiKey: "sk-from-config-0123456789",
        apiBase: `${upstream.origin}/v1`,
      },
      { dispatcher },
    );
    upstream.enqueue(shortAnswer());
    await fromEntry.chat(hello, idle());
    expect(fromEntry.provider).toBe("deepseek");
    expect([upstream.requests[0].path, upstream.requests[0].headers.authorization]).toEqual([
      "/v1/chat/completions",
      "Bearer sk-from-config-0123456789",
    ]);
  });

  it("serves no embeddings", () => {
    expect(adapter.embed).toBeUndefined();
  });

  describe("rejected parameters (nothing is sent)", () => {
    const cases: Array<[string, Partial<ChatRequest>, string, RegExp]> = [
      ["n > 1", { n: 2 }, "n", /deepseek does not support n > 1/],
      [
        "audio output",
        { audio: { voice: "alloy", format: "wav" } },
        "audio",
        /deepseek does not support audio output/,
      ],
      [
        "audio modality",
        { modalities: ["text", "audio"] },
        "modalities",
        /deepseek does not support audio output/,
      ],
      [
        "web search",
        { web_search_options: {} },
        "web_search_options",
        /deepseek does not support web_search_options/,
      ],
      [
        "a tool named json beside json_schema",
        {
          tools: [{ type: "function", function: { name: "json", parameters: { type: "object" } } }],
          response_format: {
            type: "json_schema",
            json_schema: { name: "x", schema: { type: "object" } },
          },
        },
        "tools",
        /tool named "json"/,
      ],
      [
        "an unknown response_format",
        { response_format: { type: "yaml" } },
        "response_format",
        /response_format.type must be text, json_object or json_schema/,
      ],
    ];
    it.each(cases)("%s", async (_title, fields, param, message) => {
      const request = { ...hello, ...fields } as ChatRequest;
      for (const error of [
        await failureOf(adapter.chat(request, idle())),
        (await drain(adapter.chatStream(request, idle()))).error,
      ]) {
        expect(error).toBeInstanceOf(GatewayError);
        expect(error).toMatchObject({ code: "BAD_REQUEST", status: 400, param });
        expect(error.message).toMatch(message);
      }
      expect(upstream.requests).toHaveLength(0);
    });
  });

  it("max_completion_tokens wins over max_tokens and is sent as max_tokens", async () => {
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...hello, max_tokens: 10, max_completion_tokens: 99 }, idle());
    expect(upstream.requests[0].body).toMatchObject({ max_tokens: 99 });
    expect(upstream.requests[0].body.max_completion_tokens).toBeUndefined();
  });

  it("keeps reasoning_content only in user turns that called tools (thinking mode needs it back there)", async () => {
    const toolCall = {
      id: "call_00_a",
      type: "function" as const,
      function: { name: "weather", arguments: '{"city":"Oslo"}' },
    };
    const messages: ChatMessage[] = [
      { role: "user", content: "9.11 or 9.8?" },
      { role: "assistant", content: "9.8", reasoning_content: "Compare decimals." },
      { role: "user", content: "Weather in Oslo?" },
      {
        role: "assistant",
        content: null,
        reasoning_content: "I should call the tool.",
        tool_calls: [toolCall],
      },
      { role: "tool", tool_call_id: "call_00_a", content: "sunny" },
      { role: "assistant", content: "Sunny.", reasoning_content: "The tool says sunny." },
      { role: "user", content: "Thanks" },
    ];
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...hello, model: "deepseek-reasoner", messages }, idle());
    expect(upstream.requests[0].body.messages).toEqual([
      messages[0],
      { role: "assistant", content: "9.8" },
      ...messages.slice(2),
    ]);
  });

  it("passes reasoning_content on answers through, and keeps DeepSeek's usage beside OpenAI's", async () => {
    const fixture = readDeepSeekFixture("chat-completion-reasoning.json");
    upstream.enqueue(jsonReply(200, fixture));
    expect(await adapter.chat(hello, idle())).toEqual(fixture);
  });

  it("reports prompt_cache_hit_tokens as prompt_tokens_details.cached_tokens, keeping DeepSeek's own fields", async () => {
    upstream.enqueue(jsonReply(200, readDeepSeekFixture("chat-completion.json")));
    expect((await adapter.chat(hello, idle())).usage).toEqual({
      completion_tokens: 10,
      prompt_tokens: 1616,
      prompt_cache_hit_tokens: 1536,
      prompt_cache_miss_tokens: 80,
      total_tokens: 1626,
      completion_tokens_details: { reasoning_tokens: 0 },
      prompt_tokens_details: { cached_tokens: 1536 },
    });
  });

  it("splits DeepSeek's closing chunk (last text + finish_reason + usage) into text, finish and usage chunks", async () => {
    const text = readDeepSeekFixtureText("stream.sse");
    upstream.enqueue(rawStream(text));
    const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
    expect(error).toBeUndefined();
    const [role, hello1, closing] = payloads(text);
    const { usage, ...closingWithoutUsage } = closing;
    expect(closing.choices[0]).toMatchObject({ delta: { content: "!" }, finish_reason: "length" });
    expect(chunks).toEqual([
      role,
      hello1,
      {
        ...closingWithoutUsage,
        choices: [{ ...closing.choices[0], finish_reason: null }],
        usage: null,
      },
      {
        ...closingWithoutUsage,
        choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "length" }],
        usage: null,
      },
      { ...closingWithoutUsage, choices: [], usage },
    ]);
  });

  it("streams reasoning_content deltas and a tool call from thinking mode, in the gateway's chunk order", async () => {
    upstream.enqueue(rawStream(readDeepSeekFixtureText("stream-tool-call.sse")));
    const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
    expect(error).toBeUndefined();
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(
      "The user asks about the weather. I should use the weather tool.",
    );
    const calls = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({
      index: 0,
      id: "call_00_IhCAliIHtM9gKpgfqbBV9873",
      function: { name: "weather" },
    });
    expect(JSON.parse(calls.map((call) => call.function?.arguments ?? "").join(""))).toEqual({
      location: "San Francisco",
    });
    expect(chunks.at(-2)!.choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" },
    ]);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 374,
        completion_tokens: 61,
        prompt_tokens_details: { cached_tokens: 256 },
        completion_tokens_details: { reasoning_tokens: 17 },
      },
    });
  });

  it("reads answers DeepSeek pads with keep-alive blank lines (JSON) and keep-alive comments (stream)", async () => {
    const answer = shortAnswer(false);
    upstream.enqueue({ ...answer, frames: ["\n", "\n\n", ...answer.frames!] });
    expect((await adapter.chat(hello, idle())).choices[0].message.content).toBe("Hi");
    const streamed = shortAnswer(true);
    upstream.enqueue({
      ...streamed,
      frames: [": keep-alive\n\n", ": keep-alive\n\n", ...streamed.frames!],
    });
    expect(textOf((await drain(adapter.chatStream(hello, idle()))).chunks)).toBe("Hi");
  });

  describe("structured output (json_schema as the forced json tool)", () => {
    const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
    const responseFormat = {
      type: "json_schema",
      json_schema: { name: "city", description: "The city asked about.", schema },
    };
    const jsonCall = (stream: boolean) =>
      deepSeekWire.toolCall({
        id: "call_00_json",
        name: "json",
        argumentPieces: ['{"city":', ' "Oslo"}'],
        usage: { input: 30, output: 8 },
        stream,
      });

    it("forces the json tool and returns its arguments as the content with finish_reason stop", async () => {
      upstream.enqueue(jsonCall(false));
      const response = await adapter.chat({ ...hello, response_format: responseFormat }, idle());
      const sent = upstream.requests[0].body;
      expect(sent.response_format).toBeUndefined();
      expect(sent.tools).toEqual([
        {
          type: "function",
          function: { name: "json", description: "The city asked about.", parameters: schema },
        },
      ]);
      expect(sent.tool_choice).toEqual({ type: "function", function: { name: "json" } });
      expect(response.choices[0]).toMatchObject({
        message: { role: "assistant", content: '{"city": "Oslo"}' },
        finish_reason: "stop",
      });
      expect(response.choices[0].message.tool_calls).toBeUndefined();
    });

    it("streams the json tool's argument deltas as content deltas, finishing with stop", async () => {
      upstream.enqueue(jsonCall(true));
      const { chunks, error } = await drain(
        adapter.chatStream({ ...hello, response_format: responseFormat }, idle()),
      );
      expect(error).toBeUndefined();
      expect(JSON.parse(textOf(chunks))).toEqual({ city: "Oslo" });
      expect(chunks.some((chunk) => chunk.choices[0]?.delta.tool_calls)).toBe(false);
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 30, completion_tokens: 8 },
      });
    });

    it("with the caller's own tools the model must call one of them or json; a call of the caller's tool stays a tool call", async () => {
      const weatherTool = {
        type: "function",
        function: { name: "get_weather", parameters: { type: "object" } },
      };
      upstream.enqueue(
        deepSeekWire.toolCall({
          id: "call_00_w",
          name: "get_weather",
          argumentPieces: ['{"city":"Oslo"}'],
          usage: { input: 30, output: 8 },
          stream: false,
        }),
      );
      const response = await adapter.chat(
        { ...hello, tools: [weatherTool], tool_choice: "auto", response_format: responseFormat },
        idle(),
      );
      expect(upstream.requests[0].body).toMatchObject({
        tool_choice: "required",
        tools: [weatherTool, { function: { name: "json" } }],
      });
      expect(response.choices[0]).toMatchObject({
        finish_reason: "tool_calls",
        message: { tool_calls: [{ id: "call_00_w", function: { name: "get_weather" } }] },
      });
    });

    it("json_object is DeepSeek's own JSON Output and passes through", async () => {
      upstream.enqueue(
        deepSeekWire.text({
          pieces: ['{"ok": true}'],
          usage: { input: 5, output: 4 },
          stream: false,
        }),
      );
      const response = await adapter.chat(
        { ...hello, response_format: { type: "json_object" } },
        idle(),
      );
      expect(upstream.requests[0].body.response_format).toEqual({ type: "json_object" });
      expect(upstream.requests[0].body.tools).toBeUndefined();
      expect(response.choices[0].message.content).toBe('{"ok": true}');
    });
  });

  describe("DeepSeek's error codes", () => {
    it("402 Insufficient Balance is not retried and keeps its status (a billing problem, not the credentials)", async () => {
      upstream.enqueue(jsonReply(402, readDeepSeekFixture("error-402.json")));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        kind: "http",
        upstreamStatus: 402,
        status: 402,
        isRetryable: false,
        isContextLengthExceeded: false,
      });
      expect(error.message).toBe("deepseek answered HTTP 402: Insufficient Balance");
    });

    it("422 Invalid Parameters is not retried; 503 Server Overloaded is", async () => {
      upstream.enqueue(
        jsonReply(422, {
          error: {
            message: "Invalid max_tokens value, the valid range of max_tokens is [1, 8192]",
            type: "invalid_request_error",
            param: null,
            code: "invalid_request_error",
          },
        }),
      );
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        upstreamStatus: 422,
        status: 422,
        isRetryable: false,
      });
      upstream.enqueue(deepSeekWire.error("overloaded"));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        upstreamStatus: 503,
        status: 502,
        isRetryable: true,
      });
    });
  });

  it("passes image parts through for DeepSeek's vision models", async () => {
    const content = [
      { type: "text", text: "What is this?" },
      { type: "image_url", image_url: { url: "https://example.com/chart.png" } },
    ];
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...hello, messages: [{ role: "user", content }] }, idle());
    expect(upstream.requests[0].body.messages).toEqual([{ role: "user", content }]);
  });

  it("keeps a text chunk and a finish chunk apart when DeepSeek sends them together without usage", async () => {
    const closing = deepSeekAnswer({
      content: ["Hello", " there"],
      finishReason: "stop",
      usage: deepSeekUsage({ input: 2, output: 2 }),
      stream: true,
    });
    upstream.enqueue(
      sseReply(
        closing
          .frames!.slice(0, -1)
          .map((frame) => ({ data: JSON.parse(String(frame).slice(6)) }))
          .map(({ data }) => ({ data: { ...data, usage: null } })),
      ),
    );
    const { chunks } = await drain(adapter.chatStream(hello, idle()));
    expect(textOf(chunks)).toBe("Hello there");
    expect(chunks.at(-1)!.choices).toEqual([
      { index: 0, delta: {}, logprobs: null, finish_reason: "stop" },
    ]);
    expect(chunks.at(-2)!.choices[0]).toMatchObject({
      delta: { content: " there" },
      finish_reason: null,
    });
  });
});
