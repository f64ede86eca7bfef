/*
 * A BPE encoding's ranks as bytes: every token's bytes in rank order and where each starts. This
 * is what `BpeTokenCounter` looks tokens up in, ~2.6 MB of typed arrays for o200k_base where
 * gpt-tokenizer's Map of 200,000 strings holds ~17 MB of heap and takes ~0.1 s to build
 * (issue 16).
 *
 * The CLI bundle ships them as one binary file, written at build time (scripts/bundle-server.ts)
 * and read at start instead of importing gpt-tokenizer's 2.4 MB JavaScript module of string
 * literals. Layout (little-endian): "SBPE2\n"; the token count and the bytes' total length (u32
 * each); a u16 per rank, its token's byte length (0 for an unused rank); then the tokens' bytes.
 */

/** A rank's token as gpt-tokenizer's `bpeRanks` arrays hold it: its text, or its bytes. */
export type BpeToken = string | number[];

export interface BpeRanks {
  /** Every token's bytes, in rank order. */
  bytes: Uint8Array;
  /** Rank → where its bytes start in `bytes`; one entry more than there are ranks. */
  starts: Uint32Array;
}

const magic = Buffer.from("SBPE2\n", "latin1");
const headerBytes = magic.length + 8;
const maxTokenBytes = 0xffff;

/** The byte form of gpt-tokenizer's `bpeRanks` array (holes are unused ranks). */
export function bpeRanksOf(tokens: readonly (BpeToken | undefined)[]): BpeRanks {
  const encoded = Array.from(tokens, (token) =>
    typeof token === "string" ? Buffer.from(token, "utf8") : Uint8Array.from(token ?? []),
  );
  const starts = new Uint32Array(encoded.length + 1);
  encoded.forEach((token, rank) => (starts[rank + 1] = starts[rank]! + token.length));
  return { bytes: Buffer.concat(encoded), starts };
}

export function writeBpeRankFile({ bytes, starts }: BpeRanks): Buffer {
  const count = starts.length - 1;
  const header = Buffer.alloc(headerBytes + count * 2);
  magic.copy(header);
  header.writeUInt32LE(count, magic.length);
  header.writeUInt32LE(bytes.length, magic.length + 4);
  for (let rank = 0; rank < count; rank += 1) {
    const length = starts[rank + 1]! - starts[rank]!;
    if (length > maxTokenBytes) throw new RangeError(`token ${rank} is too long`);
    header.writeUInt16LE(length, headerBytes + rank * 2);
  }
  return Buffer.concat([header, bytes]);
}

/** The ranks a `writeBpeRankFile` buffer holds (their bytes a view of `file`); throws on others. */
export function readBpeRankFile(file: Buffer): BpeRanks {
  if (file.length < headerBytes || !file.subarray(0, magic.length).equals(magic))
    throw new Error("not a BPE rank file");
  const count = file.readUInt32LE(magic.length);
  const byteCount = file.readUInt32LE(magic.length + 4);
  const bytesStart = headerBytes + count * 2;
  if (bytesStart + byteCount !== file.length) throw new Error("BPE rank file of the wrong size");
  const starts = new Uint32Array(count + 1);
  for (let rank = 0; rank < count; rank += 1)
    starts[rank + 1] = starts[rank]! + file.readUInt16LE(headerBytes + rank * 2);
  if (starts[count] !== byteCount) throw new Error("BPE rank file's lengths do not add up");
  return { bytes: file.subarray(bytesStart), starts };
}
