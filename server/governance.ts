import { createBudgetLedger } from "./gateway/budget.ts";
import { formatUsd } from "./gateway/money.ts";
import { createModelCatalog } from "./gateway/model-catalog.ts";
import { createInMemoryRateLimiter } from "./gateway/rate-limit.ts";
import { createAuthenticator } from "./http/authenticate.ts";
import { createBudgetsService } from "./modules/budgets/budgets.service.ts";
import { createAdmission } from "./modules/completions/admission.ts";
import { createKeyDirectory } from "./modules/keys/key-directory.ts";
import type { GatewayEvents } from "./services.ts";
import { createAuditLogRepository } from "./storage/audit-log-repository.ts";
import type { PrismaClient } from "./storage/db.ts";
import type { RequestLogRepository } from "./storage/request-log-repository.ts";

export interface GovernanceOptions {
  masterKey?: string;
  prisma: PrismaClient;
  requestLogs: RequestLogRepository;
  events: GatewayEvents;
  now: () => number;
  onProblem: (message: string, error: unknown) => void;
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

  const ledger = createBudgetLedger({
    now: clock,
    // The soft threshold (80%): once per budget and period, on the live feed and in the audit log.
    onThresholdCrossed: ({ budget, periodStart, spentNanoUsd, limitNanoUsd, fraction }) => {
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
    },
  });
  const budgets = createBudgetsService({ directory, ledger, requestLogs, now: clock });
  await budgets.restore();

  const describeModel = createModelCatalog();
  const limiter = createInMemoryRateLimiter({ now });
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
  const authenticate = createAuthenticator({
    masterKey,
    keys: directory,
    now: clock,
    onFailure: ({ source, reason, keyPrefix, apiKeyId }) =>
      recordEvent(
        {
          actor: "anonymous",
          action: "auth.failure",
          targetType: apiKeyId ? "apiKey" : undefined,
          targetId: apiKeyId,
          after: { source, reason, keyPrefix },
        },
        "an authentication failure",
      ),
  });
  return { clock, directory, audit, budgets, admit, authenticate, limiter };
}
