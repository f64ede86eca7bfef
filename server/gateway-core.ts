import type { Dispatcher } from "undici";
import type { Config } from "./config.ts";
import { createInMemoryResponseCache, type ResponseCache } from "./gateway/cache.ts";
import { createDeploymentHealth } from "./gateway/deployment-health.ts";
import { createModelCatalog } from "./gateway/model-catalog.ts";
import { createPricing } from "./gateway/pricing.ts";
import { createProviderAdapter } from "./gateway/providers/registry.ts";
import { createInMemoryRateLimiter, type RateLimiter } from "./gateway/rate-limit.ts";
import { createRouter } from "./gateway/router.ts";
import type { Admit } from "./gateway/admission.ts";
import { createAdmission, deploymentScopeKey } from "./modules/completions/admission.ts";
import { createAttemptWalker, type WalkEvent } from "./gateway/attempt-walk.ts";
import { createCompletionsService } from "./modules/completions/completions.service.ts";
import type { KeepBody } from "./modules/completions/request-bodies.ts";
import type { RequestRecord } from "./gateway/request-record.ts";
import type { RequestTracing } from "./tracing.ts";

export interface GatewayCoreOptions {
  /** The models, the router and the response cache settings; nothing else of the config is read here. */
  config: Pick<Config, "models" | "router" | "cache"> & Partial<Pick<Config, "modelAliases">>;
  /** The upstream connection pool every adapter shares. */
  dispatcher: Dispatcher;
  /** Where each finished request goes (the log writer, metrics, live events — or nowhere). */
  recordRequest(entry: RequestRecord): void;
  /** The rate limiter's counters, read by the `usage` strategy; an in-memory one by default. */
  limiter?: RateLimiter;
  /** Keys, limits and budgets before each attempt; by default only deployments' own rpm/tpm on `limiter`. */
  admit?: Admit;
  /**
   * Where answers are cached when `config.cache.enabled` (the server passes a Redis one when
   * `redis.url` is set: see response-cache.ts); this instance's memory by default.
   */
  responseCache?: ResponseCache;
  /** Told about retries and fallbacks (the server logs them as warnings). */
  onWalkEvent?: (event: WalkEvent) => void;
  /** OpenTelemetry spans for completions and attempts (server/tracing.ts); none when off. */
  tracing?: RequestTracing;
  now?: () => number;
  random?: () => number;
  /** `logging.storeBodies`: keeps each request's redacted prompt and answer with its log entry. */
  keepBody?: KeepBody;
}

/**
 * The request pipeline without any surface (DESIGN §6 steps 2, 5 and 6): router and prices,
 * deployment health, the attempt walker (retries, fallbacks, cooldowns) and the completions
 * service over them. The server (app.ts) wraps it in governance, storage and HTTP; the SDK
 * (sdk/create-gateway.ts) calls it in-process. Loads no GraphQL, HTTP-server or database code.
 */
export function createGatewayCore({
  config,
  dispatcher,
  recordRequest,
  now = Date.now,
  random,
  limiter = createInMemoryRateLimiter({ now }),
  admit = createAdmission({ limiter }),
  onWalkEvent,
  responseCache,
  tracing,
  keepBody,
}: GatewayCoreOptions) {
  const cache = config.cache;
  const pricing = createPricing();
  const router = createRouter({
    models: config.models,
    aliases: config.modelAliases,
    random,
    createAdapter: (entry) => createProviderAdapter(entry, { dispatcher }),
    priceFor: (provider, model, entry) =>
      pricing.priceFor({ provider, model, override: entry.pricing }),
  });
  const health = createDeploymentHealth({
    failuresToCooldown: config.router.cooldown.failures,
    cooldownMs: config.router.cooldown.seconds * 1000,
    now,
    // Deployments a wildcard made for callers' model names share a bounded LRU; the config's stay.
    isConfigured: (deploymentId) => router.entryIdOfDeployment(deploymentId) === deploymentId,
  });
  const describeModel = createModelCatalog();
  const completions = createCompletionsService({
    router,
    now,
    admit,
    tracing,
    walkAttempts: createAttemptWalker({
      router,
      tracing,
      retries: config.router.retries,
      fallbacks: config.router.fallbacks,
      contextWindowFallbacks: config.router.contextWindowFallbacks,
      contentPolicyFallbacks: config.router.contentPolicyFallbacks,
      contextWindowOf: (deployment) =>
        deployment.entry.contextWindow ??
        deployment.price?.contextWindow ??
        describeModel({
          provider: deployment.provider,
          model: deployment.model,
          servesEmbeddings: false,
        }).contextWindow,
      health,
      strategy: config.router.strategy,
      usageOf: (deploymentId) =>
        limiter.usage(
          deploymentScopeKey({ entryId: router.entryIdOfDeployment(deploymentId) ?? deploymentId }),
        ),
      random,
      now,
      onEvent: onWalkEvent,
    }),
    responseCache: cache.enabled
      ? {
          store:
            responseCache ?? createInMemoryResponseCache({ maxEntries: cache.maxEntries, now }),
          ttlMs: cache.ttlSeconds * 1000,
          cacheNonDeterministic: cache.cacheNonDeterministic,
        }
      : undefined,
    timeoutMs: config.router.timeoutMs,
    attemptTimeoutMs: config.router.attemptTimeoutMs,
    firstTokenTimeoutMs: config.router.firstTokenTimeoutMs,
    streamIdleTimeoutMs: config.router.streamIdleTimeoutMs,
    recordRequest,
    keepBody,
  });
  return { router, health, completions };
}
