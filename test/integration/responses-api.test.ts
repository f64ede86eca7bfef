import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { anthropicAnswer, anthropicUsage } from "../contract/wires/anthropic-wire.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../support/scripted-upstream.ts";
import {
  responsesFailedStream,
  responsesJson,
  responsesStream,
  upstreamResponseId,
} from "../support/responses-wire.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";
import { createTeamKey } from "../support/team-key.ts";

/*
 * POST /v1/responses (issue 15.2) driven by the official openai SDK, against an OpenAI
 * upstream (relayed natively to its /v1/responses) and an Anthropic upstream (translated to
 * /v1/messages and back); stored responses per team; the pipeline's governance and log.
 */

const masterKey = "sk-master-responses-test";
const pricing = { inputPerMillion: 1000, outputPerMillion: 2000 };

describe("the Responses API", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;
  let openai: OpenAI;

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gateway = await startTestApp({
      models: [
        {
          name: "gpt-4.1",
          provider: "openai",
          apiKey: "sk-upstream-openai",
          apiBase: `${upstream.origin}/v1`,
          pricing,
        },
        {
          name: "azure-4.1",
          provider: "azure",
          model: "my-gpt-41-deployment",
          apiKey: "azure-upstream-key",
          apiBase: upstream.origin,
          pricing,
        },
        {
          name: "claude",
          provider: "anthropic",
          model: "claude-sonnet-4-5-20250929",
          apiKey: "sk-ant-upstream",
          apiBase: upstream.origin,
          pricing,
        },
      ],
      auth: { masterKey },
      router: { retries: 0 },
    });
    openai = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
  });

  describe("OpenAI deployment: relayed natively", () => {
    it("JSON: the upstream gets the Responses body at /v1/responses (store: false); the caller gets its answer under the gateway's id, stored", async () => {
      upstream.enqueue(
        responsesJson({
          text: ["Hello there."],
          usage: { input: 36, output: 87, cached: 10, reasoning: 5 },
        }),
      );
      const { data: response, response: http } = await openai.responses
        .create({
          model: "gpt-4.1",
          instructions: "Be brief.",
          input: "Say hello",
          max_output_tokens: 100,
          metadata: { ticket: "42" },
        })
        .withResponse();
      const sent = upstream.requests[0];
      expect(sent.path).toBe("/v1/responses");
      expect(sent.headers.authorization).toBe("Bearer sk-upstream-openai");
      expect(sent.body).toEqual({
        model: "gpt-4.1",
        instructions: "Be brief.",
        input: "Say hello",
        max_output_tokens: 100,
        metadata: { ticket: "42" },
        store: false,
        stream: false,
      });
      expect(response.id).toMatch(/^resp_/);
      expect(response.id).not.toBe(upstreamResponseId);
      expect(response.output_text).toBe("Hello there.");
      expect((response as unknown as { store: boolean }).store).toBe(true);
      expect(response.usage).toEqual({
        input_tokens: 36,
        input_tokens_details: { cached_tokens: 10 },
        output_tokens: 87,
        output_tokens_details: { reasoning_tokens: 5 },
        total_tokens: 123,
      });
      expect(http.headers.get("x-switchboard-provider")).toBe("openai");
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        source: "responses",
        promptTokens: 36,
        completionTokens: 87,
        costUsd: "0.21",
      });
      const stored = await openai.responses.retrieve(response.id);
      expect(stored.id).toBe(response.id);
      expect(stored.output).toEqual(response.output);
    });

    it("stream: the upstream's events in order, every one with its sequence_number, the response id rewritten", async () => {
      upstream.enqueue(responsesStream({ text: ["Hel", "lo"] }));
      const stream = await openai.responses.create({
        model: "gpt-4.1",
        input: "Say hello",
        stream: true,
      });
      const events = [];
      for await (const event of stream) events.push(event);
      expect(events.map((event) => event.type)).toEqual([
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
      ]);
      expect(events.map((event) => event.sequence_number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(upstream.requests[0].body).toMatchObject({ stream: true, store: false });
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      const created = events[0] as OpenAI.Responses.ResponseCreatedEvent;
      expect(completed.response.id).toMatch(/^resp_/);
      expect(completed.response.id).not.toBe(upstreamResponseId);
      expect(created.response.id).toBe(completed.response.id);
      expect(completed.response.output_text ?? "").toBe("");
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        stream: true,
        source: "responses",
        promptTokens: 36,
      });
      expect((await openai.responses.retrieve(completed.response.id)).status).toBe("completed");
    });

    it("a function-call round trip through previous_response_id: the upstream gets the whole conversation", async () => {
      upstream.enqueue(
        responsesJson({
          functionCall: {
            callId: "call_weather_1",
            name: "get_weather",
            argumentPieces: ['{"city":"Paris"}'],
          },
        }),
      );
      const tools: OpenAI.Responses.Tool[] = [
        {
          type: "function",
          name: "get_weather",
          description: "The weather in a city",
          parameters: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          },
          strict: true,
        },
      ];
      const first = await openai.responses.create({
        model: "gpt-4.1",
        input: "Weather in Paris?",
        tools,
      });
      const call = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({
        type: "function_call",
        call_id: "call_weather_1",
        name: "get_weather",
      });

      upstream.enqueue(responsesJson({ text: ["It is sunny in Paris."] }));
      const second = await openai.responses.create({
        model: "gpt-4.1",
        previous_response_id: first.id,
        input: [
          { type: "function_call_output", call_id: "call_weather_1", output: '{"sky":"sunny"}' },
        ],
        tools,
      });
      expect(second.output_text).toBe("It is sunny in Paris.");
      expect(second.previous_response_id).toBe(first.id);
      const sent = upstream.requests[1].body;
      expect(sent.previous_response_id).toBeUndefined();
      expect(sent.store).toBe(false);
      expect(sent.input).toEqual([
        { type: "message", role: "user", content: "Weather in Paris?" },
        {
          id: "fc_67ca09c6bedc8190a7abfec07b1a1332096610f474011cc0",
          type: "function_call",
          call_id: "call_weather_1",
          name: "get_weather",
          arguments: '{"city":"Paris"}',
        },
        { type: "function_call_output", call_id: "call_weather_1", output: '{"sky":"sunny"}' },
      ]);
      const items = await openai.responses.inputItems.list(second.id, { order: "asc" });
      expect(items.data.map((item) => item.type)).toEqual([
        "message",
        "function_call",
        "function_call_output",
      ]);
    });

    it("text.format json_schema passes through as it came", async () => {
      upstream.enqueue(responsesJson({ text: ['{"answer":4}'] }));
      const format = {
        type: "json_schema" as const,
        name: "sum",
        schema: {
          type: "object",
          properties: { answer: { type: "number" } },
          required: ["answer"],
          additionalProperties: false,
        },
        strict: true,
      };
      const response = await openai.responses.create({
        model: "gpt-4.1",
        input: "2+2?",
        text: { format },
      });
      expect(JSON.parse(response.output_text)).toEqual({ answer: 4 });
      expect(upstream.requests[0].body.text).toEqual({ format });
    });

    it("Azure: the v1 Responses route with the deployment name as the model and the api-key header", async () => {
      upstream.enqueue(responsesStream({ text: ["From Azure."] }));
      const stream = await openai.responses.create({
        model: "azure-4.1",
        input: "hi",
        stream: true,
      });
      let text = "";
      for await (const event of stream)
        if (event.type === "response.output_text.delta") text += event.delta;
      expect(text).toBe("From Azure.");
      const sent = upstream.requests[0];
      expect(sent.path).toBe("/openai/v1/responses");
      expect(sent.headers["api-key"]).toBe("azure-upstream-key");
      expect(sent.body).toMatchObject({
        model: "my-gpt-41-deployment",
        input: "hi",
        store: false,
        stream: true,
      });
    });

    it("a failure after the stream began ends with response.failed; the log says error", async () => {
      upstream.enqueue(responsesFailedStream());
      const stream = await openai.responses.create({ model: "gpt-4.1", input: "hi", stream: true });
      const events = [];
      for await (const event of stream) events.push(event);
      expect(events.map((event) => event.type)).toEqual(["response.created", "response.failed"]);
      expect((events[1] as OpenAI.Responses.ResponseFailedEvent).response.error).toMatchObject({
        code: "server_error",
      });
      expect(await gateway.latestLog()).toMatchObject({
        status: "ERROR",
        stream: true,
        source: "responses",
      });
    });
  });

  describe("Anthropic deployment: translated to /v1/messages and back", () => {
    it("JSON: instructions, input and max_output_tokens become a Messages request; the answer a Response object", async () => {
      upstream.enqueue(
        anthropicAnswer({
          blocks: [{ type: "text", pieces: ["Hello from Claude."] }],
          usage: anthropicUsage({ input: 20, output: 6, cached: 4 }),
          stopReason: "end_turn",
          stream: false,
        }),
      );
      const response = await openai.responses.create({
        model: "claude",
        instructions: "Be brief.",
        input: [{ role: "user", content: [{ type: "input_text", text: "Say hello" }] }],
        max_output_tokens: 50,
        temperature: 0.5,
      });
      const sent = upstream.requests[0];
      expect(sent.path).toBe("/v1/messages");
      expect(sent.body).toMatchObject({
        model: "claude-sonnet-4-5-20250929",
        system: "Be brief.",
        max_tokens: 50,
        temperature: 0.5,
        messages: [{ role: "user", content: [{ type: "text", text: "Say hello" }] }],
      });
      expect(response).toMatchObject({
        object: "response",
        status: "completed",
        model: "claude-sonnet-4-5-20250929",
        output: [
          {
            type: "message",
            role: "assistant",
            status: "completed",
            content: [{ type: "output_text", text: "Hello from Claude.", annotations: [] }],
          },
        ],
        usage: {
          input_tokens: 20,
          input_tokens_details: { cached_tokens: 4 },
          output_tokens: 6,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: 26,
        },
      });
      expect(response.output_text).toBe("Hello from Claude.");
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        source: "responses",
        promptTokens: 20,
      });
    });

    it("stream: OpenAI's event sequence made from Claude's stream, text then a function call", async () => {
      upstream.enqueue(
        anthropicAnswer({
          blocks: [
            { type: "text", pieces: ["Let me ", "check."] },
            {
              type: "tool_use",
              id: "toolu_01",
              name: "get_weather",
              argumentPieces: ['{"city":', '"Paris"}'],
            },
          ],
          usage: anthropicUsage({ input: 30, output: 12 }),
          stopReason: "tool_use",
          stream: true,
        }),
      );
      const stream = await openai.responses.create({
        model: "claude",
        input: "Weather in Paris?",
        tools: [
          {
            type: "function",
            name: "get_weather",
            parameters: { type: "object", properties: { city: { type: "string" } } },
            strict: false,
          },
        ],
        stream: true,
      });
      const events = [];
      for await (const event of stream) events.push(event);
      expect(events.map((event) => event.type)).toEqual([
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
      ]);
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
      const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
      expect(completed.response.output).toMatchObject([
        { type: "message", content: [{ type: "output_text", text: "Let me check." }] },
        {
          type: "function_call",
          call_id: "toolu_01",
          name: "get_weather",
          arguments: '{"city":"Paris"}',
          status: "completed",
        },
      ]);
      expect(completed.response.usage).toMatchObject({
        input_tokens: 30,
        output_tokens: 12,
        total_tokens: 42,
      });
      const done = events[12] as OpenAI.Responses.ResponseFunctionCallArgumentsDoneEvent;
      expect(done).toMatchObject({
        output_index: 1,
        arguments: '{"city":"Paris"}',
        item_id: (events[9] as any).item.id,
      });
      expect(upstream.requests[0].body.tools).toEqual([
        {
          name: "get_weather",
          input_schema: { type: "object", properties: { city: { type: "string" } } },
        },
      ]);
      expect(await gateway.latestLog()).toMatchObject({
        status: "SUCCESS",
        stream: true,
        source: "responses",
        promptTokens: 30,
      });
    });

    it("a function-call round trip through previous_response_id: Claude gets tool_use and tool_result", async () => {
      upstream.enqueue(
        anthropicAnswer({
          blocks: [
            {
              type: "tool_use",
              id: "toolu_02",
              name: "get_weather",
              argumentPieces: ['{"city":"Oslo"}'],
            },
          ],
          usage: anthropicUsage({ input: 30, output: 12 }),
          stopReason: "tool_use",
          stream: false,
        }),
      );
      const tools: OpenAI.Responses.Tool[] = [
        {
          type: "function",
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } } },
          strict: false,
        },
      ];
      const first = await openai.responses.create({
        model: "claude",
        input: "Weather in Oslo?",
        tools,
      });
      expect(first.output).toMatchObject([
        { type: "function_call", call_id: "toolu_02", arguments: '{"city":"Oslo"}' },
      ]);
      upstream.enqueue(
        anthropicAnswer({
          blocks: [{ type: "text", pieces: ["Snowing in Oslo."] }],
          usage: anthropicUsage({ input: 50, output: 5 }),
          stopReason: "end_turn",
          stream: false,
        }),
      );
      const second = await openai.responses.create({
        model: "claude",
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: "toolu_02", output: "snow" }],
        tools,
      });
      expect(second.output_text).toBe("Snowing in Oslo.");
      expect(upstream.requests[1].body.messages).toEqual([
        { role: "user", content: "Weather in Oslo?" },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_02", name: "get_weather", input: { city: "Oslo" } },
          ],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_02", content: "snow" }],
        },
      ]);
    });

    it("item_reference items (the Vercel AI SDK's way to send earlier output when store is on) resolve to the stored items", async () => {
      upstream.enqueue(
        anthropicAnswer({
          blocks: [
            {
              type: "tool_use",
              id: "toolu_04",
              name: "get_weather",
              argumentPieces: ['{"city":"Rome"}'],
            },
          ],
          usage: anthropicUsage({ input: 30, output: 12 }),
          stopReason: "tool_use",
          stream: false,
        }),
      );
      const tools: OpenAI.Responses.Tool[] = [
        {
          type: "function",
          name: "get_weather",
          parameters: { type: "object", properties: { city: { type: "string" } } },
          strict: false,
        },
      ];
      const question = { role: "user" as const, content: "Weather in Rome?" };
      const first = await openai.responses.create({ model: "claude", input: [question], tools });
      const callItem = first.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      upstream.enqueue(
        anthropicAnswer({
          blocks: [{ type: "text", pieces: ["Warm in Rome."] }],
          usage: anthropicUsage({ input: 50, output: 5 }),
          stopReason: "end_turn",
          stream: false,
        }),
      );
      const second = await openai.responses.create({
        model: "claude",
        input: [
          question,
          { type: "item_reference", id: callItem.id! },
          { type: "function_call_output", call_id: "toolu_04", output: "warm" },
        ],
        tools,
      });
      expect(second.output_text).toBe("Warm in Rome.");
      expect(upstream.requests[1].body.messages).toEqual([
        { role: "user", content: "Weather in Rome?" },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_04", name: "get_weather", input: { city: "Rome" } },
          ],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_04", content: "warm" }],
        },
      ]);
      const teamKey = await createTeamKey(gateway, masterKey, "responses-references");
      const other = new OpenAI({ apiKey: teamKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      await expect(
        other.responses.create({
          model: "claude",
          input: [question, { type: "item_reference", id: callItem.id! }],
        }),
      ).rejects.toMatchObject({ status: 400, param: "input[1]" });
    });

    it("a Codex-shaped turn (store: false, include, hosted and custom tools, reasoning and custom tool items) reaches Claude as a Messages request", async () => {
      upstream.enqueue(
        anthropicAnswer({
          blocks: [
            {
              type: "tool_use",
              id: "toolu_05",
              name: "apply_patch",
              argumentPieces: ['{"input":"*** Begin Patch\\n*** End Patch"}'],
            },
          ],
          usage: anthropicUsage({ input: 300, output: 20 }),
          stopReason: "tool_use",
          stream: true,
        }),
      );
      const stream = await openai.responses.create({
        model: "claude",
        instructions: "You are Codex.",
        input: [
          {
            type: "message",
            role: "developer",
            content: [{ type: "input_text", text: "Sandbox: read-only." }],
          },
          {
            type: "message",
            role: "user",
            content: [{ type: "input_text", text: "Fix the bug." }],
          },
          // Codex sends reasoning back without an id (store: false); the SDK's type wants one.
          {
            type: "reasoning",
            summary: [{ type: "summary_text", text: "Look first." }],
            encrypted_content: "gAAAA",
          } as unknown as OpenAI.Responses.ResponseReasoningItem,
          {
            type: "function_call",
            call_id: "call_ls",
            name: "shell",
            arguments: '{"command":["ls"]}',
          },
          { type: "function_call_output", call_id: "call_ls", output: "main.rs" },
          {
            type: "custom_tool_call",
            call_id: "call_p1",
            name: "apply_patch",
            input: "*** Begin Patch",
          },
          { type: "custom_tool_call_output", call_id: "call_p1", output: "Done" },
        ],
        tools: [
          {
            type: "function",
            name: "shell",
            parameters: {
              type: "object",
              properties: { command: { type: "array", items: { type: "string" } } },
            },
            strict: false,
          },
          {
            type: "custom",
            name: "apply_patch",
            description: "Apply a patch",
            format: { type: "grammar", syntax: "lark", definition: "start: /.+/" },
          },
          { type: "web_search" } as never,
        ],
        tool_choice: "auto",
        parallel_tool_calls: false,
        reasoning: { effort: "medium", summary: "auto" },
        store: false,
        stream: true,
        include: ["reasoning.encrypted_content"],
        prompt_cache_key: "0199-session",
      });
      const events = [];
      for await (const event of stream) events.push(event);
      const sent = upstream.requests[0].body;
      expect(sent.system).toEqual([
        { type: "text", text: "You are Codex." },
        { type: "text", text: "Sandbox: read-only." },
      ]);
      expect(sent.tools.map((tool: { name: string }) => tool.name)).toEqual([
        "shell",
        "apply_patch",
      ]);
      expect(sent.messages.map((message: { role: string }) => message.role)).toEqual([
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
      ]);
      expect(sent.prompt_cache_key).toBeUndefined();
      const done = events.find(
        (event) => event.type === "response.output_item.done",
      ) as OpenAI.Responses.ResponseOutputItemDoneEvent;
      expect(done.item).toMatchObject({
        type: "custom_tool_call",
        call_id: "toolu_05",
        name: "apply_patch",
        input: "*** Begin Patch\n*** End Patch",
      });
      expect(events.at(-1)!.type).toBe("response.completed");
      await expect(
        openai.responses.retrieve(
          (events.at(-1) as OpenAI.Responses.ResponseCompletedEvent).response.id,
        ),
      ).rejects.toMatchObject({ status: 404 });
    });

    it("text.format json_schema becomes Claude's structured-output tool; the answer is the JSON text", async () => {
      upstream.enqueue(
        anthropicAnswer({
          blocks: [
            { type: "tool_use", id: "toolu_03", name: "json", argumentPieces: ['{"answer":4}'] },
          ],
          usage: anthropicUsage({ input: 30, output: 12 }),
          stopReason: "tool_use",
          stream: false,
        }),
      );
      const response = await openai.responses.create({
        model: "claude",
        input: "2+2?",
        text: {
          format: {
            type: "json_schema",
            name: "sum",
            schema: {
              type: "object",
              properties: { answer: { type: "number" } },
              required: ["answer"],
            },
          },
        },
      });
      expect(JSON.parse(response.output_text)).toEqual({ answer: 4 });
      expect(upstream.requests[0].body.tool_choice).toMatchObject({ type: "tool", name: "json" });
    });
  });

  describe("storage and governance", () => {
    it("store: false keeps nothing; another team's key cannot see or delete a stored response", async () => {
      upstream.enqueue(responsesJson({ text: ["not kept"] }));
      const unstored = await openai.responses.create({
        model: "gpt-4.1",
        input: "hi",
        store: false,
      });
      expect((unstored as unknown as { store: boolean }).store).toBe(false);
      await expect(openai.responses.retrieve(unstored.id)).rejects.toMatchObject({ status: 404 });

      const teamA = new OpenAI({
        apiKey: await createTeamKey(gateway, masterKey, "responses-a"),
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
      });
      const teamB = new OpenAI({
        apiKey: await createTeamKey(gateway, masterKey, "responses-b"),
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
      });
      upstream.enqueue(responsesJson({ text: ["team A's"] }));
      const kept = await teamA.responses.create({ model: "gpt-4.1", input: "hi" });
      expect((await teamA.responses.retrieve(kept.id)).output_text).toBe("team A's");
      await expect(teamB.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });
      await expect(openai.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });
      await expect(teamB.responses.delete(kept.id)).rejects.toMatchObject({ status: 404 });
      await expect(
        teamB.responses.create({ model: "gpt-4.1", input: "more", previous_response_id: kept.id }),
      ).rejects.toMatchObject({
        status: 404,
        code: "previous_response_not_found",
        param: "previous_response_id",
      });
      const deleted = await fetch(`${gateway.url}/v1/responses/${kept.id}`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${teamA.apiKey}` },
      });
      expect(await deleted.json()).toEqual({
        id: kept.id,
        object: "response.deleted",
        deleted: true,
      });
      await expect(teamA.responses.retrieve(kept.id)).rejects.toMatchObject({ status: 404 });
      expect(upstream.requests).toHaveLength(2);
    });

    it("an unknown model is OpenAI's 404 model_not_found; a bad body a 400 naming the param; both logged", async () => {
      await expect(
        openai.responses.create({ model: "no-such-model", input: "hi" }),
      ).rejects.toMatchObject({
        status: 404,
        code: "model_not_found",
        type: "invalid_request_error",
      });
      expect(await gateway.latestLog()).toMatchObject({
        status: "ERROR",
        source: "responses",
        errorCode: "MODEL_NOT_FOUND",
      });
      await expect(
        openai.responses.create({ model: "gpt-4.1", input: "hi", max_output_tokens: -1 }),
      ).rejects.toMatchObject({ status: 400, param: "max_output_tokens" });
      await expect(
        openai.responses.create({
          model: "claude",
          input: [{ type: "web_search_call", id: "ws_1" } as never],
        }),
      ).rejects.toMatchObject({ status: 400, param: "input[0]" });
      expect(upstream.requests).toHaveLength(0);
    });

    it("a key's model allow-list and a team budget refuse before anything is sent, in OpenAI's error shape", async () => {
      const admin = { authorization: `Bearer ${masterKey}` };
      const team = await gateway.graphql<any>(
        `mutation { createTeam(input: { name: "responses-poor", models: ["claude"], budget: { limitUsd: "0.000001", period: MONTHLY } }) { id } }`,
        {},
        admin,
      );
      expect(team.errors).toBeUndefined();
      const key = await gateway.graphql<any>(
        `mutation ($teamId: ID!) { createApiKey(input: { teamId: $teamId, name: "k" }) { secret } }`,
        { teamId: team.data.createTeam.id },
        admin,
      );
      const poor = new OpenAI({
        apiKey: key.data.createApiKey.secret,
        baseURL: `${gateway.url}/v1`,
        maxRetries: 0,
      });
      await expect(poor.responses.create({ model: "gpt-4.1", input: "hi" })).rejects.toMatchObject({
        status: 403,
        type: "permission_error",
      });
      await expect(
        poor.responses.create({ model: "claude", input: "hi", max_output_tokens: 100 }),
      ).rejects.toMatchObject({
        status: 429,
        code: "budget_exceeded",
      });
      expect(await gateway.latestLog()).toMatchObject({
        status: "ERROR",
        source: "responses",
        errorCode: "BUDGET_EXCEEDED",
      });
      expect(upstream.requests).toHaveLength(0);
    });

    it("a caller that disconnects mid-stream closes the upstream request; the log says cancelled", async () => {
      upstream.enqueue({
        ...responsesStream({ text: ["a", "b", "c", "d", "e", "f"] }),
        frameDelayMs: 200,
      });
      const closedBefore = upstream.closedRequests;
      const controller = new AbortController();
      const stream = await openai.responses.create(
        { model: "gpt-4.1", input: "count", stream: true },
        { signal: controller.signal },
      );
      // The SDK ends the iteration quietly on its own abort.
      for await (const event of stream)
        if (event.type === "response.output_item.added") controller.abort();
      await upstream.waitForClosedRequest();
      expect(upstream.closedRequests).toBe(closedBefore + 1);
      await expect.poll(async () => (await gateway.latestLog()).status).toBe("CANCELLED");
      expect(await gateway.latestLog()).toMatchObject({ source: "responses", stream: true });
    });
  });
});

describe("the Responses API: retention, rate limits and the response cache", () => {
  let upstream: ScriptedUpstream;
  let gateway: TestApp;
  let clock = Date.parse("2026-03-01T12:00:00Z");

  beforeAll(async () => {
    upstream = await startScriptedUpstream();
    gateway = await startTestApp(
      {
        models: [
          {
            name: "gpt-4.1",
            provider: "openai",
            apiKey: "sk-up",
            apiBase: `${upstream.origin}/v1`,
          },
          {
            name: "claude",
            provider: "anthropic",
            model: "claude-sonnet-4-5-20250929",
            apiKey: "sk-ant",
            apiBase: upstream.origin,
          },
        ],
        auth: { masterKey },
        retention: { requestLogsDays: 30 },
        cache: { enabled: true },
      },
      { now: () => clock },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("stored responses are pruned with the request logs (retention.requestLogsDays)", async () => {
    const openai = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    upstream.enqueue(responsesJson({ text: ["old"] }));
    const old = await openai.responses.create({ model: "gpt-4.1", input: "hi" });
    clock = Date.parse("2026-03-20T12:00:00Z");
    upstream.enqueue(responsesJson({ text: ["recent"] }));
    const recent = await openai.responses.create({ model: "gpt-4.1", input: "hi" });
    clock = Date.parse("2026-04-10T12:00:00Z");
    expect(await gateway.app.pruneRequestLogs()).toMatchObject({ responses: 1 });
    await expect(openai.responses.retrieve(old.id)).rejects.toMatchObject({ status: 404 });
    expect((await openai.responses.retrieve(recent.id)).output_text).toBe("recent");
  });

  it("a key's rate limit refuses on /v1/responses with OpenAI's 429", async () => {
    const admin = { authorization: `Bearer ${masterKey}` };
    const team = await gateway.graphql<any>(
      `mutation { createTeam(input: { name: "responses-limited", limits: { rpm: 1 } }) { id } }`,
      {},
      admin,
    );
    expect(team.errors).toBeUndefined();
    const key = await gateway.graphql<any>(
      `mutation ($teamId: ID!) { createApiKey(input: { teamId: $teamId, name: "k" }) { secret } }`,
      { teamId: team.data.createTeam.id },
      admin,
    );
    const limited = new OpenAI({
      apiKey: key.data.createApiKey.secret,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    });
    upstream.enqueue(responsesJson({ text: ["one"] }));
    await limited.responses.create({ model: "gpt-4.1", input: "hi" });
    const sent = upstream.requests.length;
    // A later time than the first request's, so the refusal is the newest log row (the clock is fixed).
    clock += 1_000;
    await expect(limited.responses.create({ model: "gpt-4.1", input: "hi" })).rejects.toMatchObject(
      {
        status: 429,
        type: "rate_limit_error",
      },
    );
    expect(upstream.requests).toHaveLength(sent);
    expect(await gateway.latestLog()).toMatchObject({
      source: "responses",
      errorCode: "RATE_LIMITED",
    });
  });

  it("the response cache answers translated models (as a Response object) but never natively relayed ones", async () => {
    const openai = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const sent = upstream.requests.length;
    upstream.enqueue(responsesJson({ text: ["native"] }));
    upstream.enqueue(responsesJson({ text: ["native again"] }));
    const ask = { model: "gpt-4.1", input: "cache me", temperature: 0 };
    expect((await openai.responses.create(ask)).output_text).toBe("native");
    expect((await openai.responses.create(ask)).output_text).toBe("native again");
    upstream.enqueue(
      anthropicAnswer({
        blocks: [{ type: "text", pieces: ["cached"] }],
        usage: anthropicUsage({ input: 5, output: 1 }),
        stopReason: "end_turn",
        stream: false,
      }),
    );
    const translated = { model: "claude", input: "cache me", temperature: 0 };
    expect((await openai.responses.create(translated)).output_text).toBe("cached");
    const { data: hit, response } = await openai.responses.create(translated).withResponse();
    expect(response.headers.get("x-switchboard-cache")).toBe("hit");
    expect(hit).toMatchObject({ object: "response", status: "completed", output_text: "cached" });
    expect(upstream.requests.length).toBe(sent + 3);
  });
});
