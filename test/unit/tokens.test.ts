import { countTokens as o200kTokens } from "gpt-tokenizer/encoding/o200k_base";
import { countTokens as cl100kTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { describe, expect, it } from "vitest";
import {
  estimateInputTokens,
  estimatePromptTokens,
  estimateTokens,
  loadTokenEncodings,
} from "../../server/gateway/tokens.ts";

const chinese =
  "人工智能是计算机科学的一个分支，它企图了解智能的实质，并生产出一种新的能以人类智能相似的方式做出反应的智能机器。该领域的研究包括机器人、语言识别、图像识别、自然语言处理和专家系统等。";
const japanese =
  "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。";
const english =
  "The gateway reserves the most a request can cost before it is sent, and settles to the real cost when the provider answers.";

/** The old rule, 4 characters a token: what these estimates were before the tokenizer. */
const charactersOverFour = (text: string) => Math.ceil(text.length / 4);

describe("token estimates", () => {
  // One test: the encodings load once per process, so "before" must come first.
  it("fall back to 4 characters a token until the encodings are loaded, then count BPE tokens", async () => {
    expect(estimateTokens(chinese)).toBe(charactersOverFour(chinese));
    await loadTokenEncodings();
    expect(estimateTokens(chinese)).toBe(o200kTokens(chinese));
  });

  it("no longer undercount CJK text: within 25% of the tokenizer's own count, where 4 characters a token was about 3-4× low", async () => {
    await loadTokenEncodings();
    const text = `${chinese}\n${japanese}\n`.repeat(20);
    const real = o200kTokens(text);
    const estimate = estimatePromptTokens([{ role: "user", content: text }], "gpt-4o");
    expect(Math.abs(estimate - real) / real).toBeLessThanOrEqual(0.25);
    // The old rule: 3,240 characters → 810 "tokens" for 2,500 real ones (3.1× low).
    expect(real / charactersOverFour(text)).toBeGreaterThan(2.5);
    expect(charactersOverFour(text)).toBeLessThan(real * 0.4);
  });

  it("keep English in the same order of magnitude as before (about 4 characters a token)", async () => {
    await loadTokenEncodings();
    const estimate = estimateTokens(english);
    expect(estimate).toBe(o200kTokens(english));
    expect(estimate / charactersOverFour(english)).toBeGreaterThan(0.6);
    expect(estimate / charactersOverFour(english)).toBeLessThan(1.5);
  });

  it("use cl100k for GPT-4, GPT-3.5 and the embedding models, o200k for the rest, and count Claude 20% higher", async () => {
    await loadTokenEncodings();
    expect(estimateTokens(chinese, "gpt-4")).toBe(cl100kTokens(chinese));
    expect(estimateTokens(chinese, "openai/gpt-3.5-turbo")).toBe(cl100kTokens(chinese));
    expect(estimateInputTokens([chinese, [1, 2, 3]], "text-embedding-3-small")).toBe(
      cl100kTokens(chinese),
    );
    expect(estimateTokens(chinese, "gpt-4o")).toBe(o200kTokens(chinese));
    expect(estimateTokens(chinese, "gpt-4.1-mini")).toBe(o200kTokens(chinese));
    expect(estimateTokens(chinese, "gemini-2.5-pro")).toBe(o200kTokens(chinese));
    expect(estimateTokens(chinese, "anthropic/claude-sonnet-4-5")).toBe(
      Math.ceil(o200kTokens(chinese) * 1.2),
    );
  });

  it("count a caller's special-token text as text instead of throwing", async () => {
    await loadTokenEncodings();
    expect(estimateTokens("before <|endoftext|> after")).toBeGreaterThan(3);
    expect(
      estimatePromptTokens([
        { role: "user", content: [{ type: "text", text: "<|im_start|>system" }] },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "1", type: "function", function: { name: "lookup", arguments: '{"q":"猫"}' } },
          ],
        },
      ]),
    ).toBeGreaterThan(3 + 2 * 3);
  });
});
