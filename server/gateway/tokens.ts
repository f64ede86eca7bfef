import { readFile } from "node:fs/promises";
import {
  CL100K_TOKEN_SPLIT_REGEX,
  O200K_TOKEN_SPLIT_REGEX,
} from "gpt-tokenizer/esm/encodingParams/constants";
import { bpeRanksOf, readBpeRankFile, type BpeRanks, type BpeToken } from "./bpe-rank-file.ts";
import { BpeTokenCounter } from "./bpe-token-counter.ts";
import type { ChatMessage, ContentPart } from "./spec.ts";

/*
 * Token estimates, for what must be known before the provider counts: the context-window
 * pre-check, the tokens-per-minute limits and the budget reservation; and for requests whose
 * provider reports no usage (a stream cancelled before its usage chunk, a server that ignores
 * `stream_options.include_usage`), so spend is never silently zero. Whenever the provider
 * reports usage, its numbers are used instead.
 *
 * Text is counted with OpenAI's BPE encodings (gpt-tokenizer's ranks and split expressions,
 * counted by `BpeTokenCounter`): cl100k_base for GPT-4 / GPT-3.5 and the text-embedding models,
 * o200k_base for everything else — exact for OpenAI's models, and for other providers far closer
 * than characters/4, which undercounts Chinese or Japanese about 3–4× (a CJK character is one to
 * two tokens, not a quarter). Claude's tokenizer counts more than o200k (about 5% more on
 * English, 45% more on CJK, measured with ai-tokenizer's Claude vocabulary), so Claude models'
 * counts are raised by `claudeTokenFactor`. Each chat message carries a few tokens of framing
 * (role and separators; see OpenAI's cookbook "How to count tokens with tiktoken").
 *
 * An encoding takes ~20 ms to load from the rank file beside the CLI bundle (o200k_base), ~0.15 s
 * from gpt-tokenizer's module (cl100k_base, and both when run from the TypeScript sources);
 * `loadTokenEncodings()` starts that (the server awaits it before listening; cl100k_base only when
 * a configured model needs it). Until they are loaded, text falls back to 4 characters a token.
 */

type EncodingName = "o200k_base" | "cl100k_base";
type CountTokens = (text: string) => number;

const encodings: Partial<Record<EncodingName, CountTokens>> = {};
const loading: Partial<Record<EncodingName, Promise<void>>> = {};

function loadEncoding(name: EncodingName): Promise<void> {
  loading[name] ??= counterOf(name).then((counter) => {
    encodings[name] = (text) => counter.count(text);
  });
  return loading[name];
}

async function counterOf(name: EncodingName): Promise<BpeTokenCounter> {
  const ranks = (await shippedRanks(name)) ?? bpeRanksOf(await gptTokenizerRanks(name));
  return new BpeTokenCounter(
    ranks,
    name === "o200k_base" ? O200K_TOKEN_SPLIT_REGEX : CL100K_TOKEN_SPLIT_REGEX,
  );
}

/**
 * `<name>.bpe` beside this code: scripts/bundle-server.ts writes it next to the CLI bundle
 * (bpe-rank-file.ts says why). The library build and the TypeScript sources have none.
 */
async function shippedRanks(name: EncodingName): Promise<BpeRanks | undefined> {
  let file: Buffer;
  try {
    file = await readFile(new URL(`./${name}.bpe`, import.meta.url));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return readBpeRankFile(file);
}

/** gpt-tokenizer's ranks module for `name` (~2.4 MB of JavaScript; cl100k_base's is smaller). */
export async function gptTokenizerRanks(name: EncodingName): Promise<BpeToken[]> {
  const { default: ranks } = (await (name === "o200k_base"
    ? import("gpt-tokenizer/esm/bpeRanks/o200k_base" as string)
    : import("gpt-tokenizer/esm/bpeRanks/cl100k_base" as string))) as { default: BpeToken[] };
  return ranks;
}

/**
 * Loads the BPE encodings once per process; resolves when estimates use them. o200k_base
 * always; cl100k_base (~0.1 s more, from gpt-tokenizer's module) only when one of `models` — the
 * configured model ids — is counted with it or is a wildcard, or when no list is given. A cl100k
 * model met later loads it then, and is counted with o200k_base until it is in (issue 16).
 */
export function loadTokenEncodings(models?: readonly string[]): Promise<void> {
  const needsCl100k =
    models === undefined ||
    models.some((model) => model.includes("*") || countingFor(model).encoding === "cl100k_base");
  return Promise.all([
    loadEncoding("o200k_base"),
    needsCl100k ? loadEncoding("cl100k_base") : undefined,
  ]).then(() => undefined);
}

/** OpenAI's models before GPT-4o (and its embedding models) use cl100k_base. */
const cl100kModel = /^(gpt-4(?!o|\.\d)|gpt-3\.5|text-embedding-(ada|3))/;
const claudeModel = /claude/i;
/** Claude's tokens per o200k token, between its English (~1.05) and CJK (~1.45) ratios. */
const claudeTokenFactor = 1.2;

/** How a model's text is counted: its encoding and a factor for tokenizers other than OpenAI's. */
interface Counting {
  encoding: EncodingName;
  factor: number;
}

function countingFor(model: string | undefined): Counting {
  const name = model?.slice(model.lastIndexOf("/") + 1).toLowerCase() ?? "";
  return {
    encoding: cl100kModel.test(name) ? "cl100k_base" : "o200k_base",
    factor: claudeModel.test(name) ? claudeTokenFactor : 1,
  };
}

const charactersPerToken = 4;

/**
 * A token count, or the function that counts it: counting a 100 KB prompt takes tens of
 * milliseconds, so the request path counts only when a limit, a budget or the context-window
 * pre-check needs the number (and once: see `countedOnce`).
 */
export type TokenEstimate = number | (() => number);

export function tokenCountOf(estimate: TokenEstimate): number {
  return typeof estimate === "function" ? estimate() : estimate;
}

/** `count`, run on first use and remembered. */
export function countedOnce(count: () => number): () => number {
  let counted: number | undefined;
  return () => (counted ??= count());
}
/** Framing tokens per message (`<|start|>role ... <|end|>`). */
const tokensPerMessage = 3;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
const tokensPerReply = 3;
/**
 * Images, audio and files: OpenAI's base cost of one low-detail image. Their real cost depends
 * on size or duration, which we cannot know without decoding them; counting their base64 text
 * instead would overcharge by orders of magnitude.
 */
const tokensPerMediaPart = 85;

/**
 * Estimated tokens in `text` for `model` (a model id, `provider/model` too; o200k_base when
 * absent): its BPE count, or 4 characters a token while the encodings are not loaded.
 */
export function estimateTokens(text: string, model?: string): number {
  return countText(text, countingFor(model));
}

function countText(text: string, { encoding, factor }: Counting): number {
  if (text.length === 0) return 0;
  let count = encodings[encoding];
  if (!count && encoding === "cl100k_base" && encodings.o200k_base) {
    void loadEncoding("cl100k_base").catch(() => {});
    count = encodings.o200k_base;
  }
  if (!count) return Math.ceil(text.length / charactersPerToken);
  return Math.ceil(count(text) * factor);
}

/**
 * Estimated prompt tokens of a chat request's messages for `model`: each message's text, name
 * and tool calls, plus 3 tokens of framing per message and 3 for the reply.
 */
export function estimatePromptTokens(messages: ChatMessage[], model?: string): number {
  const counting = countingFor(model);
  let total = tokensPerReply;
  for (const message of messages) {
    total += tokensPerMessage + contentTokens(message.content, counting);
    if (message.name) total += countText(message.name, counting);
    // Defensive: this runs while logging a failed or cancelled request, where a throw would lose the log.
    for (const call of message.tool_calls ?? [])
      total +=
        countText(call.function?.name ?? "", counting) +
        countText(call.function?.arguments ?? "", counting);
  }
  return total;
}

function contentTokens(content: ChatMessage["content"], counting: Counting): number {
  if (typeof content === "string") return countText(content, counting);
  if (!Array.isArray(content)) return 0;
  return content.reduce((sum, part) => sum + partTokens(part, counting), 0);
}

function partTokens(part: ContentPart, counting: Counting): number {
  if (part.type === "text" && typeof part.text === "string") return countText(part.text, counting);
  return tokensPerMediaPart;
}

/** Estimated tokens of an embeddings input: its texts' (token-array inputs are counted by the provider). */
export function estimateInputTokens(input: string | unknown[], model?: string): number {
  const counting = countingFor(model);
  return (Array.isArray(input) ? input : [input]).reduce<number>(
    (sum, item) => sum + (typeof item === "string" ? countText(item, counting) : 0),
    0,
  );
}
