import type { BpeRanks } from "./bpe-rank-file.ts";

/*
 * Counts a text's tokens in a BPE encoding the way tiktoken and gpt-tokenizer do: the encoding's
 * regular expression splits the text into pieces; a piece that is a token counts one; any other
 * is merged from its bytes, the adjacent pair of lowest rank first, and counts the parts left.
 * Special tokens (`<|endoftext|>`) are text like any other: the gateway counts what callers send.
 *
 * Tokens are looked up by their bytes in an open-addressing hash table (FNV-1a, linear probing)
 * over `BpeRanks`' typed arrays, not in a Map of strings: o200k_base takes ~5 MB outside the heap
 * and milliseconds to index, where gpt-tokenizer's encoder keeps ~17 MB of heap and ~30 MB of
 * resident memory and takes ~0.1 s to build at every start (issue 16).
 * test/unit/bpe-rank-file.test.ts holds the counts to gpt-tokenizer's own.
 */

const fnvOffset = 0x811c9dc5;
const fnvPrime = 0x01000193;
const noRank = 0x7fffffff;
const encoder = new TextEncoder();

export class BpeTokenCounter {
  readonly #bytes: Uint8Array;
  readonly #starts: Uint32Array;
  /** Hash slot → rank + 1 (0: empty). */
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #split: RegExp;
  /** Scratch for a piece's bytes (pieces up to a third its length) and, merging, its parts. */
  readonly #piece = new Uint8Array(4096);
  readonly #partStarts = new Int32Array(4096);
  readonly #pairRanks = new Int32Array(4096);

  constructor({ bytes, starts }: BpeRanks, split: RegExp) {
    this.#bytes = bytes;
    this.#starts = starts;
    const count = starts.length - 1;
    let size = 1024;
    while (size < count * 2) size *= 2;
    this.#slots = new Int32Array(size);
    this.#mask = size - 1;
    for (let rank = 0; rank < count; rank += 1) {
      const start = starts[rank]!;
      const end = starts[rank + 1]!;
      if (end === start) continue;
      let slot = hashOf(bytes, start, end) & this.#mask;
      while (this.#slots[slot] !== 0) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = rank + 1;
    }
    this.#split = new RegExp(split.source, "gu");
  }

  count(text: string): number {
    const split = this.#split;
    split.lastIndex = 0;
    let total = 0;
    for (let match = split.exec(text); match !== null; match = split.exec(text)) {
      if (match[0].length === 0) split.lastIndex += 1;
      else total += this.#countPiece(match[0]);
    }
    return total;
  }

  #countPiece(piece: string): number {
    const bytes =
      piece.length * 3 <= this.#piece.length ? this.#piece : new Uint8Array(piece.length * 3);
    // ASCII, by far the most pieces, is its own bytes: hashed while copied.
    let length = 0;
    let hash = fnvOffset;
    for (; length < piece.length; length += 1) {
      const code = piece.charCodeAt(length);
      if (code >= 0x80) break;
      bytes[length] = code;
      hash = Math.imul(hash ^ code, fnvPrime);
    }
    if (length < piece.length) {
      length = encoder.encodeInto(piece, bytes).written;
      hash = hashOf(bytes, 0, length);
    }
    if (this.#rankOf(bytes, 0, length, hash) !== noRank) return 1;
    return this.#mergedParts(bytes, length);
  }

  /** The tokens byte-pair merging leaves of `bytes[0, length)` (tiktoken's `byte_pair_merge`). */
  #mergedParts(bytes: Uint8Array, length: number): number {
    const fits = length < this.#partStarts.length;
    const starts = fits ? this.#partStarts : new Int32Array(length + 1);
    const ranks = fits ? this.#pairRanks : new Int32Array(length + 1);
    let boundaries = length + 1;
    for (let index = 0; index < boundaries; index += 1) starts[index] = index;
    for (let index = 0; index < boundaries; index += 1)
      ranks[index] = this.#pairRank(bytes, starts, index, boundaries);
    while (boundaries > 1) {
      let lowest = noRank;
      let at = -1;
      for (let index = 0; index < boundaries - 1; index += 1)
        if (ranks[index]! < lowest) {
          lowest = ranks[index]!;
          at = index;
        }
      if (at === -1) break;
      starts.copyWithin(at + 1, at + 2, boundaries);
      ranks.copyWithin(at, at + 1, boundaries);
      boundaries -= 1;
      ranks[at] = this.#pairRank(bytes, starts, at, boundaries);
      if (at > 0) ranks[at - 1] = this.#pairRank(bytes, starts, at - 1, boundaries);
    }
    return boundaries - 1;
  }

  /** The rank of the part starting at boundary `index` merged with the next, or `noRank`. */
  #pairRank(bytes: Uint8Array, starts: Int32Array, index: number, boundaries: number): number {
    if (index + 2 >= boundaries) return noRank;
    const start = starts[index]!;
    const end = starts[index + 2]!;
    return this.#rankOf(bytes, start, end, hashOf(bytes, start, end));
  }

  #rankOf(piece: Uint8Array, start: number, end: number, hash: number): number {
    const tokens = this.#bytes;
    const length = end - start;
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const entry = this.#slots[slot]!;
      if (entry === 0) return noRank;
      const tokenStart = this.#starts[entry - 1]!;
      if (this.#starts[entry]! - tokenStart !== length) continue;
      let same = true;
      for (let offset = 0; offset < length && same; offset += 1)
        same = tokens[tokenStart + offset] === piece[start + offset];
      if (same) return entry - 1;
    }
  }
}

function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let hash = fnvOffset;
  for (let index = start; index < end; index += 1) hash = Math.imul(hash ^ bytes[index]!, fnvPrime);
  return hash;
}
