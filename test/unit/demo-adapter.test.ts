import { describe, expect, it } from "vitest";
import { createDemoAdapter } from "../../server/gateway/providers/demo/demo-adapter.ts";
import { estimatePromptTokens, estimateTokens } from "../../server/gateway/tokens.ts";

const messages = [
  { role: "system" as const, content: "Be brief." },
  { role: "user" as const, content: "What does the gateway cost?" },
];

describe("the demo provider's echo model", () => {
  it("quotes the last user message with the usage a real model would report for it", async () => {
    const answer = await createDemoAdapter({ firstTokenDelayMs: 0 }).chat(
      { model: "echo", messages },
      { signal: new AbortController().signal },
    );
    const text = answer.choices[0].message.content!;
    expect(text).toMatch(
      /^You said: "What does the gateway cost\?"\. This is Switchboard's demo model/,
    );
    expect(answer.choices[0].finish_reason).toBe("stop");
    expect(answer.usage).toEqual({
      prompt_tokens: estimatePromptTokens(messages),
      completion_tokens: estimateTokens(text),
      total_tokens: estimatePromptTokens(messages) + estimateTokens(text),
    });
  });

  it("stops at max_tokens with finish reason length", async () => {
    const answer = await createDemoAdapter({ firstTokenDelayMs: 0 }).chat(
      { model: "echo", messages, max_tokens: 3 },
      { signal: new AbortController().signal },
    );
    expect(answer.choices[0]).toMatchObject({
      finish_reason: "length",
      message: { content: 'You said: "W' },
    });
  });

  it("streams the same text a word at a time, usage on the last chunk", async () => {
    const adapter = createDemoAdapter({ firstTokenDelayMs: 0, wordDelayMs: 0 });
    const whole = (
      await adapter.chat({ model: "echo", messages }, { signal: new AbortController().signal })
    ).choices[0].message.content;
    const chunks = [];
    for await (const chunk of adapter.chatStream(
      { model: "echo", messages },
      { signal: new AbortController().signal },
    ))
      chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0].delta.content ?? "").join("")).toBe(whole);
    expect(chunks.length).toBeGreaterThan(15);
    expect(chunks.at(-1)).toMatchObject({
      choices: [{ finish_reason: "stop" }],
      usage: { completion_tokens: estimateTokens(whole!) },
    });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
  });

  it("stops streaming when the caller cancels", async () => {
    const controller = new AbortController();
    const received: string[] = [];
    const reading = (async () => {
      for await (const chunk of createDemoAdapter({
        firstTokenDelayMs: 0,
        wordDelayMs: 5,
      }).chatStream({ model: "echo", messages }, { signal: controller.signal })) {
        received.push(chunk.choices[0].delta.content ?? "");
        if (received.length === 3) controller.abort(new Error("caller left"));
      }
    })();
    await expect(reading).rejects.toThrow();
    expect(received).toHaveLength(3);
  });
});
