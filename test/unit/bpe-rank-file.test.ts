import { describe, expect, it } from "vitest";
import { GptEncoding } from "gpt-tokenizer/esm/GptEncoding";
import {
  CL100K_TOKEN_SPLIT_REGEX,
  O200K_TOKEN_SPLIT_REGEX,
} from "gpt-tokenizer/esm/encodingParams/constants";
import {
  bpeRanksOf,
  readBpeRankFile,
  writeBpeRankFile,
} from "../../server/gateway/bpe-rank-file.ts";
import { BpeTokenCounter } from "../../server/gateway/bpe-token-counter.ts";
import { gptTokenizerRanks } from "../../server/gateway/tokens.ts";

/** Texts that take every path: whole-token pieces, merged pieces, non-ASCII, long pieces. */
const texts = [
  "",
  "Say hello",
  "東京の天気は？ 21°C ☀️ — naïve café, Ελληνικά, русский, עברית, हिन्दी, 한국어",
  "def f(x):\n\treturn x ** 2\r\n\n\n    # done",
  "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
  "<|endoftext|> and <|im_start|> are text here",
  "1234567890 3.14159 0xdeadbeef 1e-9",
  "emoji 👩‍👩‍👧‍👦🏳️‍🌈 zero\u200bwidth",
  "lone \ud800 surrogate \udfff here",
  "x".repeat(5000),
  "ab".repeat(3000) + " " + "東".repeat(2000),
  JSON.stringify({ messages: [{ role: "user", content: "What's the weather in Paris?" }] }),
];

/** Random strings over a mix of scripts, from a fixed seed: the same corpus every run. */
function randomTexts(count: number): string[] {
  let seed = 0x2545f491;
  const next = () => (seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
  const alphabet = [..."abcdefghij XYZ0123.,;'\n\t éüñß東京語한글🙂—'s'll"];
  return Array.from({ length: count }, () =>
    Array.from({ length: next() % 60 }, () => alphabet[next() % alphabet.length]).join(""),
  );
}

describe.each([
  { name: "o200k_base" as const, split: O200K_TOKEN_SPLIT_REGEX },
  { name: "cl100k_base" as const, split: CL100K_TOKEN_SPLIT_REGEX },
])("BpeTokenCounter on $name", ({ name, split }) => {
  it("counts exactly as gpt-tokenizer does, through a rank file", async () => {
    const tokens = await gptTokenizerRanks(name);
    const counter = new BpeTokenCounter(
      readBpeRankFile(writeBpeRankFile(bpeRanksOf(tokens))),
      split,
    );
    const reference = GptEncoding.getEncodingApi(name, () => tokens);
    const asText = { disallowedSpecial: new Set<string>() };
    for (const text of [...texts, ...randomTexts(500)])
      expect(counter.count(text), JSON.stringify(text.slice(0, 40))).toBe(
        reference.countTokens(text, asText),
      );
  });
});

describe("BPE rank files", () => {
  it("hold every token's bytes in rank order, text as UTF-8, unused ranks empty", () => {
    const ranks = readBpeRankFile(writeBpeRankFile(bpeRanksOf(["a", , [0xe2, 0x82], "ü"])));
    expect([...ranks.starts]).toEqual([0, 1, 1, 3, 5]);
    expect([...ranks.bytes]).toEqual([0x61, 0xe2, 0x82, 0xc3, 0xbc]);
  });

  it("refuse a file that is not one, or is cut short", () => {
    expect(() => readBpeRankFile(Buffer.from("not ranks at all"))).toThrow(/not a BPE rank file/);
    const file = writeBpeRankFile(bpeRanksOf(["a", "b"]));
    expect(() => readBpeRankFile(file.subarray(0, file.length - 1))).toThrow(/wrong size/);
  });

  it("merge a piece that is no token from its bytes, the pair of lowest rank first", () => {
    const ranks = bpeRanksOf(["a", "b", "c", "d", "e", " ", "bc", "ab", "bcd"]);
    const counter = new BpeTokenCounter(ranks, /\S+|\s+/gu);
    expect(counter.count("bcd")).toBe(1);
    // "bc" (rank 6) before "ab" (7): a|bc|d|e, then a|bcd|e. "ab" first would leave ab|c|d|e.
    expect(counter.count("abcde")).toBe(3);
    expect(counter.count("abcde bcd")).toBe(3 + 1 + 1);
  });
});
