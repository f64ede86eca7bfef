import { createBudgetLedger, type ThresholdCrossing } from "./gateway/budget.ts";
import { formatUsd } from "./gateway/money.ts";
import { createModelCatalog } from "./gateway/model-catalog.ts";
import { createInMemoryRateLimiter, type RateLimiter } from "./gateway/rate-limit.ts";
import { createAuthenticator } from "./http/authenticate.ts";
import { createAuthFailureThrottle } from "./modules/audit/auth-failure-throttle.ts";
import { createBudgetsService } from "./modules/budgets/budgets.service.ts";
import { createAdmission } from "./modules/completions/admission.ts";
import { createKeyDirectory } from "./modules/keys/key-directory.ts";
import type { GatewayEvents } from "./services.ts";
import { createAuditLogRepository } from "./storage/audit-log-repository.ts";
import type { PrismaClient } from "./storage/db.ts";
import type { RequestLogRepository } from "./storage/request-log-repository.ts";
import { createLocalFallback, type LocalFallback } from "./storage/redis/local-fallback.ts";
import { createRedisBudgetLedger } from "./storage/redis/redis-budget-ledger.ts";
import type { RedisConnection } from "./storage/redis/redis-connection.ts";
import { createRedisRateLimiter } from "./storage/redis/redis-rate-limiter.ts";

/** Limits and budgets shared through Redis (config `redis`). */
export interface SharedCounters {
  connection: RedisConnection;
  failOpen: boolean;
  /** The longest a request holds a parallel slot or a reservation (the request timeout and a margin). */
  holdTtlMs: number;
  /** Writes this instance's queued request logs (before a budget counter is seeded from storage). */
  flushLogs: () => Promise<void>;
}

export interface GovernanceOptions {
  masterKey?: string;
  prisma: PrismaClient;
  requestLogs: RequestLogRepository;
  events: GatewayEvents;
  now: () => number;
  onProblem: (message: string, error: unknown) => void;
  redis?: SharedCounters;
}

/**
 * Who may call and how much (DESIGN §6, request flow steps 1, 3 and 4): the in-memory key
 * directory, authentication, rate limits and budgets — their spend restored from the database
 * before the first request — and the audit trail they write to.
 */
export async function createGovernance({
  masterKey,
  prisma,
  requestLogs,
  events,
  now,
  onProblem,
  redis,
}: GovernanceOptions) {
  const clock = () => new Date(now());
  const directory = createKeyDirectory();
  await directory.load(prisma);
  const audit = createAuditLogRepository(prisma);
  /** Written off the request's path: a failed audit write is reported, never turned into a failed request. */
  const recordEvent = (entry: Parameters<typeof audit.record>[1], what: string) =>
    void audit
      .record(prisma, entry, clock())
      .catch((error) => onProblem(`recording ${what} failed`, error));

  // The soft threshold (80%): once per budget and period, on the live feed and in the audit log.
  const onThresholdCrossed = ({
    budget,
    periodStart,
    spentNanoUsd,
    limitNanoUsd,
    fraction,
  }: ThresholdCrossing) => {
    const alert = {
      scope: budget.scope,
      scopeId: budget.id,
      label: budget.label,
      period: budget.period,
      periodStart,
      spentUsd: formatUsd(spentNanoUsd),
      limitUsd: formatUsd(limitNanoUsd),
      fraction,
    };
    events.publish("budgetThresholdReached", alert);
    recordEvent(
      {
        actor: "gateway",
        action: "budget.threshold",
        targetType: budget.scope,
        targetId: budget.id,
        after: alert,
      },
      "a budget threshold",
    );
  };
  const localLedger = createBudgetLedger({ now: clock, onThresholdCrossed });
  const localLimiter = createInMemoryRateLimiter({ now });
  const shared = redis && sharedCounters(redis);
  const ledger = shared?.ledger ?? localLedger;
  const limiter: RateLimiter = shared?.limiter ?? localLimiter;
  const budgets = createBudgetsService({ directory, ledger, requestLogs, now: clock });
  // The local ledger answers alone without Redis, and for a failing-open instance during an
  // outage; restoring loads into it (the shared ledger's `load` is the local one's).
  if (!redis || redis.failOpen) await budgets.restore();

  /** Redis's counters, behind the local ones as `failOpen` says. */
  function sharedCounters({ connection, failOpen, holdTtlMs, flushLogs }: SharedCounters) {
    const sharedLedger = createRedisBudgetLedger({
      redis: connection.commands,
      holdTtlMs,
      spentInStorage: (budget, from) => requestLogs.spentSince(budget.scope, budget.id, from),
      beforeSeed: flushLogs,
      now: clock,
      onThresholdCrossed,
      onProblem,
    });
    const sharedLimiter = createRedisRateLimiter({
      redis: connection.commands,
      leaseTtlMs: holdTtlMs,
      onProblem,
      now,
    });
    const fallback: LocalFallback = createLocalFallback({
      failOpen,
      onFallback: (what, error) =>
        onProblem(
          `Redis is unavailable: ${what} are counted by this instance alone until it is back (redis.failOpen is true)`,
          error,
        ),
    });
    return {
      ledger: fallback.ledger(sharedLedger, localLedger),
      limiter: fallback.limiter(sharedLimiter, localLimiter),
      fallback,
      /** Resolves when every settle and release sent to Redis has landed (or after the timeout). */
      settled: async (timeoutMs: number) => {
        await Promise.all([sharedLedger.settled(timeoutMs), sharedLimiter.settled()]);
      },
    };
  }

  const describeModel = createModelCatalog();
  const admit = createAdmission({
    limiter,
    callers: { directory, budgets, ledger },
    maxOutputTokensOf: (deployment) =>
      describeModel({
        provider: deployment.provider,
        model: deployment.model,
        servesEmbeddings: false,
      }).maxOutputTokens,
  });
  const authFailures = createAuthFailureThrottle({ now });
  const authenticate = createAuthenticator({
    masterKey,
    keys: directory,
    now: clock,
    onFailure: ({ source, reason, keyPrefix, apiKeyId }) => {
      // Per presented key (its visible prefix), or per surface for a missing key; bounded in all.
      const decision = authFailures.admit(keyPrefix ?? `${source}:${reason}`);
      if (!decision.record) return;
      const { suppressedBefore } = decision;
      recordEvent(
        {
          actor: "anonymous",
          action: "auth.failure",
          targetType: apiKeyId ? "apiKey" : undefined,
          targetId: apiKeyId,
          after: { source, reason, keyPrefix, ...(suppressedBefore ? { suppressedBefore } : {}) },
        },
        "an authentication failure",
      );
    },
  });
  return {
    clock,
    directory,
    audit,
    budgets,
    admit,
    authenticate,
    /** Failed authentications seen, and those left out of the audit log (for metrics). */
    authFailureCounts: authFailures.counts,
    authFailureSourceCount: authFailures.sourceCount,
    /** Scopes with counters in this instance's memory (with Redis: those counted locally during an outage). */
    trackedScopeCount: localLimiter.trackedScopeCount,
    limiter,
    /** Checks answered by this instance alone while Redis was down (failOpen), for metrics. */
    localFallbackCount: () => shared?.fallback.fallbackCount() ?? 0,
    /** Waits for settles and releases still on their way to Redis (on stop). */
    settled: (timeoutMs: number) => shared?.settled(timeoutMs) ?? Promise.resolve(),
  };
}
