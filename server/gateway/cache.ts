/*
 * The exact response cache (config `cache`): which chat requests may be answered from it, the key
 * an answer is stored under, and the store itself — in memory here (one instance, bounded LRU),
 * in Redis for several instances (storage/redis/redis-response-cache.ts), behind one interface.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { DeploymentIdentity } from "./router.ts";
import type { ChatChunk, ChatRequest, ChatResponse } from "./spec.ts";

/**
 * One cached answer, in the form its first request got it: a non-streaming answer keeps the
 * response, a stream keeps its chunks in order (the final usage chunk included). A hit of the
 * other form converts it (gateway/chat-answer-forms.ts), so both forms share one entry.
 */
export interface CachedAnswer {
  /** The deployment that produced the answer, reported again on every hit. */
  servedBy: DeploymentIdentity;
  response?: ChatResponse;
  chunks?: ChatChunk[];
}

/**
 * Where answers are kept. `set` copies the answer before it yields (callers may change theirs
 * afterwards) and neither method rejects: a store that cannot answer is a miss, one that cannot
 * write skips the write, since a cache must never fail a request.
 */
export interface ResponseCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void>;
}

/** The config's `cache` section. */
export interface ResponseCacheSettings {
  enabled: boolean;
  ttlSeconds: number;
  maxEntries: number;
  cacheNonDeterministic: boolean;
}

/** A request's own say: read the cache, write its answer to it, both or neither. */
export interface CacheDirectives {
  read: boolean;
  write: boolean;
}

/**
 * `metadata.cache: false` or `cache-control: no-store` keep a request away from the cache
 * entirely; `cache-control: no-cache` asks for a fresh answer, which then replaces the stored one.
 */
export function cacheDirectives(
  metadata: Record<string, unknown> | undefined,
  cacheControl: string | undefined,
): CacheDirectives {
  if (metadata?.cache === false) return { read: false, write: false };
  const tokens = new Set(
    (cacheControl ?? "")
      .toLowerCase()
      .split(",")
      .map((token) => token.trim()),
  );
  if (tokens.has("no-store")) return { read: false, write: false };
  return { read: !tokens.has("no-cache"), write: true };
}

/**
 * Whether the answer to `request` is the same every time, so a stored one is as good as a new
 * one. That takes `temperature: 0`: without a temperature the provider samples at its default
 * (1 for OpenAI, Anthropic and Gemini), and any temperature above 0 differs run to run.
 * `cacheNonDeterministic` lifts the rule (the caller accepts one sample for all). `n` is always
 * 1 (validation refuses more) and `seed` does not lift it: providers promise only best effort.
 */
export function isCacheable(
  request: Pick<ChatRequest, "temperature">,
  { cacheNonDeterministic }: Pick<ResponseCacheSettings, "cacheNonDeterministic">,
): boolean {
  return cacheNonDeterministic || request.temperature === 0;
}

/**
 * Request fields that do not change the answer: how it is delivered (`stream`, `stream_options`),
 * the caller's tags and end-user id (`metadata`, `user`, `safety_identifier`), and OpenAI's
 * storage and prompt-cache hints. `model` is keyed separately, as the model group's name.
 */
const fieldsNotInKey = new Set([
  "model",
  "stream",
  "stream_options",
  "metadata",
  "user",
  "safety_identifier",
  "store",
  "prompt_cache_key",
  "prompt_cache_retention",
]);

/** Bumped when the stored shape or the key's material changes, so old entries are never read. */
const keyVersion = 1;

/**
 * The key of a request's answer: a SHA-256 over the model group (and the caller's own fallbacks,
 * which may answer instead), the team (teams never see each other's answers) and the request
 * without `fieldsNotInKey`, written with sorted object keys and without null or absent fields,
 * so `{ a, b }` and `{ b, a }` are one entry.
 */
export function responseCacheKey({
  models,
  teamId,
  request,
}: {
  /** The requested model group first, then the caller's fallbacks in order. */
  models: readonly string[];
  teamId: string | undefined;
  request: ChatRequest;
}): string {
  const answerFields = Object.fromEntries(
    Object.entries(request).filter(([field]) => !fieldsNotInKey.has(field)),
  );
  const material = canonicalJson([keyVersion, models, teamId ?? null, answerFields]);
  return createHash("sha256").update(material).digest("hex");
}

/** JSON with object keys sorted at every depth, and null or undefined object fields left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (!item || typeof item !== "object" || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const field of Object.keys(item).sort()) {
      const fieldValue = (item as Record<string, unknown>)[field];
      if (fieldValue !== null && fieldValue !== undefined) sorted[field] = fieldValue;
    }
    return sorted;
  });
}

/**
 * One instance's cache: at most `maxEntries` answers (the least recently used go first), each
 * for the TTL it was stored with. Answers are kept as JSON text, so what a caller does to the
 * answer it got never reaches the stored one.
 */
export function createInMemoryResponseCache({
  maxEntries,
  now,
}: {
  maxEntries: number;
  /** The clock TTLs are measured on; default performance.now. */
  now?: () => number;
}): ResponseCache & { readonly size: number } {
  const entries = new LRUCache<string, string>({
    max: maxEntries,
    ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
  });
  return {
    async get(key) {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as CachedAnswer);
    },
    async set(key, answer, ttlMs) {
      entries.set(key, JSON.stringify(answer), { ttl: ttlMs });
    },
    get size() {
      return entries.size;
    },
  };
}
