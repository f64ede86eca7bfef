import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createOllamaAdapter } from "../../server/gateway/providers/ollama/ollama-adapter.ts";
import type { ChatRequest, ProviderAdapter } from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle, textOf } from "./contract-helpers.ts";
import {
  ollamaAnswer,
  ollamaWire,
  readOllamaFixture,
  readOllamaFixtureText,
} from "./wires/ollama-wire.ts";

runChatContract(ollamaWire);

const apiKey = "ollama-cloud-key-0123456789";
const hello: ChatRequest = {
  model: "llama3.2",
  messages: [{ role: "user", content: "Say hello" }],
};
const plain = () =>
  ollamaAnswer({
    content: ["Hi"],
    doneReason: "stop",
    usage: { input: 3, output: 1 },
    stream: false,
  });
const ndjson = (text: string, split?: (text: string) => string[]) => ({
  status: 200,
  headers: { "content-type": "application/x-ndjson" },
  frames: split
    ? split(text)
    : text
        .trimEnd()
        .split("\n")
        .map((line) => `${line}\n`),
});

describe("ollama specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  let adapter: ProviderAdapter;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = createOllamaAdapter({ apiBase: upstream.origin, dispatcher });
  });
  afterAll(async () => {
    await dispatcher.close();
    await upstream.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  /** The body the adapter sends for `request` (answered with a plain reply). */
  async function sentBody(request: ChatRequest): Promise<any> {
    upstream.enqueue(plain());
    await adapter.chat(request, idle());
    return upstream.requests.at(-1)!.body;
  }

  describe("what is sent upstream", () => {
    it("translates the rich request into Ollama's /api/chat body", async () => {
      expect(await sentBody(richRequest)).toMatchInlineSnapshot(`
        {
          "format": {
            "properties": {
              "summary": {
                "type": "string",
              },
            },
            "type": "object",
          },
          "messages": [
            {
              "content": "Answer in JSON.",
              "role": "system",
            },
            {
              "content": "What is the weather where this photo was taken?",
              "images": [
                "iVBORw0KGgo=",
              ],
              "role": "user",
            },
            {
              "content": "",
              "role": "assistant",
              "tool_calls": [
                {
                  "function": {
                    "arguments": {
                      "city": "Paris",
                    },
                    "name": "get_weather",
                  },
                  "id": "call_1",
                },
              ],
            },
            {
              "content": "sunny, 21°C",
              "role": "tool",
              "tool_call_id": "call_1",
              "tool_name": "get_weather",
            },
          ],
          "model": "gpt-4o-mini",
          "options": {
            "num_predict": 200,
            "seed": 7,
            "stop": [
              "END",
            ],
            "temperature": 0.2,
            "top_p": 0.9,
          },
          "stream": false,
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
          ],
        }
      `);
    });

    it("POSTs to {apiBase}/api/chat with a bearer key for ollama.com; a trailing /api or slash is tolerated", async () => {
      for (const apiBase of [
        upstream.origin,
        `${upstream.origin}/`,
        `${upstream.origin}/api`,
        `${upstream.origin}/api/`,
        upstream.origin.replace("http://", ""),
      ]) {
        const keyed = createOllamaAdapter({
          apiBase,
          apiKey,
          dispatcher,
          headers: { "x-proxy": "on" },
        });
        upstream.enqueue(plain());
        await keyed.chat(hello, idle());
        const sent = upstream.requests.at(-1)!;
        expect(sent.path).toBe("/api/chat");
        expect(sent.headers.authorization).toBe(`Bearer ${apiKey}`);
        expect(sent.headers["x-proxy"]).toBe("on");
      }
    });

    it("maps sampling fields into options: max_tokens → num_predict, a stop string → a list, Ollama's own options kept", async () => {
      const body = await sentBody({
        ...hello,
        max_tokens: 50,
        stop: "END",
        seed: 3,
        presence_penalty: 0.5,
        frequency_penalty: 0.25,
        top_k: 40,
        options: { num_ctx: 8192, temperature: 1 },
        temperature: 0.1,
      });
      expect(body.options).toEqual({
        num_ctx: 8192,
        temperature: 0.1,
        num_predict: 50,
        stop: ["END"],
        seed: 3,
        presence_penalty: 0.5,
        frequency_penalty: 0.25,
        top_k: 40,
      });
      expect(body).not.toHaveProperty("max_tokens");
      expect(body).not.toHaveProperty("top_k");
    });

    it("max_completion_tokens wins over max_tokens; a plain request sends no options, format or tools", async () => {
      expect(
        (await sentBody({ ...hello, max_tokens: 10, max_completion_tokens: 20 })).options,
      ).toEqual({ num_predict: 20 });
      expect(
        await sentBody({
          ...hello,
          user: "u-1",
          logit_bias: { "1": 2 },
          parallel_tool_calls: true,
          metadata: { team: "x" },
          store: true,
        }),
      ).toEqual({
        model: "llama3.2",
        messages: [{ role: "user", content: "Say hello" }],
        stream: false,
      });
    });

    it("reasoning_effort becomes think; Ollama's own think, keep_alive, truncate and shift pass through", async () => {
      expect((await sentBody({ ...hello, reasoning_effort: "high" })).think).toBe("high");
      expect((await sentBody({ ...hello, reasoning_effort: "none" })).think).toBe(false);
      expect((await sentBody({ ...hello, reasoning_effort: "minimal" })).think).toBe("low");
      expect(
        await sentBody({
          ...hello,
          reasoning_effort: "low",
          think: true,
          keep_alive: "10m",
          truncate: false,
          shift: false,
        }),
      ).toMatchObject({ think: true, keep_alive: "10m", truncate: false, shift: false });
    });

    it("tool_choice: none sends no tools, required sends all, a named function sends only that tool", async () => {
      const tool = (name: string) => ({
        type: "function",
        function: { name, parameters: { type: "object" } },
      });
      const tools = [tool("a"), tool("b")];
      expect(await sentBody({ ...hello, tools, tool_choice: "none" })).not.toHaveProperty("tools");
      expect(
        (await sentBody({ ...hello, tools, tool_choice: "required" })).tools.map(
          (entry: any) => entry.function.name,
        ),
      ).toEqual(["a", "b"]);
      expect(
        (
          await sentBody({
            ...hello,
            tools,
            tool_choice: { type: "function", function: { name: "b" } },
          })
        ).tools,
      ).toEqual([{ type: "function", function: { name: "b", parameters: { type: "object" } } }]);
    });

    it("images: data: URLs become base64 without the prefix; text parts are joined by newlines", async () => {
      const body = await sentBody({
        ...hello,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Compare" },
              { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
              { type: "text", text: "and" },
              { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
            ],
          },
        ],
      });
      expect(body.messages).toEqual([
        { role: "user", content: "Compare\nand", images: ["iVBORw0KGgo=", "/9j/4AAQ"] },
      ]);
    });
  });

  describe("rejected before anything is sent", () => {
    const tools = [
      { type: "function", function: { name: "get_weather", parameters: { type: "object" } } },
    ];
    const cases: Array<[string, Partial<ChatRequest>, string, RegExp]> = [
      ["n > 1", { n: 2 }, "n", /ollama does not support n > 1/],
      ["logprobs", { logprobs: true }, "logprobs", /ollama does not support logprobs/],
      ["top_logprobs", { top_logprobs: 3 }, "top_logprobs", /ollama does not support top_logprobs/],
      [
        "audio output",
        { audio: { voice: "alloy", format: "wav" }, modalities: ["text", "audio"] },
        "audio",
        /ollama does not support audio output/,
      ],
      [
        "audio modality",
        { modalities: ["text", "audio"] },
        "modalities",
        /output modalities other than text/,
      ],
      ["web search", { web_search_options: {} }, "web_search_options", /web_search_options/],
      ["functions", { functions: [{ name: "f" }] }, "functions", /use tools/],
      [
        "an http image URL",
        {
          messages: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }],
            },
          ],
        },
        "messages.0.content.0",
        /ollama does not support image URLs \(it takes base64 image bytes\)/,
      ],
      [
        "a data URL that is not base64",
        {
          messages: [
            {
              role: "user",
              content: [{ type: "image_url", image_url: { url: "data:image/svg+xml,<svg/>" } }],
            },
          ],
        },
        "messages.0.content.0",
        /base64 data: URL/,
      ],
      [
        "an audio part",
        {
          messages: [
            {
              role: "user",
              content: [{ type: "input_audio", input_audio: { data: "AAA", format: "wav" } }],
            },
          ],
        },
        "messages.0.content.0",
        /content parts of type "input_audio"/,
      ],
      [
        "a tool result for no call",
        { messages: [{ role: "tool", tool_call_id: "call_x", content: "42" }] },
        "messages.0.tool_call_id",
        /matches none/,
      ],
      [
        "tool-call arguments that are not a JSON object",
        {
          messages: [
            {
              role: "assistant",
              content: null,
              tool_calls: [
                { id: "c", type: "function", function: { name: "f", arguments: "[1]" } },
              ],
            },
          ],
        },
        "messages.0.tool_calls.0.function.arguments",
        /must be a JSON object/,
      ],
      [
        "a non-function tool",
        { tools: [{ type: "web_search" }] },
        "tools.0",
        /only supports function tools/,
      ],
      [
        "tool_choice naming a missing tool",
        { tools, tool_choice: { type: "function", function: { name: "nope" } } },
        "tool_choice",
        /not in tools/,
      ],
      [
        "tool_choice required without tools",
        { tool_choice: "required" },
        "tool_choice",
        /needs tools/,
      ],
      [
        "an unknown response_format",
        { response_format: { type: "yaml" } },
        "response_format",
        /must be text, json_object or json_schema/,
      ],
      [
        "a json_schema without a schema",
        { response_format: { type: "json_schema", json_schema: { name: "x" } } },
        "response_format",
        /must be a JSON schema object/,
      ],
    ];
    it.each(cases)("%s", async (_title, change, param, message) => {
      const error = await failureOf(adapter.chat({ ...hello, ...change } as ChatRequest, idle()));
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: "BAD_REQUEST", status: 400, param });
      expect(error.message).toMatch(message);
      const streamed = await drain(
        adapter.chatStream({ ...hello, ...change } as ChatRequest, idle()),
      );
      expect(streamed.error).toMatchObject({ code: "BAD_REQUEST", param });
      expect(upstream.requests).toHaveLength(0);
    });
  });

  describe("answers", () => {
    it("structured output round trip: json_schema → format, the JSON answer comes back as content with finish stop", async () => {
      const schema = readOllamaFixture("chat.json");
      upstream.enqueue(jsonReply(200, schema));
      const format = {
        type: "object",
        properties: { age: { type: "integer" }, available: { type: "boolean" } },
        required: ["age", "available"],
      };
      const response = await adapter.chat(
        {
          ...hello,
          response_format: {
            type: "json_schema",
            json_schema: { name: "person", schema: format, strict: true },
          },
        },
        idle(),
      );
      expect(upstream.requests[0].body.format).toEqual(format);
      expect(JSON.parse(response.choices[0].message.content!)).toEqual({
        age: 22,
        available: false,
      });
      expect(response.choices[0].finish_reason).toBe("stop");
      expect(response.usage).toEqual({
        prompt_tokens: 34,
        completion_tokens: 12,
        total_tokens: 46,
      });
      expect(response.model).toBe("llama3.2");
      expect(response.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect((await sentBody({ ...hello, response_format: { type: "json_object" } })).format).toBe(
        "json",
      );
      expect(await sentBody({ ...hello, response_format: { type: "text" } })).not.toHaveProperty(
        "format",
      );
    });

    it("the documented tool-call answer: arguments stringified, an id invented, content null", async () => {
      upstream.enqueue(jsonReply(200, readOllamaFixture("chat-tool-calls.json")));
      const [choice] = (await adapter.chat(hello, idle())).choices;
      expect(choice.finish_reason).toBe("tool_calls");
      expect(choice.message.content).toBeNull();
      expect(choice.message.tool_calls).toEqual([
        {
          id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Tokyo"}' },
        },
      ]);
    });

    it("keeps the tool-call ids newer Ollama servers send", async () => {
      const answer = readOllamaFixture("chat-tool-calls.json");
      answer.message.tool_calls[0].id = "call_k3n9x2ab";
      upstream.enqueue(jsonReply(200, answer));
      expect((await adapter.chat(hello, idle())).choices[0].message.tool_calls![0].id).toBe(
        "call_k3n9x2ab",
      );
    });

    it("thinking becomes reasoning_content (JSON and stream)", async () => {
      const answer = readOllamaFixture("chat-thinking.json");
      upstream.enqueue(jsonReply(200, answer));
      const { message } = (await adapter.chat(hello, idle())).choices[0];
      expect(message).toMatchObject({
        content: answer.message.content,
        reasoning_content: answer.message.thinking,
      });

      const line = (message: Record<string, string>, done = false) => ({
        model: "qwen3",
        created_at: answer.created_at,
        message: { role: "assistant", ...message },
        done,
        ...(done ? { done_reason: "stop", eval_count: 9 } : {}),
      });
      upstream.enqueue({
        status: 200,
        headers: { "content-type": "application/x-ndjson" },
        frames: [
          line({ content: "", thinking: "Count" }),
          line({ content: "", thinking: " them." }),
          line({ content: "Three." }),
          line({ content: "" }, true),
        ].map((entry) => `${JSON.stringify(entry)}\n`),
      });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks.map((chunk) => chunk.choices[0]?.delta.reasoning_content ?? "").join("")).toBe(
        "Count them.",
      );
      expect(textOf(chunks)).toBe("Three.");
      expect(chunks.at(-1)!.usage).toEqual({
        prompt_tokens: 0,
        completion_tokens: 9,
        total_tokens: 9,
      });
    });

    it("the documented stream, with lines split across network chunks and several lines in one chunk", async () => {
      const text = readOllamaFixtureText("chat-stream.ndjson");
      // Cut at fixed byte offsets, ignoring line boundaries, including inside a multi-byte-free JSON token.
      upstream.enqueue(
        ndjson(text, (whole) => [
          whole.slice(0, 37),
          whole.slice(37, 150),
          whole.slice(150, 400),
          whole.slice(400),
        ]),
      );
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
      expect(textOf(chunks)).toBe("The sky");
      expect(chunks.at(-2)!.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "stop" });
      expect(chunks.at(-1)).toMatchObject({
        choices: [],
        usage: { prompt_tokens: 26, completion_tokens: 282, total_tokens: 308 },
        model: "llama3.2",
      });
      expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    });

    it("the documented tool-call stream: header delta with an invented id, then the arguments in one piece", async () => {
      upstream.enqueue(ndjson(readOllamaFixtureText("chat-stream-tool-calls.ndjson")));
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
      expect(deltas).toEqual([
        {
          index: 0,
          id: expect.stringMatching(/^call_/),
          type: "function",
          function: { name: "get_weather", arguments: "" },
        },
        { index: 0, function: { arguments: '{"city":"Tokyo"}' } },
      ]);
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("tool_calls");
    });

    it("a missing prompt_eval_count (prompt served from the cache) counts as 0", async () => {
      const { prompt_eval_count: _count, ...answer } = readOllamaFixture("chat.json");
      upstream.enqueue(jsonReply(200, answer));
      expect((await adapter.chat(hello, idle())).usage).toEqual({
        prompt_tokens: 0,
        completion_tokens: 12,
        total_tokens: 12,
      });
    });

    it("a stream that ends cleanly without its done line is an invalid response", async () => {
      const [first] = readOllamaFixtureText("chat-stream.ndjson").split("\n");
      upstream.enqueue(ndjson(first));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks.length).toBeGreaterThan(0);
      expect(error).toMatchObject({
        provider: "ollama",
        kind: "invalid-response",
        isRetryable: false,
      });
      expect(error.message).toContain("done line");
    });
  });

  describe("errors", () => {
    it("the documented error line in a 200 stream is a retryable 500", async () => {
      upstream.enqueue(ndjson(readOllamaFixtureText("chat-stream-error.ndjson")));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(textOf(chunks)).toBe(" Yes.");
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({
        kind: "http",
        upstreamStatus: 500,
        isRetryable: true,
        isContextLengthExceeded: false,
      });
      expect(error.message).toBe(
        "ollama reported an error: an error was encountered while running the model",
      );
    });

    it("a context-length error line in a stream is a 400 the router can fall back on", async () => {
      upstream.enqueue(
        ndjson(JSON.stringify({ error: readOllamaFixture("error-context-length.json").error })),
      );
      const { error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toMatchObject({
        upstreamStatus: 400,
        isRetryable: false,
        isContextLengthExceeded: true,
      });
    });

    it("a missing model is a 404, not retryable, with Ollama's message", async () => {
      upstream.enqueue(jsonReply(404, readOllamaFixture("error-404.json")));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({
        kind: "http",
        upstreamStatus: 404,
        status: 404,
        isRetryable: false,
        upstreamCode: undefined,
      });
      expect(error.message).toBe(
        'ollama answered HTTP 404: model "llama3.2" not found, try pulling it first',
      );
    });

    it("a full request queue (503) is retryable with Ollama's message", async () => {
      upstream.enqueue(jsonReply(503, readOllamaFixture("error-503.json")));
      const error = await failureOf(adapter.chat(hello, idle()));
      expect(error).toMatchObject({ upstreamStatus: 503, isRetryable: true });
      expect(error.message).toContain("server busy");
    });

    it("reads a retry-after a proxy or ollama.com sends on 429, and redacts the key should it be echoed", async () => {
      const keyed = createOllamaAdapter({ apiBase: upstream.origin, apiKey, dispatcher });
      upstream.enqueue(
        jsonReply(429, { error: `rate limited for key ${apiKey}` }, { "retry-after": "7" }),
      );
      const error = await failureOf(keyed.chat(hello, idle()));
      expect(error).toMatchObject({ upstreamStatus: 429, isRetryable: true, retryAfterMs: 7000 });
      expect(error.message).toBe("ollama answered HTTP 429: rate limited for key [redacted]");
    });

    it("a non-JSON error body is quoted", async () => {
      upstream.enqueue({
        status: 502,
        headers: { "content-type": "text/html" },
        frames: ["<html>Bad Gateway</html>"],
      });
      expect((await failureOf(adapter.chat(hello, idle()))).message).toBe(
        "ollama answered HTTP 502: <html>Bad Gateway</html>",
      );
    });
  });

  describe("embeddings", () => {
    it("POSTs {model, input, dimensions} to /api/embed and drops user and metadata", async () => {
      upstream.enqueue(jsonReply(200, readOllamaFixture("embed.json")));
      const response = await adapter.embed!(
        {
          model: "all-minilm",
          input: "Why is the sky blue?",
          dimensions: 10,
          user: "u",
          metadata: { a: 1 },
          encoding_format: "float",
          truncate: false,
        },
        idle(),
      );
      const [sent] = upstream.requests;
      expect(sent.path).toBe("/api/embed");
      expect(sent.body).toEqual({
        model: "all-minilm",
        input: "Why is the sky blue?",
        dimensions: 10,
        truncate: false,
      });
      expect(response).toMatchObject({
        object: "list",
        model: "all-minilm",
        usage: { prompt_tokens: 8, total_tokens: 8 },
      });
      expect(response.data[0].embedding).toHaveLength(10);
    });

    it("rejects token arrays and base64 encoding before sending", async () => {
      expect(
        await failureOf(adapter.embed!({ model: "all-minilm", input: [1, 2, 3] }, idle())),
      ).toMatchObject({ code: "BAD_REQUEST", param: "input" });
      expect(
        await failureOf(adapter.embed!({ model: "all-minilm", input: [[1, 2]] }, idle())),
      ).toMatchObject({ code: "BAD_REQUEST", param: "input" });
      expect(
        await failureOf(
          adapter.embed!({ model: "all-minilm", input: "x", encoding_format: "base64" }, idle()),
        ),
      ).toMatchObject({ code: "BAD_REQUEST", param: "encoding_format" });
      expect(upstream.requests).toHaveLength(0);
    });

    it("a vector count that does not match the inputs is an invalid response", async () => {
      upstream.enqueue(jsonReply(200, readOllamaFixture("embed.json")));
      expect(
        await failureOf(adapter.embed!({ model: "all-minilm", input: ["a", "b"] }, idle())),
      ).toMatchObject({ kind: "invalid-response", isRetryable: false });
    });
  });
});
