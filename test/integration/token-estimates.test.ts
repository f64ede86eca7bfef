import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const chinese =
  "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。";

/*
 * The context-window pre-check counts tokens with the tokenizer: a Chinese prompt of 1,820
 * characters is about 1,280 o200k tokens, over a 1,000-token window, where 4 characters a token
 * said 455 and sent it to the small model to fail there.
 */
describe("the context-window pre-check with real token counts", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      models: [
        mockModel(upstream.baseUrl, "small-window", { model: "gpt-4o-mini", contextWindow: 1_000 }),
        mockModel(upstream.baseUrl, "large-window", { model: "gpt-4o" }),
      ],
      router: { contextWindowFallbacks: { "small-window": ["large-window"] } },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  async function modelCalledFor(content: string): Promise<string[]> {
    const before = upstream.requests.length;
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "small-window", messages: [{ role: "user", content }] }),
    });
    expect(response.status).toBe(200);
    return upstream.requests.slice(before).map((request) => request.body.model);
  }

  it("sends a CJK prompt too long for the window straight to the bigger model", async () => {
    const prompt = chinese.repeat(20);
    expect(Math.ceil(prompt.length / 4)).toBeLessThan(1_000); // what the old rule saw
    expect(await modelCalledFor(prompt)).toEqual(["gpt-4o"]);
  });

  it("keeps an English prompt of the same length on the small model (it fits)", async () => {
    const prompt = "The quick brown fox jumps over the lazy dog. ".repeat(41).slice(0, 1_820);
    expect(await modelCalledFor(prompt)).toEqual(["gpt-4o-mini"]);
  });
});
