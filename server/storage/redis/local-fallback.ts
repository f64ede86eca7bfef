/*
 * What happens to limits and budgets while Redis is unreachable (config `redis.failOpen`):
 * - failOpen false (the default): the shared check's REDIS_UNAVAILABLE reaches the caller as a
 *   503. Nothing is ever counted per instance on the quiet.
 * - failOpen true: the check falls back to this instance's own in-memory counters (the budget
 *   ledger restored from the database at start) and says so, once per outage, through
 *   `onFallback`; every fallen-back check is counted for metrics. Each instance then enforces
 *   alone, so N instances may admit up to N× a limit during the outage: that is what the
 *   setting accepts.
 * Either way, the next check after Redis is back goes to Redis again: recovery needs no restart.
 */
import type { BudgetLedger, InMemoryBudgetLedger } from "../../gateway/budget.ts";
import { GatewayError } from "../../gateway/errors.ts";
import type { InMemoryRateLimiter, RateLimiter } from "../../gateway/rate-limit.ts";

export interface LocalFallbackOptions {
  failOpen: boolean;
  /** Called on the first fallen-back check of an outage (a log line). */
  onFallback?: (what: "rate limits" | "budgets", error: GatewayError) => void;
}

export interface LocalFallback {
  limiter(shared: RateLimiter, local: InMemoryRateLimiter): RateLimiter;
  ledger(shared: BudgetLedger, local: InMemoryBudgetLedger): BudgetLedger;
  /** Checks answered locally since start (for metrics). */
  fallbackCount(): number;
}

export function createLocalFallback({
  failOpen,
  onFallback = () => {},
}: LocalFallbackOptions): LocalFallback {
  let fallbacks = 0;
  let inOutage = false;

  /** Runs the shared check; on REDIS_UNAVAILABLE, the local one when failing open. */
  async function shared<Value>(
    what: "rate limits" | "budgets",
    check: () => Value | Promise<Value>,
    local: () => Value,
  ): Promise<Value> {
    try {
      const value = await check();
      inOutage = false;
      return value;
    } catch (error) {
      if (!failOpen || !(error instanceof GatewayError) || error.code !== "REDIS_UNAVAILABLE")
        throw error;
      fallbacks += 1;
      if (!inOutage) onFallback(what, error);
      inOutage = true;
      return local();
    }
  }

  return {
    limiter: (sharedLimiter, localLimiter) => ({
      acquire: (scopes, tokens) =>
        shared(
          "rate limits",
          () => sharedLimiter.acquire(scopes, tokens),
          () => localLimiter.acquire(scopes, tokens),
        ),
      usage: (key) => sharedLimiter.usage(key),
    }),
    ledger: (sharedLedger, localLedger) => ({
      reserve: (budgets, maxCost) =>
        shared(
          "budgets",
          () => sharedLedger.reserve(budgets, maxCost),
          () => localLedger.reserve(budgets, maxCost),
        ),
      state: (budget, at) =>
        shared(
          "budgets",
          () => sharedLedger.state(budget, at),
          () => localLedger.state(budget, at),
        ),
      load: (rows) => localLedger.load(rows),
      record: (row) => localLedger.record(row),
      forget: (scope, id) => localLedger.forget(scope, id),
    }),
    fallbackCount: () => fallbacks,
  };
}
