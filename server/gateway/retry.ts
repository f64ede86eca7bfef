/**
 * When a failed upstream attempt may be tried again, and after how long (DESIGN §3 `router.retries`,
 * §10.2). Pure: reads only the error's `isRetryable`, `isContextLengthExceeded` and `retryAfterMs`,
 * so the caller (the request flow) owns the clock and the choice of the next deployment.
 */
import { GatewayError, UpstreamError } from "./errors.ts";

export interface RetryPolicyOptions {
  /** Retries after the first attempt (so `retries + 1` attempts at most). Default 2. */
  retries?: number;
  /** The backoff ceiling of the first retry; it doubles with each attempt. Default 250. */
  baseDelayMs?: number;
  /** The backoff ceiling never grows past this. Default 8 000. */
  maxDelayMs?: number;
  /** A provider's retry-after longer than this is not waited for: with no other deployment to try, the request fails. Default 30 000. */
  retryAfterCapMs?: number;
  /** Uniform in [0, 1); injected for deterministic tests. Default Math.random. */
  random?: () => number;
}

export type RetryDecision = { retry: false; reason: string } | { retry: true; delayMs: number };

/** The largest per-request `metadata.retries` accepted; more would let one caller hammer providers. */
const maximumRetriesOverride = 10;

/**
 * Whether attempt number `attempt` (1-based: the attempt that just failed) may be followed by
 * another, and after how long. Only GatewayErrors that are UpstreamError with `isRetryable`
 * retry; a context-length error never does (the router falls back instead); CANCELLED never does.
 * Backoff is exponential (base × 2^(attempt-1)) with full jitter (random × that), capped at
 * `maxDelayMs`. An error's `retryAfterMs` is about the deployment that sent it: when
 * `hasOtherDeployment` (the next attempt goes elsewhere) the retry goes ahead at once; on the
 * same deployment it is waited exactly (not jittered) unless it exceeds `retryAfterCapMs`, and
 * then there is no retry.
 */
export function decideRetry(
  error: unknown,
  attempt: number,
  options: { hasOtherDeployment: boolean } & RetryPolicyOptions,
): RetryDecision {
  const {
    hasOtherDeployment,
    retries = 2,
    baseDelayMs = 250,
    maxDelayMs = 8_000,
    retryAfterCapMs = 30_000,
    random = Math.random,
  } = options;

  if (!(error instanceof GatewayError)) return { retry: false, reason: "not a gateway error" };
  if (error.code === "CANCELLED") return { retry: false, reason: "the request was cancelled" };
  if (!(error instanceof UpstreamError))
    return { retry: false, reason: `${error.code} is not an upstream failure` };
  if (error.isContextLengthExceeded)
    return { retry: false, reason: "the prompt exceeds the model's context window" };
  if (!error.isRetryable) return { retry: false, reason: "the upstream error is not retryable" };
  if (attempt > retries)
    return { retry: false, reason: `${retries} ${retries === 1 ? "retry" : "retries"} used` };

  if (error.retryAfterMs !== undefined) {
    const retryAfterMs = Math.max(0, error.retryAfterMs);
    if (hasOtherDeployment) return { retry: true, delayMs: 0 };
    if (retryAfterMs <= retryAfterCapMs) return { retry: true, delayMs: retryAfterMs };
    return {
      retry: false,
      reason: `retry-after ${retryAfterMs} ms exceeds the ${retryAfterCapMs} ms cap and no other deployment is left`,
    };
  }

  const ceilingMs = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return { retry: true, delayMs: Math.floor(random() * ceilingMs) };
}

/** Reads a per-request override of the retry count from the request's `metadata` (`{ retries: n }`, an integer 0–10), else undefined. */
export function retriesOverride(metadata: unknown): number | undefined {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    return undefined;
  const retries: unknown = (metadata as Record<string, unknown>).retries;
  if (typeof retries !== "number" || !Number.isInteger(retries)) return undefined;
  return retries >= 0 && retries <= maximumRetriesOverride ? retries : undefined;
}
