import { setMaxListeners } from "node:events";
import { createPubSub, type PubSubEventTarget } from "graphql-yoga";
import type { DeploymentHealth } from "./gateway/deployment-health.ts";
import type { Router } from "./gateway/router.ts";
import type { CompletionsService } from "./modules/completions/completions.service.ts";
import { createModelsService } from "./modules/models/models.service.ts";
import { createSpendService } from "./modules/spend/spend.service.ts";
import type { RequestRecord } from "./gateway/request-record.ts";
import type { RequestLogRepository } from "./storage/request-log-repository.ts";
import type { AuditLogRepository } from "./storage/audit-log-repository.ts";
import type { PrismaClient } from "./storage/db.ts";
import type { BudgetsService } from "./modules/budgets/budgets.service.ts";
import type { KeyDirectory } from "./modules/keys/key-directory.ts";
import { createKeysService } from "./modules/keys/keys.service.ts";
import { createTeamsService } from "./modules/teams/teams.service.ts";

/** Live events; a Redis-backed event target can replace the in-memory one for several instances. */
export type GatewayEvents = ReturnType<typeof createGatewayEvents>;

/** A budget passing its soft threshold (80% of the limit) in a period. */
export interface BudgetAlert {
  scope: "team" | "apiKey";
  scopeId: string;
  label: string;
  period: string;
  periodStart: Date;
  spentUsd: string;
  limitUsd: string;
  fraction: number;
}

type GatewayEventMap = { requestLogged: [RequestRecord]; budgetThresholdReached: [BudgetAlert] };

/**
 * In memory by default; pass the Redis event target (storage/redis/redis-events.ts) so that
 * subscribers on every instance see what each instance publishes.
 */
export function createGatewayEvents(eventTarget?: PubSubEventTarget<GatewayEventMap>) {
  if (eventTarget) return createPubSub<GatewayEventMap>({ eventTarget });
  // Every open dashboard and live feed is one listener; Node's default warns past 10 of them.
  const inMemory = new EventTarget();
  setMaxListeners(0, inMemory);
  return createPubSub<GatewayEventMap>({
    eventTarget: inMemory as PubSubEventTarget<GatewayEventMap>,
  });
}

export interface ServicesOptions {
  router: Router;
  completions: CompletionsService;
  requestLogs: RequestLogRepository;
  events: GatewayEvents;
  prisma: PrismaClient;
  governance: {
    directory: KeyDirectory;
    audit: AuditLogRepository;
    budgets: BudgetsService;
    clock: () => Date;
  };
  health?: DeploymentHealth;
  /** `retention.requestLogsDays`, for spend over part-days (default 90). */
  requestLogsDays?: number;
}

/** Everything resolvers and REST handlers call; none of it imports GraphQL. */
export function createServices({
  router,
  completions,
  requestLogs,
  events,
  prisma,
  governance,
  health,
  requestLogsDays,
}: ServicesOptions) {
  const { directory, audit, budgets, clock: now } = governance;
  return {
    completions,
    models: createModelsService({ router, health }),
    spend: createSpendService({
      requestLogs,
      now: () => now().getTime(),
      requestLogsDays,
    }),
    teams: createTeamsService({ prisma, directory, audit, now }),
    keys: createKeysService({ prisma, directory, audit, now }),
    audit,
    budgets,
    events,
  };
}

export type AppServices = ReturnType<typeof createServices>;
