import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAIAdapter } from "../../server/gateway/providers/openai/openai-adapter.ts";
import { type ChatChunk, providerChunkText } from "../../server/gateway/spec.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * A Chat Completions stream from an OpenAI upstream is relayed as the provider's own chunk text
 * when nothing in a chunk had to change (providerChunkText, issue 16), and serialised again when
 * something did. The texts below are written with `\u00e9` escapes and a space after a colon, which
 * a second serialisation would not keep: they show which way each chunk went.
 */
const complete = (content: string, extra = "") =>
  `{"id":"chatcmpl-verbatim","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content": "${content}"},"logprobs":null,"finish_reason":null}]${extra}}`;
const usageChunk =
  '{"id":"chatcmpl-verbatim","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}';
const sse = (...texts: string[]) =>
  `${texts.map((text) => `data: ${text}\n\n`).join("")}data: [DONE]\n\n`;

/** The data of an SSE answer's frames, `[DONE]` left out, as sent. */
function frameTexts(body: string): string[] {
  return body
    .split("\n\n")
    .filter((frame) => frame.startsWith("data: ") && frame !== "data: [DONE]")
    .map((frame) => frame.slice("data: ".length));
}

describe("a stream's chunks as the provider sent them", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  const masterKey = "sk-master-chunk-text-test";

  async function streamFrames(body: Record<string, unknown> = {}): Promise<string[]> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        ...body,
      }),
    });
    expect(response.status).toBe(200);
    return frameTexts(await response.text());
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl)],
      auth: { masterKey },
      router: { retries: 0 },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("relays complete chunks byte for byte, with the usage chunk only when asked for", async () => {
    const texts = [complete("caf\\u00e9"), usageChunk];
    upstream.enqueue({ type: "raw", body: sse(...texts), contentType: "text/event-stream" });
    expect(await streamFrames({ stream_options: { include_usage: true } })).toEqual(texts);

    upstream.enqueue({ type: "raw", body: sse(...texts), contentType: "text/event-stream" });
    expect(await streamFrames()).toEqual([texts[0]]);
    // Logged from the usage the caller was not sent.
    expect(await gateway.latestLog()).toMatchObject({ promptTokens: 3, completionTokens: 2 });
  });

  it("drops a trailing null usage for a caller that did not ask for usage, and keeps it for one that did", async () => {
    const text = complete("caf\\u00e9", ',"usage":null');
    upstream.enqueue({
      type: "raw",
      body: sse(text, usageChunk),
      contentType: "text/event-stream",
    });
    expect(await streamFrames()).toEqual([complete("caf\\u00e9")]);

    upstream.enqueue({
      type: "raw",
      body: sse(text, usageChunk),
      contentType: "text/event-stream",
    });
    expect(await streamFrames({ stream_options: { include_usage: true } })).toEqual([
      text,
      usageChunk,
    ]);
  });

  it("serialises a chunk again when its text does not say all it holds", async () => {
    const withoutId = complete("caf\\u00e9").replace('"id":"chatcmpl-verbatim",', "");
    const unknownFinish = complete("x").replace('"finish_reason":null', '"finish_reason":"paused"');
    // `"usage":null` first, then again last after a usage object: JSON.parse keeps the last, but
    // cutting the trailing one out of the text would leave the object.
    const usageFirst = complete("y", ',"usage":{"prompt_tokens":1},"usage":null').replace(
      '{"id"',
      '{"usage":null,"id"',
    );
    upstream.enqueue({
      type: "raw",
      body: sse(withoutId, unknownFinish, usageFirst, usageChunk),
      contentType: "text/event-stream",
    });
    const [first, second, third, ...rest] = await streamFrames();
    expect(rest).toEqual([]);
    // Filled in: an id of the gateway's own, and the content re-serialised (no escape, no space).
    expect(JSON.parse(first).id).toMatch(/^chatcmpl-/);
    expect(first).toContain('"delta":{"content":"café"}');
    expect(JSON.parse(second).choices[0].finish_reason).toBe("stop");
    expect(third).not.toContain("usage");
    expect(JSON.parse(third).choices[0].delta.content).toBe("y");
  });
});

describe("the OpenAI adapter's providerChunkText", () => {
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
  });

  async function chunksOf(body: string, completeAnswer?: () => void) {
    upstream.enqueue({ type: "raw", body, contentType: "text/event-stream" });
    const adapter = createOpenAIAdapter({
      apiBase: upstream.baseUrl,
      ...(completeAnswer ? { completeAnswer } : {}),
    });
    const chunks: ChatChunk[] = [];
    const request = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "hi" }] };
    for await (const chunk of adapter.chatStream(
      { ...request, stream: true },
      { signal: new AbortController().signal },
    ))
      chunks.push(chunk);
    return chunks;
  }

  it("is the event's data for a complete chunk, and absent whenever the chunk was changed", async () => {
    const missingDelta = complete("z").replace('"delta":{"content": "z"},', "");
    const usageWithoutTotal = usageChunk.replace(',"total_tokens":5', "");
    const chunks = await chunksOf(
      `${sse(complete("a"), missingDelta, usageWithoutTotal).replace("data: [DONE]\n\n", "")}data: {"id":"chatcmpl-verbatim","object":"chat.completion.chunk",\ndata: "created":1700000000,"model":"gpt-4o-mini","choices":[]}\n\ndata: [DONE]\n\n`,
    );
    expect(chunks.map((chunk) => chunk[providerChunkText])).toEqual([
      complete("a"),
      undefined,
      undefined,
      // Data on two lines: joined with a newline, which cannot go out on one `data:` line.
      undefined,
    ]);
    expect(chunks[1].choices[0].delta).toEqual({});
    expect(chunks[2].usage?.total_tokens).toBe(5);
    // Not in the serialised chunk.
    expect(JSON.stringify(chunks[0])).not.toContain(" ");

    const adjusted = await chunksOf(sse(complete("b")), () => {});
    expect(adjusted[0][providerChunkText]).toBeUndefined();
  });
});
