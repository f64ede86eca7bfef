import {
  type CachedAnswer,
  cacheDirectives,
  isCacheable,
  type ResponseCache,
  responseCacheKey,
} from "../../gateway/cache.ts";
import { chunksFromResponse, responseFromChunks } from "../../gateway/chat-answer-forms.ts";
import { newCompletionId } from "../../gateway/identifiers.ts";
import type { Principal } from "../../gateway/principal.ts";
import type { DeploymentIdentity } from "../../gateway/router.ts";
import type { ChatChunk, ChatRequest, ChatResponse } from "../../gateway/spec.ts";

/** The response cache as the completions service uses it: the store and the config's rules. */
export interface ResponseCaching {
  store: ResponseCache;
  ttlMs: number;
  cacheNonDeterministic: boolean;
}

/** One request's place in the cache: its key, and whether it may read and write there. */
export interface CacheEntry {
  key: string;
  read: boolean;
  write: boolean;
}

/**
 * Where `request` stands with the cache; undefined when it stays away from it (the cache is off,
 * the request opted out, or its answer may not be cached — then no stored one is served either).
 */
export function cacheEntryFor(
  caching: ResponseCaching | undefined,
  request: ChatRequest,
  context: { principal: Principal; fallbacks?: readonly string[]; cacheControl?: string },
): CacheEntry | undefined {
  if (!caching || !isCacheable(request, caching)) return undefined;
  const directives = cacheDirectives(request.metadata, context.cacheControl);
  if (!directives.read && !directives.write) return undefined;
  const key = responseCacheKey({
    models: [request.model, ...(context.fallbacks ?? [])],
    teamId: context.principal.teamId,
    request,
  });
  return { key, ...directives };
}

/** The stored answer for `entry`, when it may read one and there is one. */
export async function findCachedAnswer(
  caching: ResponseCaching | undefined,
  entry: CacheEntry | undefined,
): Promise<CachedAnswer | undefined> {
  if (!caching || !entry?.read) return undefined;
  return caching.store.get(entry.key);
}

/**
 * Stores a successful answer off the request's path (the store never rejects; a broken custom
 * one is ignored). Of the deployment only its identity is kept: never its entry's credentials.
 */
export function storeAnswer(
  caching: ResponseCaching | undefined,
  entry: CacheEntry | undefined,
  {
    deployment,
    response,
    chunks,
  }: Omit<CachedAnswer, "servedBy"> & { deployment: DeploymentIdentity },
): void {
  if (!caching || !entry?.write) return;
  const { id, group, provider, model } = deployment;
  const servedBy = { id, group, provider, model };
  caching.store.set(entry.key, { servedBy, response, chunks }, caching.ttlMs).catch(() => {});
}

/** A hit's non-streaming answer, under a new completion id (each request gets its own). */
export function cachedResponse(answer: CachedAnswer): ChatResponse {
  const response = answer.response ?? responseFromChunks(answer.chunks ?? []);
  return { ...response, id: newCompletionId() };
}

/** A hit's stream, in its stored order, every chunk under one new completion id. */
export function cachedChunks(answer: CachedAnswer): ChatChunk[] {
  const id = newCompletionId();
  const chunks = answer.chunks ?? (answer.response ? chunksFromResponse(answer.response) : []);
  return chunks.map((chunk) => ({ ...chunk, id }));
}

/** The text of an answer's choices, for estimating its tokens when it carries no usage. */
export function completionTextOf(response: ChatResponse): string {
  return response.choices.map((choice) => choice.message.content ?? "").join("");
}
