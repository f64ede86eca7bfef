import type { Dispatcher } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { createAzureAdapter } from "../../server/gateway/providers/azure/azure-adapter.ts";
import { acceptsMaxCompletionTokens } from "../../server/gateway/providers/azure/convert-to-azure-request.ts";
import { createProviderAdapter } from "../../server/gateway/providers/registry.ts";
import {
  type ChatRequest,
  providerChunkText,
  type ProviderAdapter,
} from "../../server/gateway/spec.ts";
import {
  jsonReply,
  type ScriptedUpstream,
  startScriptedUpstream,
} from "../support/scripted-upstream.ts";
import { richRequest, runChatContract } from "./chat-contract.ts";
import { drain, failureOf, idle } from "./contract-helpers.ts";
import {
  azureApiKey,
  azureDeployment,
  azureWire,
  readAzureFixture,
  readAzureFixtureText,
} from "./wires/azure-wire.ts";

runChatContract(azureWire);

describe("azure specifics", () => {
  let upstream: ScriptedUpstream;
  let dispatcher: Dispatcher;
  let adapter: ProviderAdapter;
  const hello: ChatRequest = {
    model: azureDeployment,
    messages: [{ role: "user", content: "Say hello" }],
  };
  const shortAnswer = (stream = false) =>
    azureWire.text({ pieces: ["Hi"], usage: { input: 3, output: 1 }, stream });

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    dispatcher = createUpstreamDispatcher();
    adapter = azureWire.createAdapter(upstream, { dispatcher });
  });
  afterAll(async () => {
    await dispatcher?.close();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  it("sends the rich request as OpenAI's body to the deployment URL: developer as system, max_completion_tokens as max_tokens, no metadata", async () => {
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...richRequest, model: azureDeployment }, idle());
    const [sent] = upstream.requests;
    expect(sent.path).toBe(
      "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
    );
    expect(sent.headers).toMatchObject({
      "api-key": azureApiKey,
      "content-type": "application/json",
      accept: "application/json",
    });
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchInlineSnapshot(`
      {
        "logit_bias": {
          "50256": -100,
        },
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
        "model": "gpt-4o-prod",
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

  it("authenticates with an Entra ID token as a bearer token, honours apiVersion and a trailing slash on apiBase", async () => {
    const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra-test-token";
    const withToken = createAzureAdapter({
      apiBase: `${upstream.origin}/`,
      azureAdToken: token,
      apiVersion: "2025-04-01-preview",
      dispatcher,
    });
    upstream.enqueue(shortAnswer());
    await withToken.chat(
      {
        ...hello,
        messages: [{ role: "developer", content: "Be brief." }, ...hello.messages],
        max_completion_tokens: 50,
      },
      idle(),
    );
    const [sent] = upstream.requests;
    expect(sent.path).toBe(
      "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2025-04-01-preview",
    );
    expect(sent.headers.authorization).toBe(`Bearer ${token}`);
    expect(sent.headers["api-key"]).toBeUndefined();
    // A newer api-version knows max_completion_tokens; developer still goes as system.
    expect(sent.body).toMatchObject({
      max_completion_tokens: 50,
      messages: [{ role: "system", content: "Be brief." }, { role: "user" }],
    });
    expect(sent.body.max_tokens).toBeUndefined();
  });

  it("is built from a model entry by the registry: apiVersion and azureAdToken from the settings, an empty apiVersion meaning the default", async () => {
    const fromEntry = createProviderAdapter(
      {
        provider: "azure",
        apiBase: upstream.origin,
        apiKey: azureApiKey,
        azureAdToken: "entra-token-from-config",
        apiVersion: "2024-12-01-preview",
      },
      { dispatcher },
    );
    const withEmptyVersion = createProviderAdapter(
      { provider: "azure", apiBase: upstream.origin, apiKey: azureApiKey, apiVersion: "" },
      { dispatcher },
    );
    upstream.enqueue(shortAnswer());
    upstream.enqueue(shortAnswer());
    await fromEntry.chat(hello, idle());
    await withEmptyVersion.chat(hello, idle());
    expect(fromEntry.provider).toBe("azure");
    expect(
      upstream.requests.map((sent) => [
        sent.path,
        sent.headers.authorization ?? sent.headers["api-key"],
      ]),
    ).toEqual([
      [
        "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-12-01-preview",
        "Bearer entra-token-from-config",
      ],
      ["/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21", azureApiKey],
    ]);
  });

  it("knows which api-versions accept max_completion_tokens", () => {
    const table = [
      "2024-06-01",
      "2024-08-01-preview",
      "2024-09-01-preview",
      "2024-10-21",
      "2024-12-01-preview",
      "2025-04-01-preview",
      "v1",
      "preview",
    ];
    expect(
      Object.fromEntries(table.map((version) => [version, acceptsMaxCompletionTokens(version)])),
    ).toEqual({
      "2024-06-01": false,
      "2024-08-01-preview": false,
      "2024-09-01-preview": true,
      "2024-10-21": false,
      "2024-12-01-preview": true,
      "2025-04-01-preview": true,
      v1: true,
      preview: true,
    });
  });

  it("puts each request's model (the deployment name) into the URL, encoded", async () => {
    upstream.enqueue(shortAnswer());
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...hello, model: "team a/gpt-4o" }, idle());
    await adapter.chat({ ...hello, model: "gpt-4o-mini-eu" }, idle());
    expect(upstream.requests.map((sent) => sent.path)).toEqual([
      "/openai/deployments/team%20a%2Fgpt-4o/chat/completions?api-version=2024-10-21",
      "/openai/deployments/gpt-4o-mini-eu/chat/completions?api-version=2024-10-21",
    ]);
  });

  it("refuses to start without an apiBase or without credentials, naming the field", () => {
    expect(() => createAzureAdapter({ apiBase: "", apiKey: azureApiKey })).toThrow(
      /needs an apiBase.*https:\/\/<resource>\.openai\.azure\.com/,
    );
    expect(() => createAzureAdapter({ apiBase: "https://example.openai.azure.com" })).toThrow(
      /needs an apiKey .* or an azureAdToken/,
    );
  });

  it("passes Azure's documented answer through unchanged, content-filter annotations included", async () => {
    const fixture = readAzureFixture("chat-completion.json");
    upstream.enqueue(jsonReply(200, fixture));
    expect(await adapter.chat(hello, idle())).toEqual(fixture);
  });

  it("folds the stream's opening prompt-annotation chunk into the first real chunk", async () => {
    const text = readAzureFixtureText("stream.sse");
    upstream.enqueue({
      status: 200,
      headers: { "content-type": "text/event-stream" },
      frames: [text],
    });
    const { chunks, error } = await drain(adapter.chatStream(hello, idle()));
    expect(error).toBeUndefined();
    const texts = [...text.matchAll(/^data: (\{.*\})$/gm)].map((match) => match[1]);
    const [annotation, ...rest] = texts.map((json) => JSON.parse(json));
    expect(chunks).toEqual([
      { ...rest[0], prompt_filter_results: annotation.prompt_filter_results },
      ...rest.slice(1),
    ]);
    // The folded chunk is sent serialised (its text lacks the annotation); the others as Azure
    // sent them.
    expect(chunks.map((chunk) => chunk[providerChunkText])).toEqual([undefined, ...texts.slice(2)]);
    expect(new Set(chunks.map((chunk) => chunk.id))).toEqual(
      new Set(["chatcmpl-CECImr5TLfMFiZN3FUlfVdBLr51Fs"]),
    );
    expect(chunks.at(-1)!.usage).toMatchObject({
      prompt_tokens: 14,
      completion_tokens: 8,
      total_tokens: 22,
    });
  });

  it("a prompt rejected by the content filter keeps upstreamCode content_filter and is a 400, not retried", async () => {
    upstream.enqueue(jsonReply(400, readAzureFixture("error-content-filter.json")));
    const error = await failureOf(adapter.chat(hello, idle()));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      provider: "azure",
      kind: "http",
      upstreamStatus: 400,
      upstreamCode: "content_filter",
      status: 400,
      isRetryable: false,
      isContextLengthExceeded: false,
    });
    expect(error.message).toContain(
      "azure answered HTTP 400: The response was filtered due to the prompt triggering Azure OpenAI's content management policy",
    );
  });

  it("a completion stopped by the content filter ends with finish_reason content_filter", async () => {
    upstream.enqueue(
      azureWire.text({
        pieces: ["Part of"],
        usage: { input: 3, output: 2 },
        finishReason: "content_filter",
        stream: true,
      }),
    );
    const { chunks } = await drain(adapter.chatStream(hello, idle()));
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe(
      "content_filter",
    );
  });

  it("reads retry-after-ms (millisecond precision) before retry-after", async () => {
    upstream.enqueue(
      jsonReply(429, readAzureFixture("error-429.json"), {
        "retry-after": "2",
        "retry-after-ms": "1500",
      }),
    );
    expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
      upstreamStatus: 429,
      upstreamCode: "429",
      retryAfterMs: 1500,
      isRetryable: true,
    });
  });

  it("an unknown deployment is a 404 with Azure's code, not retried", async () => {
    upstream.enqueue(jsonReply(404, readAzureFixture("error-deployment-not-found.json")));
    expect(await failureOf(adapter.chat(hello, idle()))).toMatchObject({
      upstreamStatus: 404,
      upstreamCode: "DeploymentNotFound",
      status: 404,
      isRetryable: false,
    });
  });

  it("masks the api-key should Azure echo it in an error (JSON and stream)", async () => {
    const echoed = {
      error: {
        code: "401",
        message: `Access denied: key ${azureApiKey} is not valid for this resource.`,
      },
    };
    upstream.enqueue(jsonReply(401, echoed));
    const error = await failureOf(adapter.chat(hello, idle()));
    expect(error.message).toBe(
      "azure answered HTTP 401: Access denied: key [redacted] is not valid for this resource.",
    );
    expect(error).toMatchObject({ upstreamStatus: 401, status: 502, isRetryable: false });
    upstream.enqueue(jsonReply(401, echoed));
    expect((await drain(adapter.chatStream(hello, idle()))).error.message).not.toContain(
      azureApiKey,
    );
  });

  it("sends embeddings to the deployment's embeddings URL without the gateway's metadata", async () => {
    upstream.enqueue(
      azureWire.embeddings!.reply({
        body: { input: ["a", "b"], model: "embeddings-small" },
      } as never),
    );
    const response = await adapter.embed!(
      { model: "embeddings-small", input: ["a", "b"], dimensions: 256, metadata: { trace: "x" } },
      idle(),
    );
    expect(response.data).toHaveLength(2);
    const [sent] = upstream.requests;
    expect(sent.path).toBe(
      "/openai/deployments/embeddings-small/embeddings?api-version=2024-10-21",
    );
    expect(sent.headers["api-key"]).toBe(azureApiKey);
    expect(sent.body).toEqual({ model: "embeddings-small", input: ["a", "b"], dimensions: 256 });
  });

  it("passes image parts through: data: URLs and http(s) URLs alike", async () => {
    const content = [
      { type: "text", text: "Compare these." },
      { type: "image_url", image_url: { url: "https://example.com/cat.png", detail: "high" } },
      { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQSkZJRg==" } },
    ];
    upstream.enqueue(shortAnswer());
    await adapter.chat({ ...hello, messages: [{ role: "user", content }] }, idle());
    expect(upstream.requests[0].body.messages).toEqual([{ role: "user", content }]);
  });

  it("structured output is Azure's native json_schema: sent as is, the JSON comes back as the content", async () => {
    const responseFormat = {
      type: "json_schema",
      json_schema: {
        name: "city",
        strict: true,
        schema: {
          type: "object",
          properties: { city: { type: "string" } },
          required: ["city"],
          additionalProperties: false,
        },
      },
    };
    upstream.enqueue(
      azureWire.text({
        pieces: ['{"city":', '"Oslo"}'],
        usage: { input: 20, output: 5 },
        stream: false,
      }),
    );
    const response = await adapter.chat({ ...hello, response_format: responseFormat }, idle());
    expect(upstream.requests[0].body.response_format).toEqual(responseFormat);
    expect(JSON.parse(response.choices[0].message.content!)).toEqual({ city: "Oslo" });
    expect(response.choices[0].finish_reason).toBe("stop");
  });
});
