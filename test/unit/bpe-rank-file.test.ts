import { describe, expect, it } from "vitest";
import { GptEncoding } from "gpt-tokenizer/esm/GptEncoding";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { readBpeRankFile, writeBpeRankFile } from "../../server/gateway/bpe-rank-file.ts";

describe("BPE rank files", () => {
  it("give back o200k_base's ranks exactly, and an encoding that counts as gpt-tokenizer's own", async () => {
    const { default: ranks } = (await import(
      "gpt-tokenizer/esm/bpeRanks/o200k_base" as string
    )) as {
      default: Array<string | number[]>;
    };
    const read = readBpeRankFile(writeBpeRankFile(ranks));
    expect(read).toHaveLength(ranks.length);
    expect(read).toEqual(ranks);
    // Both kinds of token are in there: text (ASCII and not) and bytes.
    expect(read.some((token) => Array.isArray(token))).toBe(true);
    expect(read.some((token) => typeof token === "string" && /[^\x00-\x7f]/.test(token))).toBe(
      true,
    );
    const encoding = GptEncoding.getEncodingApi("o200k_base", () => read);
    for (const text of ["Say hello", "東京の天気は？ 21°C ☀️", "def f(x):\n\treturn x ** 2", ""])
      expect(encoding.countTokens(text)).toBe(countTokens(text));
  });

  it("keeps unused ranks unused and byte tokens as bytes", () => {
    const ranks: Array<string | number[] | undefined> = ["a", undefined, [0xe2, 0x82], "ü", ""];
    const read = readBpeRankFile(writeBpeRankFile(ranks));
    expect(read).toHaveLength(5);
    expect(1 in read).toBe(false);
    expect(read).toEqual(["a", undefined, [0xe2, 0x82], "ü", ""]);
  });

  it("refuses a file that is not one, or is cut short", () => {
    expect(() => readBpeRankFile(Buffer.from("not ranks at all"))).toThrow(/not a BPE rank file/);
    const file = writeBpeRankFile(["a", "b"]);
    expect(() => readBpeRankFile(file.subarray(0, file.length - 1))).toThrow(/wrong size/);
  });
});
