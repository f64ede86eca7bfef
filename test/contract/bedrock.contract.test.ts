import { MockAgent, type Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createBedrockAdapter } from "../../server/gateway/providers/bedrock/bedrock-adapter.ts";
import { createProviderAdapter } from "../../server/gateway/providers/registry.ts";
import type { ChatRequest, ProviderAdapter } from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle, textOf } from "./contract-helpers.ts";
import {
  bedrockAnswer,
  bedrockError,
  bedrockEventStream,
  bedrockExceptionFrame,
  bedrockTestCredentials,
  bedrockTestModel,
  bedrockWire,
  readBedrockFixture,
} from "./wires/bedrock-wire.ts";

runChatContract(bedrockWire);

describe("bedrock specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  let adapter: ProviderAdapter;
  const hello: ChatRequest = {
    model: bedrockTestModel,
    messages: [{ role: "user", content: "Say hello" }],
  };
  const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };
  const okText = () =>
    bedrockAnswer({
      blocks: [{ type: "text", pieces: ["ok"] }],
      usage,
      stopReason: "end_turn",
      stream: false,
    });
  const fixtureStream = (name: string) => bedrockEventStream(readBedrockFixture(name).events);
  /** The body sent upstream for `request` (answered with a plain text reply). */
  const sentBodyFor = async (request: ChatRequest) => {
    upstream.enqueue(okText());
    await adapter.chat(request, idle());
    return upstream.requests.at(-1)!.body;
  };

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = createBedrockAdapter({
      ...bedrockTestCredentials,
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

  describe("URL, signature and settings", () => {
    it("POSTs to /model/{url-encoded model id}/converse with a SigV4 signature over the exact body", async () => {
      const fixedClock = createBedrockAdapter({
        ...bedrockTestCredentials,
        apiBase: `${upstream.origin}/`,
        dispatcher,
        now: () => new Date("2025-01-02T03:04:05Z"),
      });
      upstream.enqueue(okText());
      upstream.enqueue(okText());
      await fixedClock.chat(hello, idle());
      await fixedClock.chat(hello, idle());
      const [first, second] = upstream.requests;
      expect(first.path).toBe("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse");
      expect(first.headers["x-amz-date"]).toBe("20250102T030405Z");
      expect(first.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE0TEST1234\/20250102\/us-west-2\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
      );
      const signedHeaders = /SignedHeaders=([a-z0-9;-]+)/
        .exec(first.headers.authorization!)![1]
        .split(";");
      expect(signedHeaders).toEqual(
        expect.arrayContaining([
          "accept",
          "content-type",
          "host",
          "x-amz-content-sha256",
          "x-amz-date",
          "x-amz-security-token",
        ]),
      );
      expect(first.headers.host).toBe(new URL(upstream.origin).host);
      // Same request, same clock: the same signature (it covers method, path, headers and body only).
      expect(second.headers.authorization).toBe(first.headers.authorization);
      expect(first.rawBody).toBe(JSON.stringify(first.body));
      bedrockWire.expectChatRequest(first, { stream: false });
    });

    it("without a session token sends no x-amz-security-token", async () => {
      const { sessionToken: _sessionToken, ...longTerm } = bedrockTestCredentials;
      const permanent = createBedrockAdapter({ ...longTerm, apiBase: upstream.origin, dispatcher });
      upstream.enqueue(okText());
      await permanent.chat(hello, idle());
      expect(upstream.requests[0].headers["x-amz-security-token"]).toBeUndefined();
      expect(upstream.requests[0].headers.authorization).not.toContain("x-amz-security-token");
    });

    it("defaults to https://bedrock-runtime.{region}.amazonaws.com", async () => {
      const mockAgent = new MockAgent();
      mockAgent.disableNetConnect();
      const recorded: Array<{ path: string; headers: Record<string, string> }> = [];
      mockAgent
        .get("https://bedrock-runtime.eu-central-1.amazonaws.com")
        .intercept({ path: "/model/amazon.nova-lite-v1%3A0/converse", method: "POST" })
        .reply(
          200,
          (options) => {
            recorded.push({
              path: options.path,
              headers: options.headers as Record<string, string>,
            });
            return readBedrockFixture("converse.json");
          },
          { headers: { "content-type": "application/json" } },
        );
      try {
        const regional = createBedrockAdapter({
          ...bedrockTestCredentials,
          region: "eu-central-1",
          dispatcher: mockAgent,
        });
        const response = await regional.chat({ ...hello, model: "amazon.nova-lite-v1:0" }, idle());
        expect(response.choices[0].message.content).toBe("Hello! How can I help you today?");
        expect(recorded[0].headers.authorization).toContain("/eu-central-1/bedrock/aws4_request");
      } finally {
        await mockAgent.close();
      }
    });

    it("the registry builds it from the config's provider settings", async () => {
      const fromConfig = createProviderAdapter(
        { provider: "bedrock", apiBase: upstream.origin, ...bedrockTestCredentials },
        { dispatcher },
      );
      expect(fromConfig.provider).toBe("bedrock");
      upstream.enqueue(okText());
      expect((await fromConfig.chat(hello, idle())).choices[0].message.content).toBe("ok");
      expect(upstream.requests[0].headers.authorization).toContain(
        "Credential=AKIDEXAMPLE0TEST1234/",
      );
    });

    it("missing region or credentials are startup errors that say what to set", () => {
      const { region: _region, ...noRegion } = bedrockTestCredentials;
      expect(() =>
        createProviderAdapter({ provider: "bedrock", ...noRegion }, { dispatcher }),
      ).toThrow(/needs a region: set region on the model entry, or AWS_REGION/);
      expect(() =>
        createProviderAdapter(
          { provider: "bedrock", region: "us-east-1", accessKeyId: "AKIDEXAMPLE" },
          { dispatcher },
        ),
      ).toThrow(
        /needs AWS credentials: set accessKeyId and secretAccessKey on the model entry, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
    });
  });

  describe("the request sent upstream", () => {
    it("translates the rich request: system, image bytes, toolUse / toolResult, tools, forced json tool, inferenceConfig", async () => {
      expect(await sentBodyFor({ ...richRequest, model: bedrockTestModel })).toMatchInlineSnapshot(`
        {
          "inferenceConfig": {
            "maxTokens": 200,
            "stopSequences": [
              "END",
            ],
            "temperature": 0.2,
            "topP": 0.9,
          },
          "messages": [
            {
              "content": [
                {
                  "text": "What is the weather where this photo was taken?",
                },
                {
                  "image": {
                    "format": "png",
                    "source": {
                      "bytes": "iVBORw0KGgo=",
                    },
                  },
                },
              ],
              "role": "user",
            },
            {
              "content": [
                {
                  "toolUse": {
                    "input": {
                      "city": "Paris",
                    },
                    "name": "get_weather",
                    "toolUseId": "call_1",
                  },
                },
              ],
              "role": "assistant",
            },
            {
              "content": [
                {
                  "toolResult": {
                    "content": [
                      {
                        "text": "sunny, 21°C",
                      },
                    ],
                    "toolUseId": "call_1",
                  },
                },
              ],
              "role": "user",
            },
          ],
          "system": [
            {
              "text": "Answer in JSON.",
            },
          ],
          "toolConfig": {
            "toolChoice": {
              "any": {},
            },
            "tools": [
              {
                "toolSpec": {
                  "description": "Current weather for a city",
                  "inputSchema": {
                    "json": {
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
                  "name": "get_weather",
                },
              },
              {
                "toolSpec": {
                  "description": "Respond with JSON that matches the schema.",
                  "inputSchema": {
                    "json": {
                      "properties": {
                        "summary": {
                          "type": "string",
                        },
                      },
                      "type": "object",
                    },
                  },
                  "name": "json",
                },
              },
            ],
          },
        }
      `);
    });

    it("streams POST to /converse-stream and accept the AWS event stream", async () => {
      upstream.enqueue(fixtureStream("converse-stream.json"));
      await drain(adapter.chatStream(hello, idle()));
      const [sent] = upstream.requests;
      expect(sent.body).toEqual({ messages: [{ role: "user", content: [{ text: "Say hello" }] }] });
      bedrockWire.expectChatRequest(sent, { stream: true });
    });

    it("hoists every system/developer message into system, merges same-role turns, tool results into user turns", async () => {
      const body = await sentBodyFor({
        ...hello,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather in Oslo and Paris?", name: "ada" },
          {
            role: "assistant",
            content: "Checking.",
            tool_calls: [
              {
                id: "tooluse_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
              },
              {
                id: "tooluse_2",
                type: "function",
                function: { name: "get_weather", arguments: "" },
              },
            ],
          },
          { role: "tool", tool_call_id: "tooluse_1", content: "snow" },
          { role: "tool", tool_call_id: "tooluse_2", content: [{ type: "text", text: "rain" }] },
          { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
          { role: "user", content: "Summarise." },
          { role: "assistant", content: "Voici " },
        ],
        tools: [
          {
            type: "function",
            function: {
              name: "get_weather",
              parameters: { type: "object", properties: { city: { type: "string" } } },
            },
          },
        ],
        stop: "END",
        max_tokens: 70,
      });
      expect(body.system).toEqual([{ text: "Be brief." }, { text: "Answer in French." }]);
      expect(body.messages).toEqual([
        { role: "user", content: [{ text: "Weather in Oslo and Paris?" }] },
        {
          role: "assistant",
          content: [
            { text: "Checking." },
            { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Oslo" } } },
            { toolUse: { toolUseId: "tooluse_2", name: "get_weather", input: {} } },
          ],
        },
        {
          role: "user",
          content: [
            { toolResult: { toolUseId: "tooluse_1", content: [{ text: "snow" }] } },
            { toolResult: { toolUseId: "tooluse_2", content: [{ text: "rain" }] } },
            { text: "Summarise." },
          ],
        },
        // A prefill may not end in whitespace on Bedrock.
        { role: "assistant", content: [{ text: "Voici" }] },
      ]);
      expect(body.inferenceConfig).toEqual({ maxTokens: 70, stopSequences: ["END"] });
      expect(body.toolConfig).toEqual({
        tools: [
          {
            toolSpec: {
              name: "get_weather",
              inputSchema: { json: { type: "object", properties: { city: { type: "string" } } } },
            },
          },
        ],
      });
    });

    it("images: base64 data: URLs become image blocks with their format; blank text parts are skipped", async () => {
      const body = await sentBodyFor({
        ...hello,
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRg==" } },
              {
                type: "image_url",
                image_url: { url: "data:image/webp;base64,UklGRg==", detail: "high" },
              },
              { type: "text", text: "" },
              { type: "text", text: "Compare these." },
            ],
          },
        ],
      });
      expect(body.messages[0].content).toEqual([
        { image: { format: "jpeg", source: { bytes: "/9j/4AAQSkZJRg==" } } },
        { image: { format: "webp", source: { bytes: "UklGRg==" } } },
        { text: "Compare these." },
      ]);
    });

    const tools = [
      {
        type: "function",
        function: { name: "get_weather", description: "  ", parameters: { type: "object" } },
      },
    ];
    it.each([
      ["auto", { auto: {} }],
      ["required", { any: {} }],
      [{ type: "function", function: { name: "get_weather" } }, { tool: { name: "get_weather" } }],
    ])("tool_choice %j becomes toolChoice %j", async (toolChoice, expected) => {
      const body = await sentBodyFor({ ...hello, tools, tool_choice: toolChoice });
      expect(body.toolConfig).toEqual({
        tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }],
        toolChoice: expected,
      });
    });

    it('tool_choice "none" sends no tools — unless the conversation holds tool calls, which Bedrock only takes with a toolConfig', async () => {
      expect(
        (await sentBodyFor({ ...hello, tools, tool_choice: "none" })).toolConfig,
      ).toBeUndefined();
      const withHistory = await sentBodyFor({
        ...hello,
        messages: [
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              { id: "t1", type: "function", function: { name: "get_weather", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "t1", content: "snow" },
        ],
        tools,
        tool_choice: "none",
      });
      expect(withHistory.toolConfig).toEqual({
        tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }],
      });
    });

    it("drops seed, user, logit_bias, penalties, parallel_tool_calls and the gateway's metadata; passes Bedrock's own fields", async () => {
      const body = await sentBodyFor({
        ...hello,
        seed: 1,
        user: "u",
        logit_bias: { "1": 2 },
        presence_penalty: 0.5,
        frequency_penalty: 0.5,
        parallel_tool_calls: false,
        reasoning_effort: "low",
        metadata: { team: "x" },
        n: 1,
        logprobs: false,
        temperature: 0,
        top_p: 1,
        additionalModelRequestFields: { top_k: 40 },
        guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" },
      });
      expect(body).toEqual({
        messages: [{ role: "user", content: [{ text: "Say hello" }] }],
        inferenceConfig: { temperature: 0, topP: 1 },
        additionalModelRequestFields: { top_k: 40 },
        guardrailConfig: { guardrailIdentifier: "gr-1", guardrailVersion: "1" },
      });
    });
  });

  describe("rejected parameters (nothing is sent)", () => {
    const image = (url: string): ChatRequest => ({
      ...hello,
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
    });
    const cases: Array<[string, ChatRequest, string, RegExp]> = [
      ["n > 1", { ...hello, n: 2 }, "n", /bedrock does not support n > 1/],
      ["logprobs", { ...hello, logprobs: true }, "logprobs", /bedrock does not support logprobs/],
      [
        "top_logprobs",
        { ...hello, top_logprobs: 3 },
        "top_logprobs",
        /bedrock does not support top_logprobs/,
      ],
      [
        "audio",
        { ...hello, audio: { voice: "alloy", format: "mp3" } },
        "audio",
        /bedrock does not support audio output/,
      ],
      [
        "modalities",
        { ...hello, modalities: ["text", "audio"] },
        "modalities",
        /bedrock does not support audio output/,
      ],
      [
        "web_search_options",
        { ...hello, web_search_options: {} },
        "web_search_options",
        /bedrock does not support web_search_options/,
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
        /tool_choice must be/,
      ],
      [
        "an http image URL",
        image("https://example.com/cat.png"),
        "messages[0].content",
        /bedrock does not support image URLs \(http\/https\); send the image inline as a base64 data: URL/,
      ],
      [
        "an image type it cannot read",
        image("data:image/bmp;base64,Qk0="),
        "messages[0].content",
        /bedrock does not support image\/bmp images/,
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
        "messages[0]",
        /"input_audio" is not supported by bedrock/,
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
        "messages[0]",
        /must be JSON/,
      ],
      [
        "a tool message without tool_call_id",
        { ...hello, messages: [{ role: "tool", content: "x" }] },
        "messages[0]",
        /needs tool_call_id/,
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
    it("the documented text answer: invented chatcmpl id, the request's model, usage", async () => {
      upstream.enqueue(jsonReply(200, readBedrockFixture("converse.json")));
      const response = await adapter.chat(hello, idle());
      expect(response.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(response).toEqual({
        id: response.id,
        object: "chat.completion",
        created: response.created,
        model: bedrockTestModel,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "Hello! How can I help you today?" },
            finish_reason: "stop",
          },
        ],
        usage: {
          prompt_tokens: 30,
          completion_tokens: 628,
          total_tokens: 658,
          prompt_tokens_details: { cached_tokens: 0 },
        },
      });
      expect(Math.abs(response.created - Date.now() / 1000)).toBeLessThan(5);
    });

    it("the documented tool-use answer: text as content, toolUse as tool_calls", async () => {
      upstream.enqueue(jsonReply(200, readBedrockFixture("converse-tool-use.json")));
      const [choice] = (await adapter.chat(hello, idle())).choices;
      expect(choice).toEqual({
        index: 0,
        message: {
          role: "assistant",
          content: "I'll look up the weather in Oslo.",
          tool_calls: [
            {
              id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
              type: "function",
              function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        finish_reason: "tool_calls",
      });
    });

    it("reasoningContent becomes reasoning_content; cache reads and writes are added back into prompt_tokens", async () => {
      upstream.enqueue(jsonReply(200, readBedrockFixture("converse-reasoning.json")));
      const response = await adapter.chat(hello, idle());
      expect(response.choices[0].message).toEqual({
        role: "assistant",
        content: "Hello!",
        reasoning_content: "The user wants a greeting. A short one will do.",
      });
      expect(response.usage).toEqual({
        prompt_tokens: 1512,
        completion_tokens: 41,
        total_tokens: 1553,
        prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 500 },
      });
      upstream.enqueue(
        bedrockAnswer({
          blocks: [
            { type: "reasoning", pieces: ["Think", "ing."] },
            { type: "text", pieces: ["Hi"] },
          ],
          usage,
          stopReason: "end_turn",
          stream: true,
        }),
      );
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(
        "Thinking.",
      );
      expect(textOf(chunks)).toBe("Hi");
    });

    it("the documented stream, chunk for chunk", async () => {
      upstream.enqueue(fixtureStream("converse-stream.json"));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      const base = {
        id: chunks[0].id,
        object: "chat.completion.chunk",
        created: chunks[0].created,
        model: bedrockTestModel,
      };
      const choice = (delta: object, finish_reason: string | null = null) => ({
        ...base,
        choices: [{ index: 0, delta, finish_reason }],
      });
      expect(chunks[0].id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(chunks).toEqual([
        choice({ role: "assistant", content: "" }),
        choice({ content: "Hello" }),
        choice({ content: "! How can I help?" }),
        choice({}, "stop"),
        {
          ...base,
          choices: [],
          usage: {
            prompt_tokens: 30,
            completion_tokens: 9,
            total_tokens: 39,
            prompt_tokens_details: { cached_tokens: 0 },
          },
        },
      ]);
    });

    it("the documented tool-use stream: a tool-call header, then its argument pieces", async () => {
      upstream.enqueue(fixtureStream("converse-stream-tool-use.json"));
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
      expect(deltas).toEqual([
        {
          index: 0,
          id: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
          type: "function",
          function: { name: "get_weather", arguments: "" },
        },
        { index: 0, function: { arguments: '{"city": ' } },
        { index: 0, function: { arguments: '"Oslo"}' } },
      ]);
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("tool_calls");
      expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 410, completion_tokens: 52 });
    });

    it("two tool calls after a text block are indexed 0 and 1", async () => {
      const blocks = [
        { type: "text" as const, pieces: ["Checking both."] },
        {
          type: "toolUse" as const,
          id: "tooluse_a",
          name: "get_weather",
          argumentPieces: ['{"city":"Oslo"}'],
        },
        {
          type: "toolUse" as const,
          id: "tooluse_b",
          name: "get_time",
          argumentPieces: ['{"zone":', '"CET"}'],
        },
      ];
      upstream.enqueue(bedrockAnswer({ blocks, usage, stopReason: "tool_use", stream: true }));
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
      expect(deltas.filter((delta) => delta.id).map((delta) => [delta.index, delta.id])).toEqual([
        [0, "tooluse_a"],
        [1, "tooluse_b"],
      ]);
      expect(
        deltas
          .filter((delta) => delta.index === 1 && !delta.id)
          .map((delta) => delta.function?.arguments)
          .join(""),
      ).toBe('{"zone":"CET"}');
    });

    it("metadata before messageStop still ends finish chunk then usage chunk; unknown event types are skipped", async () => {
      const { events } = readBedrockFixture("converse-stream.json");
      const [start, first, second, stop, messageStop, metadata] = events;
      upstream.enqueue(
        bedrockEventStream([
          start,
          { eventType: "somethingNew", payload: { x: 1 } },
          first,
          second,
          stop,
          metadata,
          messageStop,
        ]),
      );
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 30, completion_tokens: 9 },
      });
    });

    it("a stream without its metadata event still ends with an (estimated) usage chunk", async () => {
      const { events } = readBedrockFixture("converse-stream.json");
      upstream.enqueue(bedrockEventStream(events.slice(0, -1)));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks.at(-1)!.usage).toMatchObject({
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
      });
      expect(chunks.at(-1)!.usage!.prompt_tokens).toBeGreaterThan(0);
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
      type: "toolUse" as const,
      id: "tooluse_json",
      name: "json",
      argumentPieces: ['{"city": "Oslo"', ', "temperature": -3}'],
    };

    it("sends the schema as a tool named json and forces it (any tool when the caller's tools stay callable; none when the caller forces one)", async () => {
      const body = await sentBodyFor(request);
      expect(body.toolConfig).toEqual({
        tools: [
          {
            toolSpec: {
              name: "json",
              description: "Respond with JSON that matches the schema.",
              inputSchema: { json: schema },
            },
          },
        ],
        toolChoice: { tool: { name: "json" } },
      });
      const anyObject = await sentBodyFor({ ...hello, response_format: { type: "json_object" } });
      expect(anyObject.toolConfig.tools).toEqual([
        {
          toolSpec: {
            name: "json",
            description: "Respond with a JSON object.",
            inputSchema: { json: { type: "object" } },
          },
        },
      ]);
      const withTools = await sentBodyFor({
        ...request,
        tools: [{ type: "function", function: { name: "get_weather" } }],
      });
      expect(withTools.toolConfig.tools.map((tool: any) => tool.toolSpec.name)).toEqual([
        "get_weather",
        "json",
      ]);
      expect(withTools.toolConfig.toolChoice).toEqual({ any: {} });
      for (const toolChoice of [
        "required",
        { type: "function", function: { name: "get_weather" } },
      ]) {
        // The answer is a tool call either way: the caller's choice stands, no JSON tool.
        const forced = await sentBodyFor({
          ...request,
          tools: [{ type: "function", function: { name: "get_weather" } }],
          tool_choice: toolChoice,
        });
        expect(forced.toolConfig.tools.map((tool: any) => tool.toolSpec.name)).toEqual([
          "get_weather",
        ]);
        expect(forced.toolConfig.toolChoice).toEqual(
          toolChoice === "required" ? { any: {} } : { tool: { name: "get_weather" } },
        );
      }
      const toolsOff = await sentBodyFor({
        ...request,
        tools: [{ type: "function", function: { name: "get_weather" } }],
        tool_choice: "none",
      });
      expect(toolsOff.toolConfig).toEqual({
        tools: [expect.objectContaining({ toolSpec: expect.objectContaining({ name: "json" }) })],
        toolChoice: { tool: { name: "json" } },
      });
      expect(
        (await sentBodyFor({ ...hello, response_format: { type: "text" } })).toolConfig,
      ).toBeUndefined();
    });

    it("answers with the tool's input as content and finish reason stop (JSON and stream)", async () => {
      upstream.enqueue(
        bedrockAnswer({ blocks: [jsonBlock], usage, stopReason: "tool_use", stream: false }),
      );
      const [choice] = (await adapter.chat(request, idle())).choices;
      expect(choice.finish_reason).toBe("stop");
      expect(choice.message.tool_calls).toBeUndefined();
      expect(JSON.parse(choice.message.content!)).toEqual({ city: "Oslo", temperature: -3 });

      upstream.enqueue(
        bedrockAnswer({ blocks: [jsonBlock], usage, stopReason: "tool_use", stream: true }),
      );
      const { chunks, error } = await drain(adapter.chatStream(request, idle()));
      expect(error).toBeUndefined();
      expect(chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])).toEqual([]);
      expect(JSON.parse(textOf(chunks))).toEqual({ city: "Oslo", temperature: -3 });
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
    });

    it("a call named json is an ordinary tool call when no response_format asked for it", async () => {
      upstream.enqueue(
        bedrockAnswer({ blocks: [jsonBlock], usage, stopReason: "tool_use", stream: false }),
      );
      const [choice] = (await adapter.chat(hello, idle())).choices;
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.tool_calls![0].function.name).toBe("json");
    });
  });

  describe("errors", () => {
    const failChat = async (reply: ScriptedReply) => {
      upstream.enqueue(reply);
      return failureOf(adapter.chat(hello, idle()));
    };
    const failStream = async (reply: ScriptedReply) => {
      upstream.enqueue(reply);
      return drain(adapter.chatStream(hello, idle()));
    };

    it("the error type comes from x-amzn-errortype (before its ':'), the message from the body", async () => {
      const error = await failChat(bedrockError("rate-limit"));
      expect(error).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "ThrottlingException",
        isRetryable: true,
        retryAfterMs: undefined,
      });
      expect(error.message).toBe(
        "bedrock answered HTTP 429: Too many requests, please wait before trying again.",
      );
      expect(await failChat(bedrockError("overloaded"))).toMatchObject({
        upstreamStatus: 503,
        upstreamCode: "ServiceUnavailableException",
        isRetryable: true,
        status: 502,
      });
      expect(await failChat(bedrockError("auth"))).toMatchObject({
        upstreamStatus: 403,
        upstreamCode: "UnrecognizedClientException",
        isRetryable: false,
      });
      expect(
        await failChat(
          jsonReply(
            424,
            { message: "Received server error (500) from model." },
            {
              "x-amzn-errortype":
                "ModelErrorException:http://internal.amazon.com/coral/com.amazon.bedrock/",
            },
          ),
        ),
      ).toMatchObject({
        upstreamStatus: 424,
        upstreamCode: "ModelErrorException",
        isRetryable: false,
      });
    });

    it("reads Message and __type when the header is missing, and a retry-after when one is sent", async () => {
      const error = await failChat(
        jsonReply(
          429,
          { __type: "com.amazon.coral.availability#ThrottlingException", Message: "Rate exceeded" },
          { "retry-after": "2" },
        ),
      );
      expect(error).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "ThrottlingException",
        retryAfterMs: 2000,
      });
      expect(error.message).toBe("bedrock answered HTTP 429: Rate exceeded");
    });

    it.each([
      "Input is too long for requested model.",
      "The model returned the following errors: Input is too long for requested model.",
      "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
      "The model returned the following errors: input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000",
      "Too many input tokens. Max input tokens: 128000, request input token count: 130000",
    ])("recognises %j as a context-length error", async (message) => {
      const error = await failChat(
        jsonReply(
          400,
          { message },
          {
            "x-amzn-errortype":
              "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
          },
        ),
      );
      expect(error).toMatchObject({
        upstreamStatus: 400,
        upstreamCode: "ValidationException",
        isContextLengthExceeded: true,
        isRetryable: false,
      });
    });

    it("a throttle's token-per-minute message is not a context-length error", async () => {
      const error = await failChat(
        jsonReply(
          429,
          { message: "Too many tokens, please wait before trying again." },
          {
            "x-amzn-errortype":
              "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
          },
        ),
      );
      expect(error).toMatchObject({ isContextLengthExceeded: false, isRetryable: true });
    });

    it("the secret key and session token never appear in an error message", async () => {
      const echo = `The request signature we calculated does not match. Key ${bedrockTestCredentials.secretAccessKey}, token ${bedrockTestCredentials.sessionToken}`;
      const error = await failChat(
        jsonReply(
          403,
          { message: echo },
          { "x-amzn-errortype": "SignatureDoesNotMatchException:" },
        ),
      );
      expect(error.message).not.toContain(bedrockTestCredentials.secretAccessKey);
      expect(error.message).not.toContain(bedrockTestCredentials.sessionToken);
      expect(error.message).toContain("[redacted]");
      expect(error.upstreamCode).toBe("SignatureDoesNotMatchException");
    });

    it.each([
      [
        "throttlingException",
        { message: "Too many requests, please wait before trying again." },
        429,
        true,
      ],
      [
        "serviceUnavailableException",
        { message: "Bedrock is unable to process your request." },
        503,
        true,
      ],
      [
        "internalServerException",
        { message: "The system encountered an unexpected error." },
        500,
        true,
      ],
      ["validationException", { message: "Input is too long for requested model." }, 400, false],
      [
        "modelStreamErrorException",
        { message: "Model stream error.", originalStatusCode: 529, originalMessage: "Overloaded" },
        529,
        true,
      ],
      ["modelStreamErrorException", { message: "Model stream error." }, 424, false],
    ])(
      "a %s frame mid-stream fails after the chunks already yielded with the type's status",
      async (type, payload, status, retryable) => {
        const answer = bedrockAnswer({
          blocks: [{ type: "text", pieces: ["Hel", "lo"] }],
          usage,
          stopReason: "end_turn",
          stream: true,
        });
        const { chunks, error } = await failStream({
          ...answer,
          frames: [...answer.frames!.slice(0, 3), bedrockExceptionFrame(type, payload)],
        });
        expect(textOf(chunks)).toBe("Hello");
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error).toMatchObject({
          provider: "bedrock",
          kind: "http",
          upstreamStatus: status,
          upstreamCode: type[0].toUpperCase() + type.slice(1),
          isRetryable: retryable,
        });
        expect(error.message).toContain(payload.message);
        expect(error.isContextLengthExceeded).toBe(payload.message.startsWith("Input is too long"));
      },
    );

    it("an exception as the first frame yields nothing", async () => {
      const { chunks, error } = await failStream({
        ...bedrockEventStream([]),
        frames: [bedrockExceptionFrame("throttlingException", { message: "Too many requests" })],
      });
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({ upstreamStatus: 429, isRetryable: true });
    });

    it("a corrupt frame, a stream cut inside a frame, or one without messageStop is an invalid response", async () => {
      const answer = bedrockAnswer({
        blocks: [{ type: "text", pieces: ["Hi"] }],
        usage,
        stopReason: "end_turn",
        stream: true,
      });
      const corrupt = Buffer.from(answer.frames![1]);
      corrupt[corrupt.length - 1] ^= 0xff;
      const corrupted = await failStream({
        ...answer,
        frames: [answer.frames![0], corrupt, ...answer.frames!.slice(2)],
      });
      expect(corrupted.chunks).toHaveLength(1);
      expect(corrupted.error).toMatchObject({ kind: "invalid-response", isRetryable: false });

      const truncated = await failStream({
        ...answer,
        frames: [answer.frames![0], Buffer.from(answer.frames![1]).subarray(0, 10)],
      });
      expect(truncated.error).toMatchObject({ kind: "invalid-response" });
      expect(truncated.error.message).toContain("ended inside a frame");

      const unfinished = await failStream({ ...answer, frames: answer.frames!.slice(0, 3) });
      expect(textOf(unfinished.chunks)).toBe("Hi");
      expect(unfinished.error).toMatchObject({ kind: "invalid-response" });
      expect(unfinished.error.message).toContain("messageStop");

      const empty = await failStream({
        status: 200,
        headers: { "content-type": "application/vnd.amazon.eventstream" },
        frames: [],
      });
      expect(empty.error).toMatchObject({ kind: "invalid-response" });
    });

    it("an event whose payload is not Bedrock's shape is an invalid response", async () => {
      const { chunks, error } = await failStream(
        bedrockEventStream([
          { eventType: "messageStart", payload: { role: "assistant" } },
          { eventType: "contentBlockDelta", payload: { delta: "oops" } },
        ]),
      );
      expect(chunks).toHaveLength(1);
      expect(error).toMatchObject({ kind: "invalid-response" });
      expect(error.message).toContain("contentBlockDelta");
    });
  });

  describe("embeddings", () => {
    const titanModel = "amazon.titan-embed-text-v2:0";
    const cohereModel = "cohere.embed-english-v3";
    const cohereReply = (texts: string[], headers: Record<string, string> = {}) =>
      jsonReply(
        200,
        {
          ...readBedrockFixture("cohere-embedding.json"),
          embeddings: texts.map((text) => [text.length, 0.5]),
          texts,
        },
        headers,
      );
    afterAll(() => upstream.setDefault({ status: 599, frames: ["no reply scripted"] }));

    it("Titan: one signed InvokeModel call per input with dimensions, vectors in input order, token counts summed", async () => {
      upstream.setDefault((sent) =>
        jsonReply(200, {
          embedding: [Number(sent.body.inputText.slice(5))],
          inputTextTokenCount: 3,
        }),
      );
      const inputs = Array.from({ length: 6 }, (_, index) => `text ${index}`);
      const response = await adapter.embed!(
        { model: titanModel, input: inputs, dimensions: 256 },
        idle(),
      );
      expect(response).toEqual({
        object: "list",
        data: inputs.map((_, index) => ({ object: "embedding", index, embedding: [index] })),
        model: titanModel,
        usage: { prompt_tokens: 18, total_tokens: 18 },
      });
      expect(upstream.requests).toHaveLength(6);
      for (const sent of upstream.requests) {
        expect(sent.path).toBe("/model/amazon.titan-embed-text-v2%3A0/invoke");
        expect(sent.headers.authorization).toMatch(
          /^AWS4-HMAC-SHA256 Credential=AKID[^/]*\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
        );
        expect(Object.keys(sent.body).sort()).toEqual(["dimensions", "inputText"]);
        expect(sent.body.dimensions).toBe(256);
      }
    });

    it("Cohere: texts with input_type search_document, at most 96 per call, the token-count header or an estimate", async () => {
      upstream.setDefault((sent) =>
        cohereReply(
          sent.body.texts,
          sent.body.texts.length === 96 ? { "x-amzn-bedrock-input-token-count": "500" } : {},
        ),
      );
      const inputs = Array.from({ length: 100 }, (_, index) => `document number ${index}`);
      const response = await adapter.embed!({ model: cohereModel, input: inputs }, idle());
      expect(response.data.map((entry) => entry.embedding)).toEqual(
        inputs.map((text) => [text.length, 0.5]),
      );
      expect(response.data.map((entry) => entry.index)).toEqual(inputs.map((_, index) => index));
      const sizes = upstream.requests.map((sent) => sent.body.texts.length).sort((a, b) => a - b);
      expect(sizes).toEqual([4, 96]);
      expect(
        upstream.requests.every(
          (sent) =>
            sent.body.input_type === "search_document" &&
            sent.path === "/model/cohere.embed-english-v3/invoke",
        ),
      ).toBe(true);
      // 500 from the header for the batch of 96; the last 4 ("document number 96".."99", 18 characters) estimated at 5 tokens each.
      expect(response.usage).toEqual({ prompt_tokens: 520, total_tokens: 520 });
    });

    it("Cohere: the caller's input_type and truncate pass through; embeddings_by_type answers are read", async () => {
      upstream.setDefault(() =>
        jsonReply(200, {
          id: "x",
          response_type: "embeddings_by_type",
          embeddings: { float: [[0.1, 0.2]] },
          texts: ["q"],
        }),
      );
      const response = await adapter.embed!(
        { model: `us.${cohereModel}`, input: "q", input_type: "search_query", truncate: "END" },
        idle(),
      );
      expect(response.data).toEqual([{ object: "embedding", index: 0, embedding: [0.1, 0.2] }]);
      expect(upstream.requests[0].body).toEqual({
        texts: ["q"],
        input_type: "search_query",
        truncate: "END",
      });
    });

    it("rejects what Bedrock cannot answer: token arrays, base64, Cohere dimensions, other models — before sending", async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ model: titanModel, input: [1, 2, 3] }, "input"],
        [{ model: titanModel, input: [[1, 2]] }, "input"],
        [{ model: titanModel, input: [] }, "input"],
        [{ model: titanModel, input: "a", encoding_format: "base64" }, "encoding_format"],
        [{ model: cohereModel, input: "a", dimensions: 256 }, "dimensions"],
        [{ model: "meta.llama3-8b-instruct-v1:0", input: "a" }, "model"],
      ];
      for (const [request, param] of cases) {
        const error = await failureOf(adapter.embed!(request as never, idle()));
        expect(error).toMatchObject({ code: "BAD_REQUEST", param });
        expect(error.message).toMatch(/^bedrock/);
      }
      expect(upstream.requests).toHaveLength(0);
    });

    it("a Titan throttle on one of the calls is the call's UpstreamError", async () => {
      upstream.setDefault((sent) =>
        sent.body.inputText === "b"
          ? bedrockError("rate-limit")
          : jsonReply(200, { embedding: [1], inputTextTokenCount: 1 }),
      );
      const error = await failureOf(
        adapter.embed!({ model: titanModel, input: ["a", "b", "c"] }, idle()),
      );
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "ThrottlingException",
        isRetryable: true,
      });
    });
  });
});
