import { MockAgent } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAwsRequestSigner } from "../../server/gateway/aws-sigv4.ts";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createSageMakerAdapter } from "../../server/gateway/providers/sagemaker/sagemaker-adapter.ts";
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
  createTestSageMakerAdapter,
  errorFrame,
  eventStreamReply,
  exceptionFrame,
  payloadPartFrame,
  readSageMakerFixture,
  readSageMakerFixtureText,
  sageMakerCredentials,
  sageMakerEndpoint,
  sageMakerErrorReply,
  sageMakerWire,
  sseOverEventStream,
} from "./wires/sagemaker-wire.ts";

runChatContract(sageMakerWire);

const hello: ChatRequest = {
  model: sageMakerEndpoint,
  messages: [{ role: "user", content: "Say hello" }],
};
const fixedNow = () => new Date("2025-03-01T12:34:56Z");
/** The stream fixture's bytes, without its comment line. */
const streamFixture = readSageMakerFixtureText("stream.sse").replace(/^#.*\n/, "");
const chunk = (
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  extra: Record<string, unknown> = {},
) => ({
  object: "chat.completion.chunk",
  id: "",
  created: 1741265133,
  model: "meta-llama/Llama-3.1-8B-Instruct",
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  usage: null,
  ...extra,
});

describe("sagemaker specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: ReturnType<typeof createUpstreamDispatcher>;
  let adapter: ProviderAdapter;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = createTestSageMakerAdapter(upstream.origin, dispatcher, fixedNow);
  });
  afterAll(async () => {
    await dispatcher?.close();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  const answerText = () =>
    upstream.enqueue(
      sageMakerWire.text({
        pieces: ['{"summary":', ' "sunny"}'],
        usage: { input: 5, output: 4 },
        stream: false,
      }),
    );

  describe("the request sent upstream", () => {
    it("sends richRequest (OpenAI's body made acceptable to TGI, metadata dropped) to /endpoints/{name}/invocations, SigV4-signed", async () => {
      answerText();
      await adapter.chat(richRequest, idle());
      const [sent] = upstream.requests;
      expect(sent.path).toBe("/endpoints/gpt-4o-mini/invocations");
      expect(sent.headers).toMatchObject({
        "content-type": "application/json",
        accept: "application/json",
        "x-amz-date": "20250301T123456Z",
        host: upstream.origin.replace("http://", ""),
      });
      expect(sent.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKID[^/]*\/\d{8}\/us-east-1\/sagemaker\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
      );
      expect(sent.headers.authorization).toContain(
        "Credential=AKIDSAGEMAKERTEST/20250301/us-east-1/sagemaker/aws4_request",
      );
      expect(sent.headers.authorization).toContain(
        "SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date",
      );
      expect(sent.headers["x-amz-security-token"]).toBeUndefined();
      expect(sent.body).toMatchInlineSnapshot(`
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
          "model": "gpt-4o-mini",
          "parallel_tool_calls": false,
          "response_format": {
            "json_schema": {
              "name": "answer",
              "schema": {
                "properties": {
                  "summary": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
            "type": "json_schema",
            "value": {
              "name": "answer",
              "schema": {
                "properties": {
                  "summary": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
          },
          "seed": 7,
          "stop": [
            "END",
          ],
          "temperature": 0.2,
          "tool_choice": "auto",
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
                "strict": true,
              },
              "type": "function",
            },
          ],
          "top_p": 0.9,
          "user": "user-1",
        }
      `);
    });

    it("signs the exact bytes it sends (the signature recomputes from the recorded request)", async () => {
      answerText();
      await adapter.chat(richRequest, idle());
      const [sent] = upstream.requests;
      const signer = createAwsRequestSigner({
        region: "us-east-1",
        service: "sagemaker",
        credentials: sageMakerCredentials,
        now: fixedNow,
      });
      const url = new URL(sent.path, upstream.origin);
      const expected = await signer({
        url,
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: sent.rawBody,
      });
      expect(sent.headers.authorization).toBe(expected.authorization);
    });

    it("sends a session token as x-amz-security-token, signed", async () => {
      const withToken = createSageMakerAdapter({
        region: "us-east-1",
        ...sageMakerCredentials,
        sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN",
        apiBase: upstream.origin,
        dispatcher,
      });
      answerText();
      await withToken.chat(hello, idle());
      const [sent] = upstream.requests;
      expect(sent.headers["x-amz-security-token"]).toBe("FwoGZXIvYXdzEXAMPLETOKEN");
      expect(sent.headers.authorization).toMatch(/SignedHeaders=[a-z0-9;-]*x-amz-security-token/);
    });

    it("streams from /invocations-response-stream with stream, include_usage (merged) and the SSE accept header", async () => {
      upstream.enqueue(
        sageMakerWire.text({ pieces: ["Hi"], usage: { input: 1, output: 1 }, stream: true }),
      );
      await drain(
        adapter.chatStream(
          {
            ...hello,
            stream: false,
            stream_options: { continuous_usage_stats: false },
            metadata: { trace: "t" },
          },
          idle(),
        ),
      );
      const [sent] = upstream.requests;
      expect(sent.path).toBe(`/endpoints/${sageMakerEndpoint}/invocations-response-stream`);
      expect(sent.headers["x-amzn-sagemaker-accept"]).toBe("text/event-stream");
      expect(sent.headers.authorization).toContain(
        "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amzn-sagemaker-accept",
      );
      expect(sent.body).toEqual({
        ...hello,
        stream: true,
        stream_options: { continuous_usage_stats: false, include_usage: true },
      });
    });

    it("drops stream and stream_options from a non-stream call", async () => {
      answerText();
      await adapter.chat(
        { ...hello, stream: true, stream_options: { include_usage: true } },
        idle(),
      );
      expect(upstream.requests[0].body).toEqual(hello);
    });

    it("passes image parts through as given (data: and https URLs) for vision containers", async () => {
      const content = [
        { type: "text", text: "Compare these" },
        {
          type: "image_url",
          image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "low" },
        },
        { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
      ];
      answerText();
      await adapter.chat({ ...hello, messages: [{ role: "user", content }] }, idle());
      expect(upstream.requests[0].body.messages).toEqual([{ role: "user", content }]);
    });

    it("structured output: response_format reaches the container and its JSON comes back as the content", async () => {
      const responseFormat = {
        type: "json_schema",
        json_schema: {
          name: "answer",
          schema: {
            type: "object",
            properties: { summary: { type: "string" } },
            required: ["summary"],
          },
        },
      };
      answerText();
      const response = await adapter.chat({ ...hello, response_format: responseFormat }, idle());
      // OpenAI's fields for vLLM, TGI's `value` beside them.
      expect(upstream.requests[0].body.response_format).toEqual({
        ...responseFormat,
        value: { name: "answer", schema: responseFormat.json_schema.schema },
      });
      expect(JSON.parse(response.choices[0].message.content!)).toEqual({ summary: "sunny" });
      expect(response.choices[0].finish_reason).toBe("stop");
    });

    it("makes OpenAI's body acceptable to TGI: stop list, max_tokens, response_format value or none, no logit_bias", async () => {
      const send = async (extra: Partial<ChatRequest>) => {
        answerText();
        await adapter.chat({ ...hello, ...extra }, idle());
        return upstream.requests.at(-1)!.body;
      };
      expect(
        await send({
          stop: "END",
          max_tokens: 50,
          logit_bias: { "50256": -100 },
          response_format: { type: "text" },
        }),
      ).toEqual({ ...hello, stop: ["END"], max_tokens: 50 });
      expect(
        await send({
          max_tokens: 50,
          max_completion_tokens: 70,
          response_format: { type: "json_object" },
        }),
      ).toEqual({
        ...hello,
        max_tokens: 70,
        response_format: { type: "json_object", value: { type: "object" } },
      });
      const history: ChatRequest["messages"] = [
        { role: "developer", content: "Be brief." },
        { role: "user", content: "Weather?" },
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ];
      expect((await send({ messages: history })).messages).toEqual([
        { role: "system", content: "Be brief." },
        history[1],
        { ...history[2], content: null },
        history[3],
      ]);
      const tgiGrammar = { type: "regex", value: "(yes|no)" };
      expect((await send({ response_format: tgiGrammar })).response_format).toEqual(tgiGrammar);
      expect(
        await failureOf(
          adapter.chat(
            { ...hello, response_format: { type: "json_schema", json_schema: { name: "x" } } },
            idle(),
          ),
        ),
      ).toMatchObject({ code: "BAD_REQUEST", param: "response_format" });
    });

    it.each([
      [{ n: 2 }, "n", "sagemaker does not support n > 1"],
      [
        { audio: { voice: "alloy", format: "wav" } },
        "audio",
        "sagemaker does not support audio output",
      ],
      [
        { modalities: ["text", "audio"] },
        "modalities",
        'sagemaker does not support the modalities ["text","audio"]',
      ],
    ])("rejects %j before sending anything", async (extra, param, message) => {
      for (const call of [
        () => adapter.chat({ ...hello, ...extra }, idle()),
        async () =>
          drain(adapter.chatStream({ ...hello, ...extra }, idle())).then(({ error }) =>
            Promise.reject(error),
          ),
      ]) {
        const error = await failureOf(call);
        expect(error).toBeInstanceOf(GatewayError);
        expect(error).toMatchObject({ code: "BAD_REQUEST", param, status: 400 });
        expect(error.message).toContain(message);
      }
      expect(upstream.requests).toHaveLength(0);
    });

    it("encodes the endpoint name into the path and defaults apiBase to the region's runtime host", async () => {
      const agent = new MockAgent();
      agent.disableNetConnect();
      agent
        .get("https://runtime.sagemaker.eu-west-1.amazonaws.com")
        .intercept({ path: "/endpoints/my-endpoint%2Fv2/invocations", method: "POST" })
        .reply(200, readSageMakerFixture("chat-completion.json"), {
          headers: { "content-type": "application/json" },
        });
      try {
        const regional = createSageMakerAdapter({
          region: "eu-west-1",
          ...sageMakerCredentials,
          dispatcher: agent,
        });
        const response = await regional.chat({ ...hello, model: "my-endpoint/v2" }, idle());
        expect(response.choices[0].message.content).toBe("OK!");
        agent.assertNoPendingInterceptors();
      } finally {
        await agent.close();
      }
    });
  });

  describe("configuration", () => {
    it("the factory names what is missing: region, credentials", () => {
      expect(() => createSageMakerAdapter({ ...sageMakerCredentials })).toThrow(/needs a region/);
      expect(() => createSageMakerAdapter({ region: "us-east-1", accessKeyId: "AKIDX" })).toThrow(
        /needs AWS credentials: set accessKeyId and secretAccessKey/,
      );
      expect(() =>
        createProviderAdapter({ provider: "sagemaker", region: "us-east-1" }, { dispatcher }),
      ).toThrow(/needs AWS credentials/);
    });

    it("the registry builds it from the model entry's settings", async () => {
      const fromRegistry = createProviderAdapter(
        {
          provider: "sagemaker",
          apiBase: upstream.origin,
          region: "us-west-2",
          ...sageMakerCredentials,
        },
        { dispatcher },
      );
      expect(fromRegistry.provider).toBe("sagemaker");
      answerText();
      await fromRegistry.chat(hello, idle());
      expect(upstream.requests[0].headers.authorization).toContain(
        "/us-west-2/sagemaker/aws4_request",
      );
    });
  });

  describe("answers", () => {
    it("completes TGI's chat.completion: an id for its empty one, the rest as sent", async () => {
      const fixture = readSageMakerFixture("chat-completion.json");
      upstream.enqueue(jsonReply(200, fixture));
      const response = await adapter.chat(hello, idle());
      expect(response.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
      expect(response).toEqual({ ...fixture, id: response.id });
    });

    it('TGI\'s tool call (finish_reason stop, id "0") comes back with finish_reason tool_calls and its id', async () => {
      upstream.enqueue(jsonReply(200, readSageMakerFixture("chat-completion-tool-calls.json")));
      const response = await adapter.chat(hello, idle());
      expect(response.choices[0]).toMatchObject({
        finish_reason: "tool_calls",
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "0",
              type: "function",
              function: {
                name: "get_current_weather",
                arguments: '{"location":"Brooklyn, NY","format":"fahrenheit"}',
              },
            },
          ],
        },
      });
      expect(response.usage).toEqual({
        prompt_tokens: 501,
        completion_tokens: 29,
        total_tokens: 530,
      });
    });

    it("older TGI's object arguments become JSON text; a missing id and missing usage are filled in (usage estimated)", async () => {
      const message = {
        role: "assistant",
        content: null,
        tool_calls: [
          { type: "function", function: { name: "get_weather", arguments: { city: "Oslo" } } },
        ],
      };
      upstream.enqueue(
        jsonReply(200, {
          object: "chat.completion",
          id: "",
          created: 1,
          model: "tgi",
          choices: [{ index: 0, message, finish_reason: "eos_token" }],
        }),
      );
      const response = await adapter.chat(hello, idle());
      const [call] = response.choices[0].message.tool_calls!;
      expect(call).toMatchObject({
        id: expect.stringMatching(/^call_[0-9a-f]{24}$/),
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Oslo"}' },
      });
      expect(response.choices[0].finish_reason).toBe("tool_calls");
      // "Say hello" is 3 tokens + 3 framing + 3 reply priming; the answer's name and arguments 26 characters.
      expect(response.usage).toEqual({ prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 });
    });

    it("an error body on 200 is the container's error, not garbage", async () => {
      upstream.enqueue(jsonReply(200, { error: "Model is overloaded", error_type: "overloaded" }));
      expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
        kind: "http",
        upstreamStatus: 429,
        isRetryable: true,
        upstreamCode: "overloaded",
      });
    });
  });

  describe("streams", () => {
    const frameSplits: Array<[string, (bytes: Buffer) => ScriptedReply]> = [
      [
        "one PayloadPart per 7 bytes (SSE frames and UTF-8 characters split across parts)",
        (bytes) => eventStreamReply(slices(bytes, 7).map(payloadPartFrame)),
      ],
      [
        "several PayloadParts in one write and one PayloadPart split over writes",
        (bytes) => {
          const frames = Buffer.concat(slices(bytes, 50).map(payloadPartFrame));
          return {
            ...eventStreamReply([]),
            frames: [frames.subarray(0, 3), frames.subarray(3, 200), frames.subarray(200)],
          };
        },
      ],
    ];
    it.each(frameSplits)(
      "joins the container's SSE bytes however they are cut: %s",
      async (_title, reply) => {
        upstream.enqueue(reply(Buffer.from(streamFixture)));
        const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
        expect(error).toBeUndefined();
        expect(textOf(chunks)).toBe("Grüße aus Köln 👋");
        expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
        expect(chunks.at(-2)!.choices).toEqual([{ index: 0, delta: {}, finish_reason: "stop" }]);
        expect(chunks.at(-1)).toMatchObject({
          choices: [],
          usage: { prompt_tokens: 39, completion_tokens: 6, total_tokens: 45 },
        });
        const [{ id }] = chunks;
        expect(id).toMatch(/^chatcmpl-/);
        expect(
          chunks.every(
            (each) =>
              each.id === id &&
              each.model === "meta-llama/Llama-3.1-8B-Instruct" &&
              each.created === 1741265133,
          ),
        ).toBe(true);
      },
    );

    it("usage inside the finish chunk (older TGI) still ends up in one final usage chunk; no [DONE] is fine", async () => {
      upstream.enqueue(
        sseOverEventStream([
          chunk({ role: "assistant", content: "Hi" }),
          chunk({ role: "assistant", content: "" }, "length", {
            usage: { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 },
          }),
        ]),
      );
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toBeUndefined();
      expect(
        chunks.map((each) => [each.choices[0]?.delta, each.choices[0]?.finish_reason, each.usage]),
      ).toEqual([
        [{ role: "assistant", content: "" }, null, undefined],
        [{ content: "Hi" }, null, undefined],
        [{}, "length", undefined],
        [undefined, undefined, { prompt_tokens: 4, completion_tokens: 1, total_tokens: 5 }],
      ]);
    });

    it("a container that reports no usage gets an estimate, so the usage chunk is always there", async () => {
      upstream.enqueue(
        sseOverEventStream([
          chunk({ role: "assistant", content: "Hello there, friend" }),
          chunk({ role: "assistant", content: "" }, "eos_token"),
          "[DONE]",
        ]),
      );
      const { chunks } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks.at(-2)!.choices[0].finish_reason).toBe("stop");
      expect(chunks.at(-1)!.usage).toEqual({
        prompt_tokens: 9,
        completion_tokens: 5,
        total_tokens: 14,
      });
    });

    it.each([
      [
        "InternalStreamFailure",
        {
          Message:
            "The stream processing failed because of an unknown error, exception or failure. Try your request again.",
        },
        500,
      ],
      [
        "ModelStreamError",
        {
          Message:
            "The model failed to finish sending the response within the timeout period allowed by Amazon SageMaker AI.",
          ErrorCode: "ModelInvocationTimeExceeded",
        },
        504,
      ],
      [
        "ModelStreamError",
        {
          Message: "The TCP connection between the client and the model was reset or closed.",
          ErrorCode: "StreamBroken",
        },
        502,
      ],
    ])(
      "an exception frame %s is a retryable UpstreamError after the chunks already yielded",
      async (type, payload, status) => {
        const answer = sseOverEventStream([chunk({ role: "assistant", content: "Hi" })]);
        upstream.enqueue({
          ...answer,
          frames: [...(answer.frames as Uint8Array[]), exceptionFrame(type, payload)],
        });
        const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
        expect(textOf(chunks)).toBe("Hi");
        expect(error).toBeInstanceOf(UpstreamError);
        expect(error).toMatchObject({
          provider: "sagemaker",
          kind: "http",
          upstreamStatus: status,
          upstreamCode: type,
          isRetryable: true,
          status: 502,
        });
        expect(error.message).toContain(payload.Message);
      },
    );

    it("a service error frame (:message-type error) is an UpstreamError with its code and message", async () => {
      const answer = sseOverEventStream([chunk({ role: "assistant", content: "Hi" })]);
      upstream.enqueue({
        ...answer,
        frames: [
          ...(answer.frames as Uint8Array[]),
          errorFrame("InternalFailure", "An internal failure occurred."),
        ],
      });
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(textOf(chunks)).toBe("Hi");
      expect(error).toMatchObject({
        kind: "http",
        upstreamStatus: 500,
        upstreamCode: "InternalFailure",
        isRetryable: true,
        message: "sagemaker reported InternalFailure in the stream: An internal failure occurred.",
      });
    });

    it("the container's own error events: TGI's overloaded is a retryable 429, its context-length refusal (422) a context-length error, 400 to the caller", async () => {
      upstream.enqueue(
        sseOverEventStream([
          chunk({ role: "assistant", content: "Hi" }),
          { error: "Model is overloaded", error_type: "overloaded" },
        ]),
      );
      expect((await drain(adapter.chatStream(hello, idle()))).error).toMatchObject({
        kind: "http",
        upstreamStatus: 429,
        isRetryable: true,
        upstreamCode: "overloaded",
      });
      const refusal = {
        error: "Input validation error: `inputs` must have less than 4095 tokens. Given: 5000",
        error_type: "validation",
      };
      upstream.enqueue(sseOverEventStream([refusal]));
      const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
      expect(chunks).toEqual([]);
      expect(error).toMatchObject({
        upstreamStatus: 422,
        isRetryable: false,
        isContextLengthExceeded: true,
        status: 400,
      });
      // Current TGI writes mid-stream failures as {error: {message, http_status_code}} (router/src/infer/mod.rs into_openai_event).
      upstream.enqueue(
        sseOverEventStream([
          chunk({ role: "assistant", content: "Hi" }),
          {
            error: {
              message: "Request failed during generation: CUDA out of memory",
              http_status_code: 422,
            },
          },
        ]),
      );
      const generation = await drain(adapter.chatStream(hello, idle()));
      expect(textOf(generation.chunks)).toBe("Hi");
      expect(generation.error).toMatchObject({
        upstreamStatus: 422,
        isRetryable: false,
        message:
          "sagemaker reported an error from the container: Request failed during generation: CUDA out of memory",
      });
      upstream.enqueue(
        sseOverEventStream([
          {
            error: {
              message: "The server had an error while processing your request.",
              type: "InternalServerError",
              code: 500,
            },
          },
        ]),
      );
      expect((await drain(adapter.chatStream(hello, idle()))).error).toMatchObject({
        upstreamStatus: 500,
        isRetryable: true,
      });
    });

    it("broken event-stream framing is an invalid response, not a connection failure", async () => {
      const frame = Buffer.from(
        payloadPartFrame(`data: ${JSON.stringify(chunk({ content: "Hi" }))}\n\n`),
      );
      frame[frame.length - 1] ^= 0xff;
      upstream.enqueue(eventStreamReply([frame]));
      expect((await drain(adapter.chatStream(hello, idle()))).error).toMatchObject({
        kind: "invalid-response",
        isRetryable: false,
      });
      upstream.enqueue(eventStreamReply([frame.subarray(0, 20)]));
      const { error } = await drain(adapter.chatStream(hello, idle()));
      expect(error).toMatchObject({ kind: "invalid-response" });
      expect(error.message).toContain("ended inside a frame");
    });

    it("a container that ignored `stream` (one JSON answer, no SSE) is an invalid response", async () => {
      upstream.enqueue(
        eventStreamReply([
          payloadPartFrame(JSON.stringify(readSageMakerFixture("chat-completion.json"))),
        ]),
      );
      expect((await drain(adapter.chatStream(hello, idle()))).error).toMatchObject({
        kind: "invalid-response",
        message: expect.stringContaining("without sending any chat chunk"),
      });
    });
  });

  describe("errors", () => {
    const failChat = (reply: ScriptedReply) => {
      upstream.enqueue(reply);
      return failureOf(adapter.chat(hello, idle()));
    };

    it("ThrottlingException arrives as HTTP 400 with a null message and is still a retryable 429", async () => {
      const error = await failChat(sageMakerErrorReply("error-throttling.json"));
      expect(error).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "ThrottlingException",
        isRetryable: true,
        status: 429,
      });
      expect(error.message).toBe("sagemaker answered HTTP 400: ThrottlingException: (no message)");
    });

    it("ModelNotReadyException is a retryable 429", async () => {
      expect(await failChat(sageMakerErrorReply("error-model-not-ready.json"))).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "ModelNotReadyException",
        isRetryable: true,
      });
    });

    it("ModelError carries the container's status and message: TGI's overloaded 429 is retried", async () => {
      const error = await failChat(sageMakerErrorReply("error-model-error-overloaded.json"));
      expect(error).toMatchObject({
        upstreamStatus: 429,
        upstreamCode: "ModelError",
        isRetryable: true,
        isContextLengthExceeded: false,
        status: 429,
      });
      expect(error.message).toBe(
        "sagemaker answered HTTP 424: ModelError: the container answered 429: Model is overloaded",
      );
    });

    it("ModelError with TGI's context-window refusal (422) is a context-length error, not retried, 400 to the caller", async () => {
      const error = await failChat(sageMakerErrorReply("error-model-error-context-length.json"));
      expect(error).toMatchObject({
        upstreamStatus: 422,
        isRetryable: false,
        isContextLengthExceeded: true,
        status: 400,
      });
      expect(error.message).toContain("`inputs` tokens + `max_new_tokens` must be <= 4096");
      expect(error.message).not.toContain("123456789012");
    });

    it("ModelError with a vLLM (OpenAI-shaped) context-length body, and a container 500, and a non-JSON container body", async () => {
      const modelError = (status: number, originalMessage: string) =>
        jsonReply(
          424,
          {
            ErrorCode: status >= 500 ? "SERVER_ERROR_FROM_MODEL" : "CLIENT_ERROR_FROM_MODEL",
            Message: `Received error (${status}) from primary`,
            OriginalStatusCode: status,
            OriginalMessage: originalMessage,
          },
          { "x-amzn-errortype": "ModelError" },
        );
      const vllm = {
        object: "error",
        message:
          "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens in the messages.",
        type: "BadRequestError",
        param: null,
        code: 400,
      };
      expect(await failChat(modelError(400, JSON.stringify(vllm)))).toMatchObject({
        upstreamStatus: 400,
        isContextLengthExceeded: true,
        isRetryable: false,
      });
      const openAIShaped = {
        error: {
          message: "This model's maximum context length is 8192 tokens.",
          type: "BadRequestError",
          code: 400,
        },
      };
      expect(await failChat(modelError(400, JSON.stringify(openAIShaped)))).toMatchObject({
        upstreamStatus: 400,
        isContextLengthExceeded: true,
      });
      const crashed = await failChat(modelError(500, "<html>Internal Server Error</html>"));
      expect(crashed).toMatchObject({
        upstreamStatus: 500,
        isRetryable: true,
        isContextLengthExceeded: false,
        status: 502,
      });
      expect(crashed.message).toContain(
        "the container answered 500: <html>Internal Server Error</html>",
      );
    });

    it("InternalDependencyException (530) is retryable; AccessDeniedException (403) is not", async () => {
      expect(
        await failChat(
          jsonReply(
            530,
            { Message: "Your request caused an exception with an internal dependency." },
            { "x-amzn-errortype": "InternalDependencyException" },
          ),
        ),
      ).toMatchObject({
        upstreamStatus: 530,
        isRetryable: true,
        upstreamCode: "InternalDependencyException",
      });
      expect(
        await failChat(
          jsonReply(
            403,
            { message: "User is not authorized to perform: sagemaker:InvokeEndpoint" },
            { "x-amzn-errortype": "AccessDeniedException" },
          ),
        ),
      ).toMatchObject({
        upstreamStatus: 403,
        isRetryable: false,
        status: 502,
      });
    });

    it("the error type is read from __type when the header is missing, and secrets are redacted", async () => {
      const echo = `The security token ${sageMakerCredentials.secretAccessKey} is invalid.`;
      const error = await failChat(
        jsonReply(403, {
          __type: "com.amazon.coral.service#UnrecognizedClientException",
          message: echo,
        }),
      );
      expect(error).toMatchObject({
        upstreamCode: "UnrecognizedClientException",
        upstreamStatus: 403,
      });
      expect(error.message).not.toContain(sageMakerCredentials.secretAccessKey);
      expect(error.message).toContain("[redacted]");
    });
  });
});

function slices(bytes: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += size)
    parts.push(bytes.subarray(start, start + size));
  return parts;
}
