/*
 * Rate limits shared by every instance (issue 13): the same sliding minute of per-second
 * buckets as the in-memory limiter, counted by Lua scripts so a check and its count are one
 * atomic step across instances. The window's seconds come from the instance's clock (as in
 * memory; instances keep their clocks in step with NTP, a skew only moves a request into the
 * neighbouring second's bucket).
 *
 * Keys (after `redis.keyPrefix`), per scope: `rl:{<group>}:<scope key>:w` — a hash of `r:<second>` and
 * `t:<second>` (requests and tokens counted in that second) — and `…:p`, a sorted set of the
 * leases in flight scored by when they expire. The `{group}` hash tag puts every scope one
 * script touches in one Redis Cluster slot: a key and its team share their team's; a deployment
 * has its own, so its limits are a second script, undone when they refuse. Leases expire after
 * `leaseTtlMs` (the longest a request can run): an instance that dies mid-request frees its
 * parallel slots then instead of never.
 */
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import {
  type AcquireResult,
  type LimitLease,
  type LimitName,
  type LimitScope,
  type LimitUsage,
  type RateLimiter,
  limitRefusal,
  refuseIfNeverFits,
} from "../../gateway/rate-limit.ts";
import { askRedis } from "./redis-connection.ts";

// KEYS: per scope i, KEYS[2i-1] the window hash and KEYS[2i] the lease set.
// ARGV: tokens, lease id, lease ttl ms, now ms, then per scope rpm, tpm, maxParallel ("" = none).
// Returns {1, second, per scope: requests, tokens, in flight (after counting)}
// or {0, scope index, limit name, retry after ms, tokens in window}.
const acquireScript = `
local nowMs = tonumber(ARGV[4])
local second = math.floor(nowMs / 1000)
local tokens = tonumber(ARGV[1])
local needed = math.max(tokens, 1)
local leaseTtl = tonumber(ARGV[3])
local scopes = #KEYS / 2
local totals = {}
local refusal = nil
for i = 1, scopes do
  local window, leases = KEYS[2 * i - 1], KEYS[2 * i]
  local base = 4 + 3 * (i - 1)
  local rpm, tpm, parallel = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local flat = redis.call('HGETALL', window)
  local requests, tokensIn = {}, {}
  local requestSum, tokenSum = 0, 0
  local expired = {}
  for j = 1, #flat, 2 do
    local kind, at = string.sub(flat[j], 1, 1), tonumber(string.sub(flat[j], 3))
    local value = tonumber(flat[j + 1])
    if at <= second - 60 then
      expired[#expired + 1] = flat[j]
    elseif kind == 'r' then
      requests[at] = value
      requestSum = requestSum + value
    else
      tokensIn[at] = value
      tokenSum = tokenSum + value
    end
  end
  if #expired > 0 then redis.call('HDEL', window, unpack(expired)) end
  redis.call('ZREMRANGEBYSCORE', leases, '-inf', nowMs)
  local inFlight = redis.call('ZCARD', leases)
  totals[i] = {requestSum, tokenSum, inFlight}
  local function waitFor(buckets, inWindow, need, limit)
    local remaining = inWindow
    for at = second - 59, second do
      remaining = remaining - (buckets[at] or 0)
      if remaining + need <= limit then
        return math.min(60000, math.max(1, (at + 60) * 1000 - nowMs))
      end
    end
    return 60000
  end
  local scopeRefusal = nil
  if parallel and inFlight >= parallel then
    scopeRefusal = {i, 'maxParallel', 1000, tokenSum}
  elseif rpm and requestSum + 1 > rpm then
    scopeRefusal = {i, 'rpm', waitFor(requests, requestSum, 1, rpm), tokenSum}
  elseif tpm and tokenSum + needed > tpm then
    scopeRefusal = {i, 'tpm', waitFor(tokensIn, tokenSum, needed, tpm), tokenSum}
  end
  if scopeRefusal and (not refusal or scopeRefusal[3] > refusal[3]) then refusal = scopeRefusal end
end
if refusal then return {0, refusal[1], refusal[2], refusal[3], refusal[4]} end
local result = {1, second}
for i = 1, scopes do
  local window, leases = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('HINCRBY', window, 'r:' .. second, 1)
  if tokens > 0 then redis.call('HINCRBY', window, 't:' .. second, tokens) end
  redis.call('PEXPIRE', window, 120000)
  redis.call('ZADD', leases, nowMs + leaseTtl, ARGV[2])
  redis.call('PEXPIRE', leases, leaseTtl + 1000)
  result[#result + 1] = totals[i][1] + 1
  result[#result + 1] = totals[i][2] + tokens
  result[#result + 1] = totals[i][3] + 1
end
return result
`;

// KEYS: as acquire's. ARGV: lease id, the second it was counted in, token correction, undo (1/0), now ms.
// Frees the lease; corrects the tokens of the counted second while it is in the window; an undo
// (a later group refused) also takes the request back out.
const releaseScript = `
local second = math.floor(tonumber(ARGV[5]) / 1000)
local counted, correction, undo = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4] == '1'
for i = 1, #KEYS / 2 do
  local window, leases = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('ZREM', leases, ARGV[1])
  if counted > second - 60 then
    if undo then
      local requests = tonumber(redis.call('HGET', window, 'r:' .. counted) or '0')
      if requests > 0 then redis.call('HINCRBY', window, 'r:' .. counted, -1) end
    end
    if correction ~= 0 then
      local tokens = tonumber(redis.call('HGET', window, 't:' .. counted) or '0')
      local corrected = math.max(0, tokens + correction)
      if corrected ~= tokens then redis.call('HSET', window, 't:' .. counted, corrected) end
    end
  end
end
return 1
`;

type LimiterRedis = Redis & {
  switchboardAcquire(keys: number, ...args: Array<string | number>): Promise<unknown[]>;
  switchboardRelease(keys: number, ...args: Array<string | number>): Promise<unknown>;
};

export interface RedisRateLimiterOptions {
  redis: Redis;
  /** The longest a request can hold a parallel slot (the request timeout, and a margin). */
  leaseTtlMs: number;
  /** Told about a release that could not reach Redis (its lease then expires on its own). */
  onProblem?: (message: string, error: unknown) => void;
  /** Lease ids; unique per request across instances. */
  newLeaseId?: () => string;
  now?: () => number;
}

export interface RedisRateLimiter extends RateLimiter {
  acquire(scopes: LimitScope[], estimatedTokens: number): Promise<AcquireResult>;
  /** Resolves once every release sent so far has been answered. */
  settled(): Promise<void>;
}

const unlimited: AcquireResult = Object.freeze({
  ok: true as const,
  lease: Object.freeze({ release() {} }),
});

/**
 * Every acquire is one round trip per group of scopes (one for a key and its team, one more when
 * the deployment has limits of its own). A refusal reads exactly as the in-memory limiter's.
 * `usage` answers from what this instance last saw (the counts the scripts return), bounded to
 * 10,000 scopes; it feeds the `usage` routing strategy and the GraphQL usage fields.
 */
export function createRedisRateLimiter({
  redis,
  leaseTtlMs,
  onProblem = () => {},
  newLeaseId = () => crypto.randomUUID(),
  now = Date.now,
}: RedisRateLimiterOptions): RedisRateLimiter {
  const client = redis as LimiterRedis;
  if (!("switchboardAcquire" in client)) {
    redis.defineCommand("switchboardAcquire", { lua: acquireScript });
    redis.defineCommand("switchboardRelease", { lua: releaseScript });
  }
  const lastSeen = new LRUCache<string, LimitUsage>({ max: 10_000 });
  const releases = new Set<Promise<unknown>>();

  function keysOf(scopes: LimitScope[]): string[] {
    return scopes.flatMap((scope) => {
      const prefix = `rl:{${scope.group ?? scope.key}}:${scope.key}`;
      return [`${prefix}:w`, `${prefix}:p`];
    });
  }

  async function acquireGroup(
    scopes: LimitScope[],
    tokens: number,
    leaseId: string,
  ): Promise<{ ok: true; second: number } | Extract<AcquireResult, { ok: false }>> {
    const limits = scopes.flatMap(({ limits }) =>
      [limits.rpm, limits.tpm, limits.maxParallel].map((limit) => (limit == null ? "" : limit)),
    );
    const reply = await askRedis(() =>
      client.switchboardAcquire(
        scopes.length * 2,
        ...keysOf(scopes),
        tokens,
        leaseId,
        leaseTtlMs,
        now(),
        ...limits,
      ),
    );
    if (reply[0] === 0) {
      const [, index, limit, retryAfterMs, tokensInWindow] = reply as [
        0,
        number,
        LimitName,
        number,
        number,
      ];
      return limitRefusal(scopes[index - 1], limit, retryAfterMs, {
        tokensInWindow,
        estimatedTokens: tokens,
      });
    }
    scopes.forEach((scope, index) => {
      const [requests, tokensLastMinute, inFlight] = reply.slice(2 + index * 3, 5 + index * 3);
      lastSeen.set(scope.key, {
        requestsLastMinute: Number(requests),
        tokensLastMinute: Number(tokensLastMinute),
        inFlight: Number(inFlight),
      });
    });
    return { ok: true, second: Number(reply[1]) };
  }

  function release(
    scopes: LimitScope[],
    leaseId: string,
    second: number,
    correction: number,
    undo: boolean,
  ): Promise<void> {
    for (const scope of scopes) {
      const seen = lastSeen.get(scope.key);
      if (seen && seen.inFlight > 0) seen.inFlight -= 1;
    }
    const sent = client
      .switchboardRelease(
        scopes.length * 2,
        ...keysOf(scopes),
        leaseId,
        second,
        correction,
        undo ? 1 : 0,
        now(),
      )
      .then(
        () => undefined,
        (error) =>
          onProblem(
            `releasing a rate-limit lease in Redis failed; it expires on its own within ${Math.round(leaseTtlMs / 1000)} s`,
            error,
          ),
      );
    releases.add(sent);
    void sent.finally(() => releases.delete(sent));
    return sent;
  }

  async function acquire(scopes: LimitScope[], estimatedTokens: number): Promise<AcquireResult> {
    const tokens =
      Number.isFinite(estimatedTokens) && estimatedTokens > 0 ? Math.ceil(estimatedTokens) : 0;
    const limited = scopes.filter(
      ({ limits }) => limits.rpm != null || limits.tpm != null || limits.maxParallel != null,
    );
    if (limited.length === 0) return unlimited;
    for (const scope of limited) {
      const permanent = refuseIfNeverFits(scope, tokens);
      if (permanent) return permanent;
    }
    const groups = new Map<string, LimitScope[]>();
    for (const scope of limited) {
      const group = scope.group ?? scope.key;
      groups.set(group, [...(groups.get(group) ?? []), scope]);
    }
    const leaseId = newLeaseId();
    const counted: Array<{ scopes: LimitScope[]; second: number }> = [];
    for (const group of groups.values()) {
      let result;
      try {
        result = await acquireGroup(group, tokens, leaseId);
      } catch (error) {
        for (const done of counted) void release(done.scopes, leaseId, done.second, -tokens, true);
        throw error;
      }
      if (!result.ok) {
        // An earlier group counted this request: take it back out, as if never counted.
        for (const done of counted) void release(done.scopes, leaseId, done.second, -tokens, true);
        return result;
      }
      counted.push({ scopes: group, second: result.second });
    }
    let released = false;
    const lease: LimitLease = {
      release(actualTokens?: number) {
        if (released) return;
        released = true;
        const correction =
          actualTokens === undefined || !Number.isFinite(actualTokens)
            ? 0
            : Math.max(0, Math.ceil(actualTokens)) - tokens;
        for (const done of counted)
          void release(done.scopes, leaseId, done.second, correction, false);
      },
    };
    return { ok: true, lease };
  }

  return {
    acquire,
    usage: (key) =>
      lastSeen.get(key) ?? { requestsLastMinute: 0, tokensLastMinute: 0, inFlight: 0 },
    async settled() {
      await Promise.allSettled([...releases]);
    },
  };
}
