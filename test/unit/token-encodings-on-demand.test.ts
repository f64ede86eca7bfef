import { countTokens as cl100kTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as o200kTokens } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { estimateTokens, loadTokenEncodings } from "../../server/gateway/tokens.ts";

// Its own file: the encodings load once per process (tokens.test.ts loads both up front).
const text =
  "人工智能是计算机科学的一个分支，它企图了解智能的实质。The gateway reserves the most a request can cost.";

describe("token encodings a config does not need", () => {
  it("load cl100k_base on a cl100k model's first count, counting it with o200k_base until then", async () => {
    await loadTokenEncodings(["gpt-4o-mini", "claude-sonnet"]);
    expect(o200kTokens(text)).not.toBe(cl100kTokens(text));
    expect(estimateTokens(text, "gpt-4o-mini")).toBe(o200kTokens(text));
    // Not loaded at start: this first count is o200k's, and starts the load.
    expect(estimateTokens(text, "gpt-4")).toBe(o200kTokens(text));
    await expect
      .poll(() => estimateTokens(text, "gpt-4"), { timeout: 10_000 })
      .toBe(cl100kTokens(text));
  });

  it("load cl100k_base up front for a configured cl100k model or a wildcard", async () => {
    // Resolves only once every needed encoding is in, so the count is exact at once.
    await loadTokenEncodings(["openai/*"]);
    expect(estimateTokens(text, "gpt-3.5-turbo")).toBe(cl100kTokens(text));
  });
});
