import { describe, expect, it } from "vitest";
import {
  callerToolsOf,
  convertResponsesToChat,
} from "../../server/gateway/inbound/responses/convert-responses-to-chat.ts";
import {
  chatResponseOfNative,
  createNativeEventReader,
} from "../../server/gateway/inbound/responses/read-native-responses.ts";
import {
  chatUsageOf,
  responseFromChat,
  responsesUsageOf,
} from "../../server/gateway/inbound/responses/response-object.ts";
import { validateResponsesRequest } from "../../server/gateway/inbound/responses/responses-api.ts";
import { createResponsesStreamFormatter } from "../../server/gateway/inbound/responses/responses-stream-formatter.ts";
import type { ChatChunk } from "../../server/gateway/spec.ts";
import { GatewayError } from "../../server/gateway/errors.ts";

const chunk = (
  delta: ChatChunk["choices"][number]["delta"],
  finish: ChatChunk["choices"][number]["finish_reason"] = null,
): ChatChunk => ({
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1,
  model: "claude-x",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe("Responses request → chat request", () => {
  it("instructions, every input item kind, tools, tool_choice, text.format and the sampling fields", () => {
    const request = validateResponsesRequest({
      model: "m",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "Use metric units." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "What is in this image, and the weather?" },
            { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
          ],
        },
        { type: "reasoning", id: "rs_1", summary: [] },
        {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "Checking." }],
        },
        { type: "function_call", call_id: "call_1", name: "weather", arguments: '{"city":"Oslo"}' },
        { type: "function_call", call_id: "call_2", name: "time", arguments: "{}" },
        { type: "function_call_output", call_id: "call_1", output: "snow" },
        {
          type: "function_call_output",
          call_id: "call_2",
          output: [{ type: "input_text", text: "noon" }],
        },
      ],
      tools: [
        {
          type: "function",
          name: "weather",
          description: "Weather",
          parameters: { type: "object" },
          strict: true,
        },
        { type: "web_search" },
      ],
      tool_choice: { type: "function", name: "weather" },
      parallel_tool_calls: false,
      text: {
        format: { type: "json_schema", name: "answer", schema: { type: "object" }, strict: true },
      },
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      metadata: { ticket: "7" },
      reasoning: { effort: "low" },
      stream: true,
    });
    const chat = convertResponsesToChat(request, request.input as never);
    expect(chat).toEqual({
      model: "m",
      stream: true,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "developer", content: "Use metric units." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this image, and the weather?" },
            { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
          ],
        },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "weather", arguments: '{"city":"Oslo"}' },
            },
            { id: "call_2", type: "function", function: { name: "time", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "snow" },
        { role: "tool", tool_call_id: "call_2", content: "noon" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "weather",
            description: "Weather",
            parameters: { type: "object" },
            strict: true,
          },
        },
      ],
      tool_choice: { type: "function", function: { name: "weather" } },
      parallel_tool_calls: false,
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object" }, strict: true },
      },
      max_completion_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      metadata: { ticket: "7" },
      reasoning_effort: "low",
    });
  });

  it("a string input is one user message; bad bodies are 400s naming the param", () => {
    const request = validateResponsesRequest({ model: "m", input: "hi" });
    expect(
      convertResponsesToChat(request, [{ type: "message", role: "user", content: "hi" }]).messages,
    ).toEqual([{ role: "user", content: "hi" }]);
    const param = (body: unknown) => {
      try {
        validateResponsesRequest(body);
      } catch (error) {
        return (error as GatewayError).param;
      }
    };
    expect(param({ model: "m" })).toBe("input");
    expect(param({ model: "m", input: 3 })).toBe("input");
    expect(param({ model: "m", input: "x", max_output_tokens: 0 })).toBe("max_output_tokens");
    expect(param({ model: "m", input: "x", conversation: "conv_1" })).toBe("conversation");
    expect(() =>
      convertResponsesToChat(request, [{ type: "item_reference", id: "msg_1" }]),
    ).toThrow(/input\[0\].*item_reference/);
  });
});

describe("Codex's namespace tools", () => {
  it("are flattened for chat, and a call of one of them names its namespace again", () => {
    const request = validateResponsesRequest({
      model: "m",
      input: "spawn",
      tools: [
        {
          type: "namespace",
          name: "multi_agent_v1",
          description: "Sub-agents",
          tools: [
            {
              type: "function",
              name: "close_agent",
              parameters: { type: "object" },
              strict: false,
            },
          ],
        },
      ],
    });
    expect(convertResponsesToChat(request, []).tools).toEqual([
      {
        type: "function",
        function: { name: "close_agent", parameters: { type: "object" }, strict: false },
      },
    ]);
    const response = responseFromChat(
      {
        id: "c",
        object: "chat.completion",
        created: 1,
        model: "x",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: null,
              tool_calls: [
                {
                  id: "call_1",
                  type: "function",
                  function: { name: "close_agent", arguments: "{}" },
                },
              ],
            },
            finish_reason: "tool_calls",
          },
        ],
      },
      { id: "resp_1", request, callerTools: callerToolsOf(request) },
    );
    expect(response.output).toMatchObject([
      {
        type: "function_call",
        name: "close_agent",
        namespace: "multi_agent_v1",
        call_id: "call_1",
      },
    ]);
  });
});

describe("usage both ways", () => {
  it("maps cached and reasoning token details, 0 when the provider reports none", () => {
    expect(
      responsesUsageOf({
        prompt_tokens: 100,
        completion_tokens: 20,
        total_tokens: 120,
        prompt_tokens_details: { cached_tokens: 40 },
        completion_tokens_details: { reasoning_tokens: 8 },
      }),
    ).toEqual({
      input_tokens: 100,
      input_tokens_details: { cached_tokens: 40 },
      output_tokens: 20,
      output_tokens_details: { reasoning_tokens: 8 },
      total_tokens: 120,
    });
    expect(
      responsesUsageOf({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }),
    ).toMatchObject({
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    });
    expect(
      chatUsageOf({
        input_tokens: 100,
        input_tokens_details: { cached_tokens: 40 },
        output_tokens: 20,
        output_tokens_details: { reasoning_tokens: 8 },
        total_tokens: 120,
      }),
    ).toEqual({
      prompt_tokens: 100,
      completion_tokens: 20,
      total_tokens: 120,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 8 },
    });
  });
});

describe("chat answer ↔ Response object", () => {
  it("a chat answer with reasoning, text and a tool call becomes reasoning, message and function_call items", () => {
    const request = validateResponsesRequest({
      model: "claude",
      input: "hi",
      max_output_tokens: 5,
    });
    const response = responseFromChat(
      {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: "claude-x",
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: "Sure.",
              reasoning_content: "They want a call.",
              tool_calls: [
                { id: "toolu_1", type: "function", function: { name: "f", arguments: "{}" } },
              ],
            },
            finish_reason: "length",
          },
        ],
        usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 },
      },
      { id: "resp_1", request, createdAt: 10 },
    );
    expect(response).toMatchObject({
      id: "resp_1",
      object: "response",
      created_at: 10,
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      max_output_tokens: 5,
      model: "claude-x",
      output: [
        { type: "reasoning", summary: [{ type: "summary_text", text: "They want a call." }] },
        {
          type: "message",
          role: "assistant",
          content: [{ type: "output_text", text: "Sure.", annotations: [] }],
        },
        { type: "function_call", call_id: "toolu_1", name: "f", arguments: "{}" },
      ],
      usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 },
    });
  });

  it("a native Responses answer is read as the chat answer accounting needs", () => {
    const chat = chatResponseOfNative(
      {
        id: "resp_up",
        object: "response",
        status: "completed",
        model: "gpt-4.1",
        output: [
          { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Thinking." }] },
          { type: "message", content: [{ type: "output_text", text: "Hi" }] },
          { type: "function_call", id: "fc_1", call_id: "call_1", name: "f", arguments: "{}" },
        ],
        usage: {
          input_tokens: 5,
          output_tokens: 2,
          total_tokens: 7,
          input_tokens_details: { cached_tokens: 1 },
        },
      },
      "gpt-4.1",
    );
    expect(chat.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "Hi",
        reasoning_content: "Thinking.",
        tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      finish_reason: "tool_calls",
    });
    expect(chat.usage).toMatchObject({
      prompt_tokens: 5,
      completion_tokens: 2,
      prompt_tokens_details: { cached_tokens: 1 },
    });
  });

  it("native stream events are read as text and tool-call deltas and a last chunk with usage", () => {
    const read = createNativeEventReader("gpt-4.1");
    expect(
      read({ type: "response.created", response: { id: "resp_up", model: "gpt-4.1-x" } }).choices,
    ).toEqual([]);
    expect(read({ type: "response.output_text.delta", delta: "Hi" }).choices[0].delta).toEqual({
      content: "Hi",
    });
    expect(
      read({
        type: "response.output_item.added",
        item: { type: "function_call", id: "fc_1", call_id: "call_1", name: "f" },
      }).choices[0].delta.tool_calls,
    ).toEqual([
      { index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "" } },
    ]);
    expect(
      read({ type: "response.function_call_arguments.delta", item_id: "fc_1", delta: "{}" })
        .choices[0].delta,
    ).toEqual({
      tool_calls: [{ index: 0, function: { arguments: "{}" } }],
    });
    const last = read({
      type: "response.completed",
      response: {
        status: "completed",
        usage: { input_tokens: 4, output_tokens: 3, total_tokens: 7 },
      },
    });
    expect(last.choices[0].finish_reason).toBe("tool_calls");
    expect(last.usage).toMatchObject({ prompt_tokens: 4, completion_tokens: 3 });
    expect(last).toMatchObject({ id: "resp_up", model: "gpt-4.1-x" });
  });
});

describe("the stream formatter", () => {
  const request = validateResponsesRequest({ model: "claude", input: "hi", stream: true });

  it("text then two tool calls: OpenAI's event order, item ids and indexes consistent, sequence numbers in order", () => {
    const formatter = createResponsesStreamFormatter({
      id: "resp_1",
      request,
      model: "claude",
      createdAt: 1,
    });
    const events = [
      ...formatter.start(),
      ...formatter.push(chunk({ role: "assistant", content: "" })),
      ...formatter.push(chunk({ content: "Let me " })),
      ...formatter.push(chunk({ content: "look." })),
      ...formatter.push(
        chunk({
          tool_calls: [
            { index: 0, id: "call_a", type: "function", function: { name: "a", arguments: "" } },
          ],
        }),
      ),
      ...formatter.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":1}' } }] })),
      ...formatter.push(
        chunk({
          tool_calls: [
            { index: 1, id: "call_b", type: "function", function: { name: "b", arguments: "{}" } },
          ],
        }),
      ),
      ...formatter.push(chunk({}, "tool_calls")),
      ...formatter.push({
        ...chunk({}),
        choices: [],
        usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 },
      }),
    ];
    const { events: closing, response } = formatter.finish();
    events.push(...closing);
    expect(events.map((event) => [event.type, event.output_index ?? null])).toEqual([
      ["response.created", null],
      ["response.in_progress", null],
      ["response.output_item.added", 0],
      ["response.content_part.added", 0],
      ["response.output_text.delta", 0],
      ["response.output_text.delta", 0],
      ["response.output_text.done", 0],
      ["response.content_part.done", 0],
      ["response.output_item.done", 0],
      ["response.output_item.added", 1],
      ["response.function_call_arguments.delta", 1],
      ["response.function_call_arguments.done", 1],
      ["response.output_item.done", 1],
      ["response.output_item.added", 2],
      ["response.function_call_arguments.delta", 2],
      ["response.function_call_arguments.done", 2],
      ["response.output_item.done", 2],
      ["response.completed", null],
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const messageId = (events[2].item as { id: string }).id;
    expect(events.slice(3, 8).every((event) => event.item_id === messageId)).toBe(true);
    expect(events[6]).toMatchObject({ text: "Let me look.", content_index: 0 });
    expect(events[11]).toMatchObject({ name: "a", arguments: '{"x":1}' });
    expect(events[0].response).toMatchObject({ id: "resp_1", status: "in_progress", output: [] });
    expect(response).toMatchObject({
      id: "resp_1",
      status: "completed",
      output: [
        {
          type: "message",
          status: "completed",
          content: [{ type: "output_text", text: "Let me look." }],
        },
        {
          type: "function_call",
          call_id: "call_a",
          name: "a",
          arguments: '{"x":1}',
          status: "completed",
        },
        {
          type: "function_call",
          call_id: "call_b",
          name: "b",
          arguments: "{}",
          status: "completed",
        },
      ],
      usage: { input_tokens: 9, output_tokens: 4, total_tokens: 13 },
    });
  });

  it("a length stop ends with response.incomplete; a failure with response.failed after closing the open item", () => {
    const cut = createResponsesStreamFormatter({ id: "resp_2", request, model: "claude" });
    cut.start();
    cut.push(chunk({ content: "abc" }));
    cut.push(chunk({}, "length"));
    const { events, response } = cut.finish();
    expect(events.map((event) => event.type).at(-1)).toBe("response.incomplete");
    expect(response).toMatchObject({
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
    });

    const failing = createResponsesStreamFormatter({ id: "resp_3", request, model: "claude" });
    failing.start();
    failing.push(chunk({ content: "ab" }));
    const failed = failing.fail({ code: "server_error", message: "boom" });
    expect(failed.map((event) => event.type)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.failed",
    ]);
    expect(failed.at(-1)!.response).toMatchObject({
      status: "failed",
      error: { code: "server_error", message: "boom" },
    });
  });

  it("reasoning deltas become a reasoning item before the message", () => {
    const formatter = createResponsesStreamFormatter({ id: "resp_4", request, model: "claude" });
    const events = [
      ...formatter.start(),
      ...formatter.push(chunk({ reasoning_content: "Hmm." })),
      ...formatter.push(chunk({ content: "Yes." }, "stop")),
      ...formatter.finish().events,
    ];
    expect(events.map((event) => event.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
  });
});
