import { describe, expect, it } from "vitest";
import {
  type CachedAnswer,
  cacheDirectives,
  createInMemoryResponseCache,
  isCacheable,
  responseCacheKey,
} from "../../server/gateway/cache.ts";
import { chunksFromResponse, responseFromChunks } from "../../server/gateway/chat-answer-forms.ts";
import type { ChatChunk, ChatRequest, ChatResponse } from "../../server/gateway/spec.ts";

const question: ChatRequest = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "What is 2 + 2?" }],
  temperature: 0,
};

function keyOf(request: ChatRequest, teamId?: string, models = ["gpt-4o-mini"]) {
  return responseCacheKey({ models, teamId, request });
}

describe("response cache key", () => {
  it("is a SHA-256 that ignores the order of fields, at every depth", () => {
    const reordered: ChatRequest = {
      temperature: 0,
      messages: [{ content: "What is 2 + 2?", role: "user" }],
      model: "gpt-4o-mini",
    };
    expect(keyOf(question)).toMatch(/^[0-9a-f]{64}$/);
    expect(keyOf(reordered)).toBe(keyOf(question));
    const withFormat = { ...question, response_format: { type: "json_schema", strict: true } };
    const formatReordered = { ...question, response_format: { strict: true, type: "json_schema" } };
    expect(keyOf(formatReordered)).toBe(keyOf(withFormat));
  });

  it("leaves out how the answer is delivered and the caller's tags, but nothing that changes the answer", () => {
    const delivered: ChatRequest = {
      ...question,
      stream: true,
      stream_options: { include_usage: true },
      metadata: { feature: "search", cache: true },
      user: "end-user-42",
      store: true,
    };
    expect(keyOf(delivered)).toBe(keyOf(question));
    expect(keyOf({ ...question, max_tokens: 10 })).not.toBe(keyOf(question));
    expect(keyOf({ ...question, temperature: 0.5 })).not.toBe(keyOf(question));
    expect(keyOf({ ...question, tools: [{ type: "function" }] })).not.toBe(keyOf(question));
    expect(
      keyOf({ ...question, messages: [{ role: "user", content: "What is 2 + 3?" }] }),
    ).not.toBe(keyOf(question));
  });

  it("treats a null field as an absent one", () => {
    expect(keyOf({ ...question, stop: null } as unknown as ChatRequest)).toBe(keyOf(question));
  });

  it("keeps arrays in order: the order of messages is the conversation", () => {
    const twoMessages: ChatRequest = {
      ...question,
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ],
    };
    const swapped = { ...twoMessages, messages: [...twoMessages.messages].reverse() };
    expect(keyOf(swapped)).not.toBe(keyOf(twoMessages));
  });

  it("is per team, per model group and per list of fallbacks", () => {
    expect(keyOf(question, "team-a")).not.toBe(keyOf(question, "team-b"));
    expect(keyOf(question, "team-a")).not.toBe(keyOf(question));
    expect(keyOf(question, undefined, ["gpt-4o"])).not.toBe(keyOf(question));
    expect(keyOf(question, undefined, ["gpt-4o-mini", "gpt-4o"])).not.toBe(keyOf(question));
  });
});

describe("what may be cached", () => {
  const strict = { cacheNonDeterministic: false };
  it("takes temperature 0; no temperature is the provider's default (1), which samples", () => {
    expect(isCacheable({ temperature: 0 }, strict)).toBe(true);
    expect(isCacheable({ temperature: 0.2 }, strict)).toBe(false);
    expect(isCacheable({}, strict)).toBe(false);
  });

  it("takes any temperature when cacheNonDeterministic is set", () => {
    expect(isCacheable({ temperature: 1.3 }, { cacheNonDeterministic: true })).toBe(true);
    expect(isCacheable({}, { cacheNonDeterministic: true })).toBe(true);
  });

  it("metadata.cache false and cache-control no-store keep a request away; no-cache only refreshes", () => {
    expect(cacheDirectives(undefined, undefined)).toEqual({ read: true, write: true });
    expect(cacheDirectives({ cache: false }, undefined)).toEqual({ read: false, write: false });
    expect(cacheDirectives({ cache: "false" }, undefined)).toEqual({ read: true, write: true });
    expect(cacheDirectives(undefined, "private, No-Store")).toEqual({ read: false, write: false });
    expect(cacheDirectives(undefined, "no-cache")).toEqual({ read: false, write: true });
    expect(cacheDirectives(undefined, "max-age=0")).toEqual({ read: true, write: true });
  });
});

const answer: ChatResponse = {
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1741570283,
  model: "gpt-4o-mini",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "4", refusal: null },
      finish_reason: "stop",
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 1, total_tokens: 13 },
};
const servedBy = {
  id: "openai:gpt-4o-mini#0",
  group: "gpt-4o-mini",
  provider: "openai",
  model: "gpt-4o-mini",
};

describe("in-memory response cache", () => {
  it("returns a copy of what was stored, never the caller's object", async () => {
    const cache = createInMemoryResponseCache({ maxEntries: 10 });
    const stored: CachedAnswer = { servedBy, response: structuredClone(answer) };
    await cache.set("k", stored, 60_000);
    stored.response!.choices[0].message.content = "changed after storing";
    const first = await cache.get("k");
    expect(first?.response?.choices[0].message.content).toBe("4");
    first!.response!.usage = undefined;
    expect((await cache.get("k"))?.response?.usage).toEqual(answer.usage);
    expect(await cache.get("other")).toBeUndefined();
  });

  it("keeps at most maxEntries, dropping the least recently used", async () => {
    const cache = createInMemoryResponseCache({ maxEntries: 2 });
    await cache.set("a", { servedBy, response: answer }, 60_000);
    await cache.set("b", { servedBy, response: answer }, 60_000);
    await cache.get("a");
    await cache.set("c", { servedBy, response: answer }, 60_000);
    expect(cache.size).toBe(2);
    expect(await cache.get("b")).toBeUndefined();
    expect(await cache.get("a")).toBeDefined();
    expect(await cache.get("c")).toBeDefined();
  });

  it("forgets an entry once its TTL has passed", async () => {
    let clock = 1_000;
    const cache = createInMemoryResponseCache({ maxEntries: 10, now: () => clock });
    await cache.set("k", { servedBy, response: answer }, 5_000);
    clock += 4_999;
    expect(await cache.get("k")).toBeDefined();
    clock += 2;
    expect(await cache.get("k")).toBeUndefined();
  });
});

describe("an answer's two forms", () => {
  it("a response becomes OpenAI-ordered chunks: role and text, finish reason, then usage", () => {
    const chunks = chunksFromResponse(answer);
    expect(chunks.map((chunk) => chunk.choices)).toEqual([
      [
        {
          index: 0,
          delta: { role: "assistant", content: "4", refusal: null },
          finish_reason: null,
        },
      ],
      [{ index: 0, delta: {}, finish_reason: "stop" }],
      [],
    ]);
    expect(chunks[2].usage).toEqual(answer.usage);
    expect(chunks.every((chunk) => chunk.id === answer.id)).toBe(true);
    expect(responseFromChunks(chunks)).toEqual(answer);
  });

  it("chunks add up to a response: text joined, tool calls assembled by index, last usage", () => {
    const base = {
      id: "chatcmpl-2",
      object: "chat.completion.chunk",
      created: 5,
      model: "m",
    } as const;
    const chunks: ChatChunk[] = [
      {
        ...base,
        choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
      },
      { ...base, choices: [{ index: 0, delta: { content: "Let me " }, finish_reason: null }] },
      { ...base, choices: [{ index: 0, delta: { content: "check." }, finish_reason: null }] },
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: "call_1",
                  type: "function",
                  function: { name: "lookup", arguments: '{"q":' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      },
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: '"x"}' } }] },
            finish_reason: "tool_calls",
          },
        ],
      },
      { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 } },
    ];
    expect(responseFromChunks(chunks)).toEqual({
      id: "chatcmpl-2",
      object: "chat.completion",
      created: 5,
      model: "m",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "Let me check.",
            tool_calls: [
              {
                id: "call_1",
                type: "function",
                function: { name: "lookup", arguments: '{"q":"x"}' },
              },
            ],
          },
          finish_reason: "tool_calls",
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12 },
    });
  });
});
