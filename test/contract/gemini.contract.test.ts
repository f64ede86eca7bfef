import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { convertJsonSchemaToGeminiSchema } from "../../server/gateway/providers/gemini/convert-json-schema-to-gemini-schema.ts";
import { convertToGeminiRequest } from "../../server/gateway/providers/gemini/convert-to-gemini-request.ts";
import { createGeminiAdapter } from "../../server/gateway/providers/gemini/gemini-adapter.ts";
import type { ChatRequest, ProviderAdapter } from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle } from "./contract-helpers.ts";
import {
  geminiEmbeddingsReply,
  geminiTestApiKey,
  geminiTextAnswer,
  geminiWire,
  readGeminiFixture,
  readGeminiFixtureText,
} from "./wires/gemini-wire.ts";

runChatContract(geminiWire);

const hello: ChatRequest = {
  model: "gemini-2.5-flash",
  messages: [{ role: "user", content: "Say hello" }],
};
const sse = (text: string) => ({
  status: 200,
  headers: { "content-type": "text/event-stream" },
  frames: [text],
});

describe("gemini: provider specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  let adapter: ProviderAdapter;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = createGeminiAdapter({
      apiKey: geminiTestApiKey,
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

  const answer = (pieces = ["ok"]) =>
    upstream.enqueue(geminiTextAnswer({ pieces, usage: { input: 1, output: 1 }, stream: false }));
  const sentBody = async (request: ChatRequest) => {
    answer();
    await adapter.chat(request, idle());
    return upstream.requests.at(-1)!.body;
  };

  describe("what is sent", () => {
    it("sends richRequest as Gemini's GenerateContentRequest, with the API key header, to :generateContent", async () => {
      const body = await sentBody({ ...richRequest, model: "gemini-2.5-flash" });
      const [sent] = upstream.requests;
      expect(sent.path).toBe("/v1beta/models/gemini-2.5-flash:generateContent");
      expect(sent.headers).toMatchObject({
        "x-goog-api-key": geminiTestApiKey,
        "content-type": "application/json",
        accept: "application/json",
      });
      expect(JSON.stringify(body)).not.toMatch(/search|abc123|user-1|logit_bias|50256/);
      expect(body).toMatchInlineSnapshot(`
        {
          "contents": [
            {
              "parts": [
                {
                  "text": "What is the weather where this photo was taken?",
                },
                {
                  "inlineData": {
                    "data": "iVBORw0KGgo=",
                    "mimeType": "image/png",
                  },
                },
              ],
              "role": "user",
            },
            {
              "parts": [
                {
                  "functionCall": {
                    "args": {
                      "city": "Paris",
                    },
                    "name": "get_weather",
                  },
                },
              ],
              "role": "model",
            },
            {
              "parts": [
                {
                  "functionResponse": {
                    "name": "get_weather",
                    "response": {
                      "content": "sunny, 21°C",
                    },
                  },
                },
              ],
              "role": "user",
            },
          ],
          "generationConfig": {
            "maxOutputTokens": 200,
            "responseMimeType": "application/json",
            "responseSchema": {
              "properties": {
                "summary": {
                  "type": "string",
                },
              },
              "type": "object",
            },
            "seed": 7,
            "stopSequences": [
              "END",
            ],
            "temperature": 0.2,
            "topP": 0.9,
          },
          "systemInstruction": {
            "parts": [
              {
                "text": "Answer in JSON.",
              },
            ],
          },
          "toolConfig": {
            "functionCallingConfig": {
              "mode": "AUTO",
            },
          },
          "tools": [
            {
              "functionDeclarations": [
                {
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
              ],
            },
          ],
        }
      `);
    });

    it("keeps a version already in apiBase and accepts model ids given as models/…", async () => {
      const versioned = createGeminiAdapter({
        apiKey: geminiTestApiKey,
        apiBase: `${upstream.origin}/proxy/v1/`,
        dispatcher,
      });
      answer();
      await versioned.chat({ ...hello, model: "models/gemini-2.0-flash" }, idle());
      expect(upstream.requests[0].path).toBe("/proxy/v1/models/gemini-2.0-flash:generateContent");
    });

    it("sends image parts: data: URLs inline, gs:// and https URLs as fileData with a MIME type from the extension", async () => {
      const body = await sentBody({
        ...hello,
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: "data:image/webp;base64,UklGRg==" } },
              { type: "image_url", image_url: { url: "gs://bucket/photos/cat.PNG" } },
              {
                type: "image_url",
                image_url: { url: "https://example.com/scan.pdf?download=1", detail: "high" },
              },
              { type: "image_url", image_url: { url: "https://example.com/image" } },
              { type: "input_audio", input_audio: { data: "UklGRiQ=", format: "wav" } },
              {
                type: "file",
                file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
              },
            ],
          },
        ],
      });
      expect(body.contents[0].parts).toEqual([
        { inlineData: { mimeType: "image/webp", data: "UklGRg==" } },
        { fileData: { mimeType: "image/png", fileUri: "gs://bucket/photos/cat.PNG" } },
        {
          fileData: {
            mimeType: "application/pdf",
            fileUri: "https://example.com/scan.pdf?download=1",
          },
        },
        { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/image" } },
        { inlineData: { mimeType: "audio/wav", data: "UklGRiQ=" } },
        { inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } },
      ]);
    });

    it("sends tool results by the name of the call they answer, wraps non-objects in {content}, and groups consecutive results", async () => {
      const body = await sentBody({
        ...hello,
        messages: [
          { role: "user", content: "Weather in Paris and Oslo, and the time?" },
          {
            role: "assistant",
            content: "Checking.",
            tool_calls: [
              {
                id: "call_a",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris"}' },
              },
              {
                id: "call_b",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
              },
              { id: "call_c", type: "function", function: { name: "get_time", arguments: "" } },
            ],
          },
          { role: "tool", tool_call_id: "call_a", content: '{"temperature":21}' },
          { role: "tool", tool_call_id: "call_b", content: "[3, 4]" },
          { role: "tool", tool_call_id: "call_c", content: [{ type: "text", text: "12:00" }] },
          { role: "user", content: "Thanks" },
        ],
      });
      expect(body.contents).toEqual([
        { role: "user", parts: [{ text: "Weather in Paris and Oslo, and the time?" }] },
        {
          role: "model",
          parts: [
            { text: "Checking." },
            { functionCall: { name: "get_weather", args: { city: "Paris" } } },
            { functionCall: { name: "get_weather", args: { city: "Oslo" } } },
            { functionCall: { name: "get_time", args: {} } },
          ],
        },
        {
          role: "user",
          parts: [
            { functionResponse: { name: "get_weather", response: { temperature: 21 } } },
            { functionResponse: { name: "get_weather", response: { content: [3, 4] } } },
            { functionResponse: { name: "get_time", response: { content: "12:00" } } },
          ],
        },
        { role: "user", parts: [{ text: "Thanks" }] },
      ]);
    });

    it("signs replayed function calls on Gemini 3 models with Google's skip_thought_signature_validator", () => {
      const messages: ChatRequest["messages"] = [
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          tool_calls: [
            { id: "c1", type: "function", function: { name: "w", arguments: "{}" } },
            { id: "c2", type: "function", function: { name: "w", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
        { role: "tool", tool_call_id: "c2", content: "rain" },
      ];
      expect(
        convertToGeminiRequest({ model: "gemini-3-pro-preview", messages }).contents[1].parts,
      ).toEqual([
        {
          functionCall: { name: "w", args: {} },
          thoughtSignature: "skip_thought_signature_validator",
        },
        { functionCall: { name: "w", args: {} } },
      ]);
      expect(
        convertToGeminiRequest({ model: "gemini-2.5-pro", messages }).contents[1].parts[0],
      ).toEqual({ functionCall: { name: "w", args: {} } });
    });

    it("maps tool_choice none / required / a named function", () => {
      const tools = [
        {
          type: "function",
          function: { name: "get_weather", parameters: { type: "object", properties: {} } },
        },
      ];
      const configOf = (tool_choice: unknown) =>
        convertToGeminiRequest({ ...hello, tools, tool_choice }).toolConfig;
      expect(configOf("none")).toEqual({ functionCallingConfig: { mode: "NONE" } });
      expect(configOf("required")).toEqual({ functionCallingConfig: { mode: "ANY" } });
      expect(configOf({ type: "function", function: { name: "get_weather" } })).toEqual({
        functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] },
      });
      expect(configOf(undefined)).toBeUndefined();
      // A function without parameters is declared without them (Gemini rejects an empty object schema).
      expect(convertToGeminiRequest({ ...hello, tools }).tools).toEqual([
        { functionDeclarations: [{ name: "get_weather" }] },
      ]);
    });

    it("maps reasoning_effort to a thinking budget (Gemini 2.5) or a thinking level (Gemini 3), asking for thought summaries", () => {
      const thinking = (model: string, reasoning_effort: string) =>
        convertToGeminiRequest({ ...hello, model, reasoning_effort }).generationConfig
          ?.thinkingConfig;
      expect(thinking("gemini-2.5-flash", "low")).toEqual({
        thinkingBudget: 1024,
        includeThoughts: true,
      });
      expect(thinking("gemini-2.5-flash", "high")).toEqual({
        thinkingBudget: 24576,
        includeThoughts: true,
      });
      expect(thinking("gemini-2.5-flash", "none")).toEqual({ thinkingBudget: 0 });
      expect(thinking("gemini-3-flash-preview", "medium")).toEqual({
        thinkingLevel: "medium",
        includeThoughts: true,
      });
      expect(
        convertToGeminiRequest({
          ...hello,
          stop: "END",
          max_tokens: 50,
          presence_penalty: 0.5,
          frequency_penalty: 0.25,
        }).generationConfig,
      ).toEqual({
        stopSequences: ["END"],
        maxOutputTokens: 50,
        presencePenalty: 0.5,
        frequencyPenalty: 0.25,
      });
    });

    it("converts JSON schemas to Gemini's OpenAPI subset", () => {
      const schema = {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        additionalProperties: false,
        properties: {
          name: { type: ["string", "null"], minLength: 1 },
          nickname: { anyOf: [{ type: "string" }, { type: "null" }] },
          size: { type: "integer", enum: [1, 2, 3] },
          kind: { const: "pet" },
          owner: { $ref: "#/$defs/person" },
          tags: { type: "array", items: { type: "string" }, maxItems: 3 },
          either: { oneOf: [{ type: "string" }, { type: "number" }] },
          extra: { type: "object" },
        },
        required: ["name"],
        $defs: {
          person: { type: "object", properties: { email: { type: "string", format: "email" } } },
        },
      };
      expect(convertJsonSchemaToGeminiSchema(schema, { param: "p" })).toEqual({
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string", nullable: true, minLength: 1 },
          nickname: { type: "string", nullable: true },
          size: { type: "integer", format: "enum", enum: ["1", "2", "3"] },
          kind: { type: "string", enum: ["pet"] },
          owner: { type: "object", properties: { email: { type: "string", format: "email" } } },
          tags: { type: "array", items: { type: "string" }, maxItems: 3 },
          either: { anyOf: [{ type: "string" }, { type: "number" }] },
          extra: { type: "object" },
        },
      });
      expect(() =>
        convertJsonSchemaToGeminiSchema(
          {
            $defs: { node: { type: "object", properties: { next: { $ref: "#/$defs/node" } } } },
            $ref: "#/$defs/node",
          },
          { param: "p" },
        ),
      ).toThrow(/recursive/);
      expect(() => convertJsonSchemaToGeminiSchema({ enum: ["a", 1] }, { param: "p" })).toThrow(
        /one primitive type/,
      );
    });

    it("rejects what Gemini cannot do with BAD_REQUEST, before anything is sent", async () => {
      const cases: Array<[Partial<ChatRequest>, string, RegExp]> = [
        [{ n: 2 }, "n", /n > 1/],
        [{ logprobs: true }, "logprobs", /logprobs/],
        [{ top_logprobs: 3 }, "top_logprobs", /top_logprobs/],
        [{ audio: { voice: "alloy", format: "mp3" } }, "audio", /audio/],
        [{ modalities: ["text", "audio"] }, "modalities", /modalities/],
        [{ web_search_options: {} }, "web_search_options", /web_search_options/],
        [{ functions: [{ name: "f" }] }, "functions", /use tools/],
        [{ tools: [{ type: "custom", custom: { name: "x" } }] }, "tools[0]", /function tools/],
        [
          {
            tools: [{ type: "function", function: { name: "f" } }],
            tool_choice: { type: "allowed_tools" },
          },
          "tool_choice",
          /tool_choice/,
        ],
        [
          { response_format: { type: "json_schema", json_schema: { name: "x" } } },
          "response_format",
          /schema/,
        ],
        [{ reasoning_effort: "extreme" }, "reasoning_effort", /reasoning_effort/],
        [
          {
            messages: [
              {
                role: "user",
                content: [{ type: "image_url", image_url: { url: "ftp://host/cat.png" } }],
              },
            ],
          },
          "messages[0].content[0]",
          /data: URLs, gs:\/\/ and http\(s\)/,
        ],
        [
          {
            messages: [
              { role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] },
            ],
          },
          "messages[0].content[0]",
          /file ids/,
        ],
        [{ messages: [{ role: "system", content: "Be brief." }] }, "messages", /at least one user/],
        [
          { messages: [{ role: "tool", tool_call_id: "call_x", content: "42" }] },
          "messages[0].tool_call_id",
          /matches no earlier assistant tool call/,
        ],
        [
          {
            messages: [
              {
                role: "assistant",
                tool_calls: [
                  { id: "c", type: "function", function: { name: "f", arguments: "{oops" } },
                ],
              },
            ],
          },
          "messages[0].tool_calls[0].function.arguments",
          /must be JSON/,
        ],
      ];
      for (const [change, param, message] of cases) {
        const error = await failureOf(adapter.chat({ ...hello, ...change } as ChatRequest, idle()));
        expect(error, param).toBeInstanceOf(GatewayError);
        expect(error, param).toMatchObject({ code: "BAD_REQUEST", status: 400, param });
        expect(error.message, param).toMatch(message);
      }
      expect((await drain(adapter.chatStream({ ...hello, n: 3 }, idle()))).error).toMatchObject({
        code: "BAD_REQUEST",
        param: "n",
      });
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe("what comes back", () => {
    it("returns Gemini's documented answer in OpenAI's shape, with Gemini's responseId and modelVersion", async () => {
      upstream.enqueue(jsonReply(200, readGeminiFixture("generate-content.json")));
      const response = await adapter.chat(hello, idle());
      expect(response).toEqual({
        id: "Un6LacrVMcjUxs0PmJfWoQc",
        object: "chat.completion",
        created: expect.any(Number),
        model: "gemini-3-pro-preview",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: "There are **3** r's in strawberry." },
            finish_reason: "stop",
          },
        ],
        usage: {
          prompt_tokens: 9,
          completion_tokens: 272,
          total_tokens: 281,
          prompt_tokens_details: { cached_tokens: 0 },
          completion_tokens_details: { reasoning_tokens: 244 },
        },
      });
    });

    it("returns thought parts as reasoning_content, and cached and thinking tokens in usage", async () => {
      upstream.enqueue(jsonReply(200, readGeminiFixture("generate-content-thoughts.json")));
      const response = await adapter.chat(hello, idle());
      expect(response.choices[0].message).toEqual({
        role: "assistant",
        content: "There are 3 r's in strawberry.",
        reasoning_content: "**Counting letters**\n\nI spell out strawberry and count the r's.",
      });
      expect(response.usage).toEqual({
        prompt_tokens: 2048,
        completion_tokens: 109,
        total_tokens: 2157,
        prompt_tokens_details: { cached_tokens: 1536 },
        completion_tokens_details: { reasoning_tokens: 100 },
      });
    });

    it("returns a function call with an invented call_ id and finish reason tool_calls", async () => {
      upstream.enqueue(jsonReply(200, readGeminiFixture("generate-content-function-call.json")));
      upstream.enqueue(jsonReply(200, readGeminiFixture("generate-content-function-call.json")));
      const [first, second] = [
        await adapter.chat(hello, idle()),
        await adapter.chat(hello, idle()),
      ];
      const [call] = first.choices[0].message.tool_calls!;
      expect(first.choices[0]).toMatchObject({
        message: { content: null },
        finish_reason: "tool_calls",
      });
      expect(call).toEqual({
        id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
        type: "function",
        function: { name: "weather", arguments: '{"location":"San Francisco"}' },
      });
      expect(second.choices[0].message.tool_calls![0].id).not.toBe(call.id);
    });

    it("keeps a function call id when Gemini sends one", async () => {
      const body = readGeminiFixture("generate-content-function-call.json");
      body.candidates[0].content.parts[0].functionCall.id = "fc_7";
      upstream.enqueue(jsonReply(200, body));
      expect((await adapter.chat(hello, idle())).choices[0].message.tool_calls![0].id).toBe("fc_7");
    });

    it("answers a prompt blocked up front with null content and content_filter (JSON and stream)", async () => {
      const blocked = readGeminiFixture("generate-content-prompt-blocked.json");
      upstream.enqueue(jsonReply(200, blocked));
      const response = await adapter.chat(hello, idle());
      expect(response.choices[0]).toEqual({
        index: 0,
        message: { role: "assistant", content: null },
        finish_reason: "content_filter",
      });
      expect(response.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 0 });

      upstream.enqueue(sse(`data: ${JSON.stringify(blocked)}\r\n\r\n`));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(
        chunks.map((chunk) => [chunk.choices[0]?.delta, chunk.choices[0]?.finish_reason]),
      ).toEqual([
        [{ role: "assistant", content: "" }, null],
        [{}, "content_filter"],
        [undefined, undefined],
      ]);
    });

    it("streams Gemini's documented stream chunk for chunk", async () => {
      upstream.enqueue(sse(readGeminiFixtureText("stream.sse")));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      const head = {
        id: "bH6LaZW8Fp_3nsEPqtaSwQ4",
        object: "chat.completion.chunk",
        created: chunks[0].created,
        model: "gemini-3-pro-preview",
      };
      expect(chunks).toEqual([
        {
          ...head,
          choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
        },
        {
          ...head,
          choices: [{ index: 0, delta: { content: "There are **3**" }, finish_reason: null }],
        },
        {
          ...head,
          choices: [{ index: 0, delta: { content: ' "r"s in strawberry.' }, finish_reason: null }],
        },
        { ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
        {
          ...head,
          choices: [],
          usage: {
            prompt_tokens: 9,
            completion_tokens: 208,
            total_tokens: 217,
            prompt_tokens_details: { cached_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 185 },
          },
        },
      ]);
    });

    it("streams a documented function call as a header delta and one arguments delta, finishing with tool_calls", async () => {
      upstream.enqueue(sse(readGeminiFixtureText("stream-function-call.sse")));
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks.slice(1, -1).map((chunk) => chunk.choices[0])).toEqual([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 0,
                id: expect.stringMatching(/^call_/),
                type: "function",
                function: { name: "weather", arguments: "" },
              },
            ],
          },
          finish_reason: null,
        },
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 0, function: { arguments: '{"location":"San Francisco"}' } }],
          },
          finish_reason: null,
        },
        { index: 0, delta: {}, finish_reason: "tool_calls" },
      ]);
    });

    it("takes a stream event that carries only usageMetadata (the usage chunk reads the last one)", async () => {
      const text = {
        candidates: [
          { content: { role: "model", parts: [{ text: "Hi" }] }, finishReason: "STOP", index: 0 },
        ],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 },
      };
      const usageOnly = {
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, thoughtsTokenCount: 4 },
      };
      upstream.enqueue(
        sse(`data: ${JSON.stringify(text)}\r\n\r\ndata: ${JSON.stringify(usageOnly)}\r\n\r\n`),
      );
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
      expect(chunks.at(-1)!.usage).toMatchObject({
        prompt_tokens: 3,
        completion_tokens: 6,
        total_tokens: 9,
        completion_tokens_details: { reasoning_tokens: 4 },
      });
    });

    it("a stream that ends cleanly without a finish reason is an invalid response", async () => {
      const event = {
        candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }],
      };
      upstream.enqueue(sse(`data: ${JSON.stringify(event)}\r\n\r\n`));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks.map((chunk) => chunk.choices[0].delta.content)).toEqual(["", "Hel"]);
      expect(error).toMatchObject({ kind: "invalid-response", isRetryable: false });
      expect(error.message).toContain("without a finish reason");
    });

    it("structured output: json_schema is sent as responseSchema and the JSON comes back as the content", async () => {
      const schema = {
        type: "object",
        properties: { city: { type: "string" }, temperature: { type: "number" } },
        required: ["city"],
        additionalProperties: false,
      };
      upstream.enqueue(
        geminiTextAnswer({
          pieces: ['{"city": "Oslo", ', '"temperature": 4}'],
          usage: { input: 5, output: 9 },
          stream: false,
        }),
      );
      const response = await adapter.chat(
        {
          ...hello,
          response_format: {
            type: "json_schema",
            json_schema: { name: "weather", strict: true, schema },
          },
        },
        idle(),
      );
      expect(upstream.requests[0].body.generationConfig).toEqual({
        responseMimeType: "application/json",
        responseSchema: {
          type: "object",
          properties: { city: { type: "string" }, temperature: { type: "number" } },
          required: ["city"],
        },
      });
      expect(response.choices[0].finish_reason).toBe("stop");
      expect(JSON.parse(response.choices[0].message.content!)).toEqual({
        city: "Oslo",
        temperature: 4,
      });
      expect(
        convertToGeminiRequest({ ...hello, response_format: { type: "json_object" } })
          .generationConfig,
      ).toEqual({ responseMimeType: "application/json" });
    });
  });

  describe("errors", () => {
    it("reads the retry delay from the 429 body's RetryInfo; a retry-after header wins", async () => {
      upstream.enqueue(jsonReply(429, readGeminiFixture("error-429.json")));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        upstreamStatus: 429,
        retryAfterMs: 34400,
        upstreamCode: "RESOURCE_EXHAUSTED",
        isRetryable: true,
      });
      upstream.enqueue(jsonReply(429, readGeminiFixture("error-429.json"), { "retry-after": "2" }));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({ retryAfterMs: 2000 });
    });

    it("an invalid API key (400 API_KEY_INVALID) is a credentials failure: 401 upstream, 502 to the caller, not retried", async () => {
      upstream.enqueue(jsonReply(400, readGeminiFixture("error-api-key-invalid.json")));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        upstreamStatus: 401,
        status: 502,
        isRetryable: false,
        upstreamCode: "API_KEY_INVALID",
        isContextLengthExceeded: false,
      });
      expect(error.message).toBe(
        "gemini answered HTTP 400: API key not valid. Please pass a valid API key.",
      );
    });

    it("reads the context-length message, an array-wrapped error body, and never leaks the API key", async () => {
      upstream.enqueue(jsonReply(400, [readGeminiFixture("error-context-length.json")]));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({
        isContextLengthExceeded: true,
        upstreamCode: "INVALID_ARGUMENT",
        status: 400,
      });
      expect(error.message).toContain("exceeds the maximum number of tokens allowed (1048576)");

      upstream.enqueue(
        jsonReply(403, {
          error: {
            code: 403,
            message: `Key ${geminiTestApiKey} is blocked`,
            status: "PERMISSION_DENIED",
          },
        }),
      );
      const leaked = await failureOf(adapter.chat(hello, idle()));
      expect(leaked.message).toBe("gemini answered HTTP 403: Key [redacted] is blocked");
    });

    it("an error body on 200 is that error (503 UNAVAILABLE: retryable)", async () => {
      upstream.enqueue(jsonReply(200, readGeminiFixture("error-503.json")));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        kind: "http",
        upstreamStatus: 503,
        upstreamCode: "UNAVAILABLE",
        isRetryable: true,
      });
    });
  });

  describe("embeddings", () => {
    it("sends batchEmbedContents with models/{model} and outputDimensionality, 100 inputs a call", async () => {
      upstream.setDefault(geminiEmbeddingsReply);
      try {
        const inputs = Array.from({ length: 150 }, (_, index) => `text ${index}`);
        const response = await adapter.embed!(
          { model: "gemini-embedding-001", input: inputs, dimensions: 768, user: "u-1" },
          idle(),
        );
        expect(upstream.requests.map((sent) => [sent.path, sent.body.requests.length])).toEqual([
          ["/v1beta/models/gemini-embedding-001:batchEmbedContents", 100],
          ["/v1beta/models/gemini-embedding-001:batchEmbedContents", 50],
        ]);
        expect(upstream.requests[0].headers["x-goog-api-key"]).toBe(geminiTestApiKey);
        expect(upstream.requests[0].body.requests[0]).toEqual({
          model: "models/gemini-embedding-001",
          content: { parts: [{ text: "text 0" }] },
          outputDimensionality: 768,
        });
        expect(response.data).toHaveLength(150);
        expect(response.data[100]).toEqual({
          object: "embedding",
          index: 100,
          embedding: [0.5, 0.25, -0.125],
        });
        // batchEmbedContents reports no token counts: no usage, the gateway estimates it.
        expect(response.usage).toBeUndefined();
      } finally {
        upstream.setDefault({ status: 599, frames: ["no reply scripted"] });
      }
    });

    it("reads the documented batchEmbedContents answer", async () => {
      upstream.enqueue(jsonReply(200, readGeminiFixture("batch-embed-contents.json")));
      const response = await adapter.embed!(
        { model: "gemini-embedding-001", input: ["a", "b"] },
        idle(),
      );
      expect(response.data.map((entry) => entry.embedding)).toEqual([
        [0.013168523, -0.008711934, -0.046782676],
        [-0.0016804454, 0.0213426, 0.01178723],
      ]);
    });

    it("rejects token-array inputs and base64 encoding before sending", async () => {
      expect(
        await failureOf(
          adapter.embed!({ model: "gemini-embedding-001", input: [1, 2, 3] }, idle()),
        ),
      ).toMatchObject({ code: "BAD_REQUEST", param: "input" });
      expect(
        await failureOf(
          adapter.embed!(
            { model: "gemini-embedding-001", input: "a", encoding_format: "base64" },
            idle(),
          ),
        ),
      ).toMatchObject({ code: "BAD_REQUEST", param: "encoding_format" });
      expect(upstream.requests).toHaveLength(0);
    });
  });
});
