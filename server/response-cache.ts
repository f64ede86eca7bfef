import type { Redis } from "ioredis";
import {
  createInMemoryResponseCache,
  type ResponseCache,
  type ResponseCacheSettings,
} from "./gateway/cache.ts";
import { createRedisResponseCache } from "./storage/redis/redis-response-cache.ts";

export interface ResponseCacheOptions {
  /** The config's `cache` section. */
  settings: ResponseCacheSettings;
  /** The commands connection when `redis.url` is set: the cache is then shared by every instance. */
  redis?: Redis;
  /** Told when Redis cannot serve the cache (requests go on as misses). */
  onProblem?: (message: string, error: unknown) => void;
  /** The in-memory cache's clock (tests). */
  now?: () => number;
}

/**
 * The response cache the config asks for: none when `cache.enabled` is false, Redis when a
 * connection is given, else this instance's memory (a bounded LRU of `cache.maxEntries`).
 */
export function createResponseCache({
  settings,
  redis,
  onProblem,
  now,
}: ResponseCacheOptions): ResponseCache | undefined {
  if (!settings.enabled) return undefined;
  if (redis) return createRedisResponseCache({ redis, onProblem });
  return createInMemoryResponseCache({ maxEntries: settings.maxEntries, now });
}
