import { createPubSub } from "graphql-yoga";
import type { Router } from "./gateway/router.ts";
import type { CompletionsService } from "./modules/completions/completions.service.ts";
import { createModelsService } from "./modules/models/models.service.ts";
import { createSpendService } from "./modules/spend/spend.service.ts";
import type { RequestLogEntry } from "./storage/log-writer.ts";
import type { RequestLogRepository } from "./storage/request-log-repository.ts";

/** Live events; a Redis-backed event target can replace the in-memory one for several instances. */
export type GatewayEvents = ReturnType<typeof createGatewayEvents>;

export function createGatewayEvents() {
  return createPubSub<{ requestLogged: [RequestLogEntry] }>();
}

/** Everything resolvers and REST handlers call; none of it imports GraphQL. */
export function createServices({ router, completions, requestLogs, events }: { router: Router; completions: CompletionsService; requestLogs: RequestLogRepository; events: GatewayEvents }) {
  return {
    completions,
    models: createModelsService({ router }),
    spend: createSpendService({ requestLogs }),
    events,
  };
}

export type AppServices = ReturnType<typeof createServices>;
