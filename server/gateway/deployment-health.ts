/*
 * The health of each deployment as the router sees it: requests in flight (least-busy),
 * smoothed latency and time to first token (latency strategy), and cooldowns after repeated
 * failures (DESIGN §3 `router.cooldown`). Exposed in GraphQL as
 * models { deployments { healthy, cooldownUntil, inFlight, latencyMs } } and in metrics.
 * Pure: the clock is injected, nothing here does I/O. Several instances share cooldowns through
 * `onCooldown` and `coolDownUntil` (storage/redis/redis-cooldowns.ts carries them).
 */

import { LRUCache } from "lru-cache";

/** Tuning of cooldowns and smoothing; `router.cooldown` in the config maps onto the first three. */
export interface DeploymentHealthOptions {
  /** Failures within `failureWindowMs` that take a deployment out (config `cooldown.failures`). */
  failuresToCooldown?: number;
  /** How far back failures count towards a cooldown. */
  failureWindowMs?: number;
  /** How long a deployment stays out, from its last failure (config `cooldown.seconds` × 1000). */
  cooldownMs?: number;
  now?: () => number;
  /** Weight of the newest sample in the moving averages (EWMA alpha), in (0, 1]. */
  latencySmoothing?: number;
  /** The longest a retry-after takes a deployment out; a longer one is cut to this. */
  maxRetryAfterCooldownMs?: number;
  /**
   * True for the config's own deployments, whose state is kept for good. Any other id (one a
   * wildcard entry made for a model name a caller chose) lives in an LRU of
   * `maxOtherDeployments`, so invented names cannot grow memory. Default: none is configured.
   */
  isConfigured?: (deploymentId: string) => boolean;
  maxOtherDeployments?: number;
}

/** What is known about one deployment right now. */
export interface DeploymentSnapshot {
  inFlight: number;
  /** Smoothed latency of successful attempts; null before the first one. */
  latencyMs: number | null;
  /** Smoothed time to first token of successful streamed attempts; null before the first one. */
  timeToFirstTokenMs: number | null;
  coolingDown: boolean;
  /** When the cooldown ends; null when not cooling down. */
  cooldownUntil: Date | null;
  /** Failures within the failure window that have not (yet) led to a cooldown. */
  recentFailures: number;
}

/** The outcome of one attempt; the first call wins and later calls are ignored. */
export interface AttemptTracker {
  /** The attempt succeeded: latency (and time to first token for streams). */
  succeeded(result: { latencyMs: number; timeToFirstTokenMs?: number }): void;
  /**
   * A failure that counts towards cooldown (retryable upstream failures: 429, 5xx, timeouts,
   * connection). A provider's retry-after takes the deployment out at once until it has passed
   * (at most `maxRetryAfterCooldownMs`): the provider said not to call before then.
   */
  failed(details?: { retryAfterMs?: number }): void;
  /** Ended without saying anything about the deployment (caller cancelled, bad request): only frees the in-flight slot. */
  abandoned(): void;
}

export interface DeploymentHealth {
  /** Counts one attempt in flight on `deploymentId`; exactly one of the tracker's methods must be called once (later calls are ignored). */
  start(deploymentId: string): AttemptTracker;
  /** Current state of one deployment; an unknown id is idle and healthy with no measurements. */
  snapshot(deploymentId: string): DeploymentSnapshot;
  /** Healthy = not cooling down. A deployment whose cooldown has passed is healthy again (half-open: the next failure within the window after it counts afresh). */
  isHealthy(deploymentId: string): boolean;
  /**
   * Calls `listener` each time failures seen here take a deployment out or push its cooldown
   * later, with when it ends (epoch ms on the injected clock); returns the unsubscribe function.
   * Called inside the failing attempt's report, so a listener must return quickly and not throw.
   */
  onCooldown(listener: (deploymentId: string, untilMs: number) => void): () => void;
  /**
   * Takes a deployment out until `untilMs` because another instance took it out. Never shortens
   * a cooldown already running; a time already past changes nothing. Not told to `onCooldown`
   * listeners: it is news from elsewhere, not to be passed on again.
   */
  coolDownUntil(deploymentId: string, untilMs: number): void;
}

interface DeploymentState {
  inFlight: number;
  latencyMs: number | null;
  timeToFirstTokenMs: number | null;
  /** Times of failures in the window, oldest first; never more than failuresToCooldown entries. */
  failureTimes: number[];
  /** The cooldown ends at this time; at or before now means not cooling down. */
  cooldownUntilMs: number;
}

/**
 * Keeps health in process memory: one small record per configured deployment, and at most
 * `maxOtherDeployments` more for deployments made for callers' model names (least recently used
 * forgotten first: an attempt still in flight on one keeps its own record and ends normally).
 *
 * Decisions: a success does not erase earlier failures in the window (a deployment failing
 * every other request is still unhealthy); failures reported while a deployment cools down are
 * ignored, because they come from attempts started before it was taken out and would otherwise
 * take it straight back out when the cooldown ends.
 */
export function createDeploymentHealth({
  failuresToCooldown = 3,
  failureWindowMs = 60_000,
  cooldownMs = 30_000,
  now = Date.now,
  latencySmoothing = 0.3,
  maxRetryAfterCooldownMs = 300_000,
  isConfigured = () => false,
  maxOtherDeployments = 1_000,
}: DeploymentHealthOptions = {}): DeploymentHealth & { trackedCount(): number } {
  if (!Number.isInteger(failuresToCooldown) || failuresToCooldown < 1)
    throw new RangeError(
      `failuresToCooldown must be a positive integer, got ${failuresToCooldown}`,
    );
  if (!(failureWindowMs >= 0))
    throw new RangeError(`failureWindowMs must be zero or more, got ${failureWindowMs}`);
  if (!(cooldownMs >= 0))
    throw new RangeError(`cooldownMs must be zero or more, got ${cooldownMs}`);
  if (!(latencySmoothing > 0 && latencySmoothing <= 1))
    throw new RangeError(`latencySmoothing must be in (0, 1], got ${latencySmoothing}`);

  const configuredStates = new Map<string, DeploymentState>();
  const otherStates = new LRUCache<string, DeploymentState>({ max: maxOtherDeployments });
  const stateById = {
    get: (deploymentId: string) =>
      isConfigured(deploymentId)
        ? configuredStates.get(deploymentId)
        : otherStates.get(deploymentId),
    set: (deploymentId: string, state: DeploymentState) =>
      isConfigured(deploymentId)
        ? configuredStates.set(deploymentId, state)
        : otherStates.set(deploymentId, state),
  };
  const cooldownListeners = new Set<(deploymentId: string, untilMs: number) => void>();
  let latestMs = Number.NEGATIVE_INFINITY;

  // A clock stepped backwards (NTP) must not restart a finished cooldown or revive old failures.
  function clock(): number {
    const time = now();
    if (time > latestMs) latestMs = time;
    return latestMs;
  }

  function stateFor(deploymentId: string): DeploymentState {
    let state = stateById.get(deploymentId);
    if (!state) {
      state = {
        inFlight: 0,
        latencyMs: null,
        timeToFirstTokenMs: null,
        failureTimes: [],
        cooldownUntilMs: Number.NEGATIVE_INFINITY,
      };
      stateById.set(deploymentId, state);
    }
    return state;
  }

  /** Drops failures that left the window; at most failuresToCooldown entries, so constant work. */
  function forgetOldFailures(state: DeploymentState, currentMs: number): void {
    while (state.failureTimes.length > 0 && state.failureTimes[0] <= currentMs - failureWindowMs)
      state.failureTimes.shift();
  }

  function smooth(previous: number | null, sample: number): number {
    return previous === null
      ? sample
      : latencySmoothing * sample + (1 - latencySmoothing) * previous;
  }

  function recordSuccess(
    state: DeploymentState,
    { latencyMs, timeToFirstTokenMs }: { latencyMs: number; timeToFirstTokenMs?: number },
  ): void {
    // One bad measurement (NaN from a broken timer) would otherwise poison the average for good.
    if (isMeasurement(latencyMs)) state.latencyMs = smooth(state.latencyMs, latencyMs);
    if (timeToFirstTokenMs !== undefined && isMeasurement(timeToFirstTokenMs))
      state.timeToFirstTokenMs = smooth(state.timeToFirstTokenMs, timeToFirstTokenMs);
  }

  function recordFailure(
    deploymentId: string,
    state: DeploymentState,
    retryAfterMs: number | undefined,
  ): void {
    const currentMs = clock();
    const untilBefore = state.cooldownUntilMs;
    countFailure(state, retryAfterMs, currentMs);
    const untilMs = state.cooldownUntilMs;
    if (untilMs > untilBefore && untilMs > currentMs)
      for (const listener of cooldownListeners) listener(deploymentId, untilMs);
  }

  function countFailure(
    state: DeploymentState,
    retryAfterMs: number | undefined,
    currentMs: number,
  ): void {
    if (retryAfterMs !== undefined && isMeasurement(retryAfterMs)) {
      state.cooldownUntilMs = Math.max(
        state.cooldownUntilMs,
        currentMs + Math.min(retryAfterMs, maxRetryAfterCooldownMs),
      );
    }
    if (state.cooldownUntilMs > currentMs) return;
    forgetOldFailures(state, currentMs);
    state.failureTimes.push(currentMs);
    if (state.failureTimes.length >= failuresToCooldown) {
      state.cooldownUntilMs = currentMs + cooldownMs;
      state.failureTimes.length = 0;
    }
  }

  function start(deploymentId: string): AttemptTracker {
    const state = stateFor(deploymentId);
    state.inFlight += 1;
    let ended = false;
    // Frees the slot exactly once, so in-flight cannot go negative however the tracker is misused.
    function end(): boolean {
      if (ended) return false;
      ended = true;
      state.inFlight -= 1;
      return true;
    }
    return {
      succeeded(result) {
        if (end()) recordSuccess(state, result);
      },
      failed(details) {
        if (end()) recordFailure(deploymentId, state, details?.retryAfterMs);
      },
      abandoned() {
        end();
      },
    };
  }

  function snapshot(deploymentId: string): DeploymentSnapshot {
    const state = stateById.get(deploymentId);
    if (!state)
      return {
        inFlight: 0,
        latencyMs: null,
        timeToFirstTokenMs: null,
        coolingDown: false,
        cooldownUntil: null,
        recentFailures: 0,
      };
    const currentMs = clock();
    forgetOldFailures(state, currentMs);
    const coolingDown = state.cooldownUntilMs > currentMs;
    return {
      inFlight: state.inFlight,
      latencyMs: state.latencyMs,
      timeToFirstTokenMs: state.timeToFirstTokenMs,
      coolingDown,
      cooldownUntil: coolingDown ? new Date(state.cooldownUntilMs) : null,
      recentFailures: state.failureTimes.length,
    };
  }

  function isHealthy(deploymentId: string): boolean {
    const state = stateById.get(deploymentId);
    return !state || state.cooldownUntilMs <= clock();
  }

  function onCooldown(listener: (deploymentId: string, untilMs: number) => void): () => void {
    cooldownListeners.add(listener);
    return () => cooldownListeners.delete(listener);
  }

  function coolDownUntil(deploymentId: string, untilMs: number): void {
    if (!Number.isFinite(untilMs) || untilMs <= clock()) return;
    const state = stateFor(deploymentId);
    if (untilMs <= state.cooldownUntilMs) return;
    state.cooldownUntilMs = untilMs;
    // As when it is taken out here: failures before the cooldown do not count after it.
    state.failureTimes.length = 0;
  }

  /** Deployments with a record in memory (for tests and to prove the bound). */
  function trackedCount(): number {
    return configuredStates.size + otherStates.size;
  }

  return { start, snapshot, isHealthy, onCooldown, coolDownUntil, trackedCount };
}

function isMeasurement(milliseconds: number): boolean {
  return Number.isFinite(milliseconds) && milliseconds >= 0;
}
