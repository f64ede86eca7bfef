import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAICompatibleAdapter } from "../../server/gateway/providers/openai-compatible/openai-compatible-adapter.ts";
import type { ChatChunk } from "../../server/gateway/spec.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";

// Some OpenAI-compatible servers (llama.cpp-style, older vLLM) leave out id, model or created.
// The contract suite covers filling them in for every adapter; this adds the mixed cases.
const request = { model: "local-llama", messages: [{ role: "user" as const, content: "hi" }] };
const options = () => ({ signal: new AbortController().signal });

describe("OpenAI-compatible answers without id, model or created", () => {
  let upstream: MockUpstream;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
  });

  it("gives every chunk of one stream the same id, and keeps an id the server sent", async () => {
    const frames = [
      { choices: [{ index: 0, delta: { role: "assistant", content: "he" }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: "llo" }, finish_reason: "stop" }] },
    ];
    const sse = (chunks: object[]) =>
      `${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("")}data: [DONE]\n\n`;
    const adapter = createOpenAICompatibleAdapter({ apiBase: upstream.baseUrl });

    upstream.enqueue({ type: "raw", body: sse(frames), contentType: "text/event-stream" });
    const chunks: ChatChunk[] = [];
    for await (const chunk of adapter.chatStream({ ...request, stream: true }, options()))
      chunks.push(chunk);
    expect(chunks).toHaveLength(2);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks[0].id).toMatch(/^chatcmpl-/);
    expect(
      chunks.every((chunk) => chunk.model === "local-llama" && typeof chunk.created === "number"),
    ).toBe(true);

    upstream.enqueue({
      type: "raw",
      body: sse(frames.map((frame) => ({ ...frame, id: "server-id", model: "served-name" }))),
      contentType: "text/event-stream",
    });
    const kept: ChatChunk[] = [];
    for await (const chunk of adapter.chatStream({ ...request, stream: true }, options()))
      kept.push(chunk);
    expect(kept.map((chunk) => [chunk.id, chunk.model])).toEqual([
      ["server-id", "served-name"],
      ["server-id", "served-name"],
    ]);
  });
});
