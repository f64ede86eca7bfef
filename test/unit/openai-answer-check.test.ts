import { describe, expect, it } from "vitest";
import {
  openAIChatChunkCheck,
  openAIChatChunkSchema,
  openAIChatResponseCheck,
  openAIChatResponseSchema,
} from "../../server/gateway/providers/openai/openai-api.ts";

const usage = {
  prompt_tokens: 9,
  completion_tokens: 12,
  total_tokens: 21,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

const response = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Hello!", refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: "stop",
    },
  ],
  usage,
  service_tier: "default",
};

const chunk = {
  id: "chatcmpl-1",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "gpt-4o-mini",
  choices: [{ index: 0, delta: { content: "Hel" }, logprobs: null, finish_reason: null }],
  usage: null,
};

/** Answers as JSON text, each parsed afresh: the common ones, the rare ones, and wrong ones. */
const responses = [
  response,
  { ...response, usage: undefined, id: undefined, created: undefined },
  { ...response, usage: { prompt_tokens: 1, completion_tokens: 2 } },
  { ...response, usage: { ...usage, prompt_tokens_details: null, completion_tokens_details: {} } },
  {
    ...response,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "f", arguments: "{}" } },
          ],
        },
        finish_reason: "tool_calls",
      },
    ],
  },
  { ...response, choices: [] },
  // Wrong shapes: each must fail, and fail the way zod says.
  { ...response, choices: [{ index: 0, finish_reason: "stop" }] },
  { ...response, choices: [{ index: "0", message: { content: "x" } }] },
  { ...response, choices: [{ message: { role: null, content: "x" } }] },
  { ...response, choices: [{ message: { content: 42 } }] },
  { ...response, choices: [{ message: { tool_calls: [{ id: 1 }] } }] },
  { ...response, choices: "none" },
  { ...response, id: 7 },
  { ...response, usage: { prompt_tokens: "9", completion_tokens: 12 } },
  { ...response, usage: { ...usage, prompt_tokens_details: { cached_tokens: "0" } } },
  { ...response, usage: [] },
  { error: { message: "Bad gateway" } },
  [response],
  "Hello",
  null,
];

const chunks = [
  chunk,
  { ...chunk, choices: [{ index: 0, delta: { role: "assistant", content: "" } }] },
  { ...chunk, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
  { ...chunk, choices: [{ index: 0, delta: null, finish_reason: "stop" }] },
  { ...chunk, choices: [{ index: 0 }] },
  { ...chunk, choices: [], usage },
  {
    ...chunk,
    choices: [
      { index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "f" } }] } },
    ],
  },
  // Wrong shapes.
  { ...chunk, choices: [{ index: 0, delta: { content: 1 } }] },
  { ...chunk, choices: [{ index: 0, delta: "text" }] },
  { ...chunk, choices: [{ index: 0, delta: { tool_calls: [{ id: "no index" }] } }] },
  { ...chunk, choices: [{ index: 0, delta: {}, finish_reason: 1 }] },
  { ...chunk, choices: [null] },
  { ...chunk, choices: undefined },
  { ...chunk, model: null },
  { ...chunk, created: "now" },
  { ...chunk, usage: { prompt_tokens: 1 } },
  { ...chunk, usage: "none" },
];

const parsedAfresh = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as unknown;

describe("the OpenAI answer checks", () => {
  it.each([
    ["response", responses, openAIChatResponseCheck, openAIChatResponseSchema],
    ["chunk", chunks, openAIChatChunkCheck, openAIChatChunkSchema],
  ] as const)(
    "accept and refuse each %s exactly as its zod schema does",
    (_, cases, check, schema) => {
      let accepted = 0;
      for (const value of cases) {
        const expected = schema.safeParse(parsedAfresh(value));
        const checked = check.safeParse(parsedAfresh(value));
        expect(checked.success, JSON.stringify(value)).toBe(expected.success);
        if (expected.success) {
          expect(checked.data, JSON.stringify(value)).toEqual(expected.data);
          accepted += 1;
        } else expect(checked).toEqual(expected);
      }
      // Both sides of the corpus are exercised.
      expect(accepted).toBeGreaterThan(3);
      expect(accepted).toBeLessThan(cases.length - 5);
    },
  );

  it("hands back the parsed answer itself for the common shapes, with no copy", () => {
    for (const [value, check] of [
      [parsedAfresh(response), openAIChatResponseCheck],
      [parsedAfresh(chunk), openAIChatChunkCheck],
    ] as const)
      expect(check.safeParse(value).data).toBe(value);
  });
});
