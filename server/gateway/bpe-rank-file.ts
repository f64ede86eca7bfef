/*
 * A BPE encoding's ranks (gpt-tokenizer's `bpeRanks` arrays: rank → token text, or its bytes
 * when they are not UTF-8) as one binary file, written next to the CLI bundle at build time and
 * read at start instead of importing gpt-tokenizer's 2.4 MB JavaScript module of 200,000 string
 * literals, which V8 compiles before it builds a single string (issue 16).
 *
 * Layout (little-endian): "SBPE1\n"; the token count, the ASCII text's byte length, the UTF-8
 * text's byte length and the byte tokens' JSON length (u32 each); a u16 per rank — its text's
 * length, with `inUtf8Text` set when the text is not ASCII, or `bytesToken` / `missingToken`;
 * then the ASCII tokens' text, the other tokens' text (UTF-8), each in rank order; then the byte
 * tokens as JSON `[[rank, [byte, …]], …]`. ASCII tokens come from a one-byte string, as V8
 * stores them when it compiles gpt-tokenizer's module, so looking them up stays as fast.
 */

/** A rank's token: its text, or its bytes when they are not valid UTF-8 on their own. */
export type BpeToken = string | number[];

const magic = Buffer.from("SBPE1\n", "latin1");
const headerBytes = magic.length + 16;
const inUtf8Text = 0x8000;
const bytesToken = 0xffff;
const missingToken = 0xfffe;

export function writeBpeRankFile(ranks: readonly (BpeToken | undefined)[]): Buffer {
  const lengths = Buffer.alloc(ranks.length * 2);
  const ascii: string[] = [];
  const other: string[] = [];
  const byteTokens: Array<[number, number[]]> = [];
  for (let rank = 0; rank < ranks.length; rank += 1) {
    const token = ranks[rank];
    let code: number;
    if (typeof token === "string") {
      if (token.length >= inUtf8Text) throw new RangeError(`token ${rank} is too long`);
      const isAscii = /^[\x00-\x7f]*$/.test(token);
      (isAscii ? ascii : other).push(token);
      code = isAscii ? token.length : token.length | inUtf8Text;
    } else if (Array.isArray(token)) {
      byteTokens.push([rank, token]);
      code = bytesToken;
    } else code = missingToken;
    lengths.writeUInt16LE(code, rank * 2);
  }
  const asciiText = Buffer.from(ascii.join(""), "latin1");
  const otherText = Buffer.from(other.join(""), "utf8");
  const json = Buffer.from(JSON.stringify(byteTokens), "utf8");
  const header = Buffer.alloc(headerBytes);
  magic.copy(header);
  [ranks.length, asciiText.length, otherText.length, json.length].forEach((value, index) =>
    header.writeUInt32LE(value, magic.length + 4 * index),
  );
  return Buffer.concat([header, lengths, asciiText, otherText, json]);
}

/** The ranks a `writeBpeRankFile` buffer holds; throws on anything else. */
export function readBpeRankFile(file: Buffer): BpeToken[] {
  if (file.length < headerBytes || !file.subarray(0, magic.length).equals(magic))
    throw new Error("not a BPE rank file");
  const [count, asciiBytes, otherBytes, jsonBytes] = [0, 1, 2, 3].map((index) =>
    file.readUInt32LE(magic.length + 4 * index),
  ) as [number, number, number, number];
  const asciiStart = headerBytes + count * 2;
  const otherStart = asciiStart + asciiBytes;
  const jsonStart = otherStart + otherBytes;
  if (jsonStart + jsonBytes !== file.length) throw new Error("BPE rank file of the wrong size");
  const asciiText = file.toString("latin1", asciiStart, otherStart);
  const otherText = file.toString("utf8", otherStart, jsonStart);
  const ranks = new Array<BpeToken>(count);
  let asciiAt = 0;
  let otherAt = 0;
  for (let rank = 0; rank < count; rank += 1) {
    const code = file.readUInt16LE(headerBytes + rank * 2);
    if (code === bytesToken || code === missingToken) continue;
    if (code & inUtf8Text) {
      const length = code & ~inUtf8Text;
      ranks[rank] = otherText.slice(otherAt, otherAt + length);
      otherAt += length;
    } else {
      ranks[rank] = asciiText.slice(asciiAt, asciiAt + code);
      asciiAt += code;
    }
  }
  if (asciiAt !== asciiText.length || otherAt !== otherText.length)
    throw new Error("BPE rank file text does not match its lengths");
  for (const [rank, bytes] of JSON.parse(file.toString("utf8", jsonStart)) as Array<
    [number, number[]]
  >)
    ranks[rank] = bytes;
  return ranks;
}
