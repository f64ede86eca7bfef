/*
 * Requests per minute, tokens per minute and requests in flight, per API key, team and
 * deployment (DESIGN §6, request flow step 3). Everything goes through `RateLimiter`, so the
 * scale-out work can swap the in-memory counters for Redis without touching callers.
 */

/** The limits of one scope; a missing (or null, as stored) limit does not apply. */
export interface Limits {
  rpm?: number | null;
  tpm?: number | null;
  maxParallel?: number | null;
}

/** One thing limits apply to, e.g. { key: "apiKey:<id>", limits } / "team:<id>" / "deployment:<id>". */
export interface LimitScope {
  /** Identifies the counters; distinct scopes of one request must have distinct keys. */
  key: string;
  limits: Limits;
  /** For error messages, e.g. "team 'search'". */
  label: string;
  /**
   * Scopes with the same group are counted in one atomic step by a shared (Redis) limiter, which
   * keeps a group's counters in one Redis Cluster slot: a key and its team share their team's.
   * Defaults to `key`.
   */
  group?: string;
}

export interface LimitLease {
  /** Called once when the request ends: frees the parallel slot and corrects the token count from the estimate to the actual. Idempotent. */
  release(actualTokens?: number): void;
}

export type LimitName = "rpm" | "tpm" | "maxParallel";

export type AcquireResult =
  | { ok: true; lease: LimitLease }
  | { ok: false; scope: LimitScope; limit: LimitName; retryAfterMs: number; message: string };

/** Current usage of one scope. */
export interface LimitUsage {
  requestsLastMinute: number;
  tokensLastMinute: number;
  inFlight: number;
}

export interface RateLimiter {
  /**
   * Atomically checks every scope and, only if all allow it, counts the request (1 request,
   * estimatedTokens tokens, 1 parallel slot) in all of them. Synchronous in memory; a promise
   * when the counters are shared (Redis), rejecting with REDIS_UNAVAILABLE when they cannot be read.
   */
  acquire(scopes: LimitScope[], estimatedTokens: number): AcquireResult | Promise<AcquireResult>;
  /** Current usage of one scope (for GraphQL/metrics): requests and tokens in the last minute, parallel in flight. */
  usage(key: string): LimitUsage;
}

export interface InMemoryRateLimiter extends RateLimiter {
  acquire(scopes: LimitScope[], estimatedTokens: number): AcquireResult;
  /** How many scopes hold counters in memory (for metrics, and to prove idle scopes are dropped). */
  trackedScopeCount(): number;
}

const windowSeconds = 60;
const windowMs = windowSeconds * 1000;
/**
 * Nothing tells us when an in-flight request will end; one second is short enough not to make
 * callers wait long and long enough not to have them spin on the slot.
 */
export const parallelRetryAfterMs = 1000;
/** Idle longer than the window, a scope's counters are all zero, so dropping them loses nothing. */
const idleScopeMs = 2 * windowMs;
const sweepIntervalMs = windowMs;

/** The sliding-minute counters of one scope: a ring of per-second buckets, slot = second mod 60. */
interface ScopeCounters {
  requestsPerSecond: Uint32Array;
  tokensPerSecond: Float64Array;
  /** The newest second the ring holds; buckets of seconds at or before headSecond - 60 are zero. */
  headSecond: number;
  requestsInWindow: number;
  tokensInWindow: number;
  inFlight: number;
  lastUsedMs: number;
}

const unlimited: AcquireResult = Object.freeze({
  ok: true as const,
  lease: Object.freeze({ release() {} }),
});

/**
 * Counts in process memory, for a single instance. The window is a sliding minute made of
 * per-second buckets: the current second and the 59 before it, so it spans 59–60 s and a
 * request stops counting at most one second early. Memory is fixed per scope; scopes left
 * untouched for two minutes with nothing in flight are dropped by a sweep that `acquire` runs
 * at most once a minute, so churning keys do not leak.
 */
export function createInMemoryRateLimiter({
  now = Date.now,
}: { now?: () => number } = {}): InMemoryRateLimiter {
  const countersByKey = new Map<string, ScopeCounters>();
  let latestMs = Number.NEGATIVE_INFINITY;
  let nextSweepMs = Number.NEGATIVE_INFINITY;

  // A clock stepped backwards (NTP) must not un-expire buckets or count into a past slot.
  function clock(): number {
    const time = now();
    if (time > latestMs) latestMs = time;
    return latestMs;
  }

  function countersFor(key: string, second: number, currentMs: number): ScopeCounters {
    let counters = countersByKey.get(key);
    if (!counters) {
      counters = {
        requestsPerSecond: new Uint32Array(windowSeconds),
        tokensPerSecond: new Float64Array(windowSeconds),
        headSecond: second,
        requestsInWindow: 0,
        tokensInWindow: 0,
        inFlight: 0,
        lastUsedMs: currentMs,
      };
      countersByKey.set(key, counters);
    }
    return counters;
  }

  function sweep(currentMs: number): void {
    nextSweepMs = currentMs + sweepIntervalMs;
    for (const [key, counters] of countersByKey) {
      if (counters.inFlight === 0 && currentMs - counters.lastUsedMs > idleScopeMs)
        countersByKey.delete(key);
    }
  }

  function acquire(scopes: LimitScope[], estimatedTokens: number): AcquireResult {
    const currentMs = clock();
    const second = Math.floor(currentMs / 1000);
    if (currentMs >= nextSweepMs) sweep(currentMs);
    const tokens = Number.isFinite(estimatedTokens) && estimatedTokens > 0 ? estimatedTokens : 0;
    let counted: ScopeCounters[] | undefined;
    let refusal: Refusal | undefined;
    // Check every scope before counting in any: a refused request must not eat another scope's budget.
    for (const scope of scopes) {
      const { rpm, tpm, maxParallel } = scope.limits;
      if (rpm == null && tpm == null && maxParallel == null) continue;
      // A request over a limit can never be served, so the other scopes' waits do not matter.
      const permanentRefusal = refuseIfNeverFits(scope, tokens);
      if (permanentRefusal) return permanentRefusal;
      const counters = countersFor(scope.key, second, currentMs);
      advance(counters, second);
      counters.lastUsedMs = currentMs;
      const scopeRefusal = check(scope, counters, tokens, currentMs);
      if (!scopeRefusal) {
        (counted ??= []).push(counters);
        continue;
      }
      // Report the longest wait: retrying after a shorter one would only be refused again.
      if (!refusal || scopeRefusal.retryAfterMs > refusal.retryAfterMs) refusal = scopeRefusal;
    }
    if (refusal) return refusal;
    if (!counted) return unlimited;
    const slot = slotOf(second);
    for (const counters of counted) {
      counters.requestsPerSecond[slot] += 1;
      counters.tokensPerSecond[slot] += tokens;
      counters.requestsInWindow += 1;
      counters.tokensInWindow += tokens;
      counters.inFlight += 1;
    }
    return { ok: true, lease: createLease(counted, second, tokens) };
  }

  function createLease(
    counted: ScopeCounters[],
    countedSecond: number,
    estimatedTokens: number,
  ): LimitLease {
    let released = false;
    return {
      release(actualTokens?: number) {
        if (released) return;
        released = true;
        const currentMs = clock();
        const second = Math.floor(currentMs / 1000);
        const correction =
          actualTokens === undefined || !Number.isFinite(actualTokens)
            ? 0
            : Math.max(0, actualTokens) - estimatedTokens;
        const slot = slotOf(countedSecond);
        for (const counters of counted) {
          counters.inFlight -= 1;
          counters.lastUsedMs = currentMs;
          if (correction === 0) continue;
          advance(counters, second);
          // Tokens of a bucket that already left the window no longer limit anything.
          if (countedSecond <= counters.headSecond - windowSeconds) continue;
          const corrected = Math.max(0, counters.tokensPerSecond[slot] + correction);
          counters.tokensInWindow += corrected - counters.tokensPerSecond[slot];
          counters.tokensPerSecond[slot] = corrected;
        }
      },
    };
  }

  function usage(key: string): LimitUsage {
    const counters = countersByKey.get(key);
    if (!counters) return { requestsLastMinute: 0, tokensLastMinute: 0, inFlight: 0 };
    advance(counters, Math.floor(clock() / 1000));
    return {
      requestsLastMinute: counters.requestsInWindow,
      tokensLastMinute: counters.tokensInWindow,
      inFlight: counters.inFlight,
    };
  }

  function trackedScopeCount(): number {
    return countersByKey.size;
  }

  return { acquire, usage, trackedScopeCount };
}

function slotOf(second: number): number {
  return ((second % windowSeconds) + windowSeconds) % windowSeconds;
}

/** Moves the ring forward to `second`, zeroing (and subtracting) the buckets that left the window. */
function advance(counters: ScopeCounters, second: number): void {
  const elapsed = second - counters.headSecond;
  if (elapsed <= 0) return;
  if (elapsed >= windowSeconds) {
    counters.requestsPerSecond.fill(0);
    counters.tokensPerSecond.fill(0);
    counters.requestsInWindow = 0;
    counters.tokensInWindow = 0;
  } else {
    for (let expired = counters.headSecond + 1; expired <= second; expired++) {
      const slot = slotOf(expired);
      counters.requestsInWindow -= counters.requestsPerSecond[slot];
      counters.tokensInWindow -= counters.tokensPerSecond[slot];
      counters.requestsPerSecond[slot] = 0;
      counters.tokensPerSecond[slot] = 0;
    }
  }
  counters.headSecond = second;
}

// A spent window admits nothing, even a request estimated at 0 tokens: it will use some.
export function tokensNeeded(estimatedTokens: number): number {
  return Math.max(estimatedTokens, 1);
}

export type Refusal = Extract<AcquireResult, { ok: false }>;

/** Refuses, with a full window's wait, a request that would not fit even into an empty window. */
export function refuseIfNeverFits(scope: LimitScope, estimatedTokens: number): Refusal | undefined {
  const { rpm, tpm } = scope.limits;
  if (tpm != null && tokensNeeded(estimatedTokens) > tpm) {
    return refuse(
      scope,
      "tpm",
      windowMs,
      `This request needs about ${estimatedTokens} tokens, more than the ${tpm} tokens per minute allowed for ${scope.label}, so it can never be served; shorten the prompt or lower max_tokens.`,
    );
  }
  if (rpm != null && rpm < 1)
    return refuse(
      scope,
      "rpm",
      windowMs,
      `No requests are allowed for ${scope.label} (rpm ${rpm}).`,
    );
  return undefined;
}

/** Refuses a request that has to wait for the window to slide or for a parallel slot. */
function check(
  scope: LimitScope,
  counters: ScopeCounters,
  estimatedTokens: number,
  currentMs: number,
): Refusal | undefined {
  const { rpm, tpm, maxParallel } = scope.limits;
  if (maxParallel != null && counters.inFlight >= maxParallel)
    return limitRefusal(scope, "maxParallel", parallelRetryAfterMs);
  if (rpm != null && counters.requestsInWindow + 1 > rpm) {
    const retryAfterMs = waitUntilFits(
      counters.requestsPerSecond,
      counters.requestsInWindow,
      1,
      rpm,
      counters.headSecond,
      currentMs,
    );
    return limitRefusal(scope, "rpm", retryAfterMs);
  }
  if (tpm != null && counters.tokensInWindow + tokensNeeded(estimatedTokens) > tpm) {
    const retryAfterMs = waitUntilFits(
      counters.tokensPerSecond,
      counters.tokensInWindow,
      tokensNeeded(estimatedTokens),
      tpm,
      counters.headSecond,
      currentMs,
    );
    return limitRefusal(scope, "tpm", retryAfterMs, {
      tokensInWindow: counters.tokensInWindow,
      estimatedTokens,
    });
  }
  return undefined;
}

/** The refusal of a request that has to wait (the same words whichever limiter counted). */
export function limitRefusal(
  scope: LimitScope,
  limit: LimitName,
  retryAfterMs: number,
  tokens: { tokensInWindow: number; estimatedTokens: number } = {
    tokensInWindow: 0,
    estimatedTokens: 0,
  },
): Refusal {
  const { rpm, tpm, maxParallel } = scope.limits;
  const retryIn = `Retry in ${Math.ceil(retryAfterMs / 1000)} s.`;
  const message =
    limit === "maxParallel"
      ? `Too many requests in flight for ${scope.label}: at most ${maxParallel} at once. Retry when one finishes.`
      : limit === "rpm"
        ? `Rate limit reached for ${scope.label}: ${rpm} requests per minute. ${retryIn}`
        : `Rate limit reached for ${scope.label}: ${tpm} tokens per minute, ${tokens.tokensInWindow} used and this request needs about ${tokens.estimatedTokens}. ${retryIn}`;
  return refuse(scope, limit, retryAfterMs, message);
}

/** Time until enough of the oldest buckets expire (bucket of second s leaves at (s + 60) s) for `needed` to fit under `limit`. */
function waitUntilFits(
  buckets: Uint32Array | Float64Array,
  inWindow: number,
  needed: number,
  limit: number,
  headSecond: number,
  currentMs: number,
): number {
  let remaining = inWindow;
  for (let second = headSecond - windowSeconds + 1; second <= headSecond; second++) {
    remaining -= buckets[slotOf(second)];
    if (remaining + needed <= limit)
      return Math.min(windowMs, Math.max(1, (second + windowSeconds) * 1000 - currentMs));
  }
  return windowMs;
}

function refuse(
  scope: LimitScope,
  limit: LimitName,
  retryAfterMs: number,
  message: string,
): Refusal {
  return { ok: false, scope, limit, retryAfterMs, message };
}
