/*
 * The response cache shared by every instance (config `cache` with `redis.url`): one Redis
 * string per answer, JSON, expiring on its own (SET PX), at `cache:<key>` after the connection's
 * key prefix (`switchboard:cache:<key>` by default). Redis failing is never the request's
 * failure: a read that fails is a miss, a write that fails is skipped, and the problem is reported
 * once per outage rather than once per request.
 */
import type { Redis } from "ioredis";
import type { CachedAnswer, ResponseCache } from "../../gateway/cache.ts";

/** Before each entry's key, after the connection's own `keyPrefix` (ioredis adds that one). */
export const responseCacheKeyPrefix = "cache:";

export interface RedisResponseCacheOptions {
  /** The commands connection (storage/redis/redis-connection.ts). */
  redis: Redis;
  /** Told when the cache stops working (and not again until it has worked once more). */
  onProblem?: (message: string, error: unknown) => void;
}

export function createRedisResponseCache({
  redis,
  onProblem = () => {},
}: RedisResponseCacheOptions): ResponseCache {
  let failing = false;

  function failed(message: string, error: unknown): undefined {
    if (!failing) onProblem(message, error);
    failing = true;
    return undefined;
  }

  return {
    async get(key) {
      let text: string | null;
      try {
        text = await redis.get(responseCacheKeyPrefix + key);
      } catch (error) {
        return failed("reading the response cache from Redis failed; serving misses", error);
      }
      failing = false;
      if (text === null) return undefined;
      try {
        return JSON.parse(text) as CachedAnswer;
      } catch (error) {
        onProblem("a response cache entry in Redis is not JSON; treated as a miss", error);
        return undefined;
      }
    },
    async set(key, answer, ttlMs) {
      const text = JSON.stringify(answer);
      try {
        await redis.set(responseCacheKeyPrefix + key, text, "PX", Math.max(1, Math.round(ttlMs)));
        failing = false;
      } catch (error) {
        failed("writing the response cache to Redis failed; answers are not being cached", error);
      }
    },
  };
}
