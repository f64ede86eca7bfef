import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Dispatcher } from "undici";
import { configuredModelNames, type Config } from "./config.ts";
import { createGatewayCore } from "./gateway-core.ts";
import { createGatewayLog, reportProblemTo } from "./logging/gateway-log.ts";
import { createLogger, type Logger, type LoggerOptions } from "./logging/logger.ts";
import { createUpstreamDispatcher } from "./gateway/http-pool.ts";
import { createGovernance } from "./governance.ts";
import { schema } from "./graphql/schema.ts";
import {
  createDashboardRoute,
  dashboardPath,
  redirectToDashboard,
} from "./http/dashboard-route.ts";
import { createCors } from "./http/cors.ts";
import { createMetrics } from "./http/metrics.ts";
import { createMetricsAccess } from "./http/metrics-access.ts";
import { createOpenAIRoutes } from "./http/openai-routes.ts";
import { createAnthropicRoutes } from "./http/anthropic-routes.ts";
import { createResponsesRoutes, isResponsesPath } from "./http/responses-routes.ts";
import { createReadiness } from "./http/readiness.ts";
import { sendJson } from "./http/openai-errors.ts";
import { attachGraphQLWebSocket } from "./http/ws.ts";
import { createGraphQLServer } from "./http/yoga.ts";
import { createGatewayEvents, createServices } from "./services.ts";
import { openDatabase, type Database } from "./storage/db.ts";
import { createLogWriter } from "./storage/log-writer.ts";
import { createRequestLogPruner } from "./storage/request-log-pruner.ts";
import { configuredSecrets, createBodyKeeper } from "./modules/completions/request-bodies.ts";
import { createRequestLogRepository } from "./storage/request-log-repository.ts";
import { createStoredResponseRepository } from "./storage/stored-response-repository.ts";
import { connectRedis, type RedisConnection } from "./storage/redis/redis-connection.ts";
import { createResponseCache } from "./response-cache.ts";
import { startTracing } from "./tracing.ts";
import { loadTokenEncodings } from "./gateway/tokens.ts";
import { shareCooldowns } from "./storage/redis/redis-cooldowns.ts";
import { connectRedisEvents } from "./storage/redis/redis-events.ts";
import { startKeySync } from "./storage/redis/redis-key-sync.ts";

/** What tests and embedders may replace. */
export interface AppDependencies {
  database?: Database;
  /** The upstream connection pool (undici dispatcher). */
  dispatcher?: Dispatcher;
  now?: () => number;
  random?: () => number;
  /** How long stop() lets in-flight requests finish before closing their connections. */
  shutdownGraceMs?: number;
  /** The built dashboard's folder (default: dashboard/dist beside the server). */
  dashboardDirectory?: string;
  /** Where OTEL_EXPORTER_OTLP_ENDPOINT (and friends) are read; process.env by default. */
  tracingEnvironment?: NodeJS.ProcessEnv;
  /** Told about problems that are not a request's own (e.g. a failed log write); the log by default. */
  onProblem?: (message: string, error: unknown) => void;
  /** Where log lines go (config `logging`): stdout by default; tests capture them with a stream. */
  logDestination?: LoggerOptions["destination"];
}

/**
 * Builds the whole gateway: storage (created and migrated on first use), providers, services,
 * GraphQL (HTTP, SSE and graphql-ws on one port) and OpenAI-compatible REST.
 */
export async function createApp(config: Config, dependencies: AppDependencies = {}) {
  const { now = Date.now, random, shutdownGraceMs = 5_000 } = dependencies;
  const logger = createLogger({
    settings: config.logging,
    destination: dependencies.logDestination,
  });
  const onProblem = dependencies.onProblem ?? reportProblemTo(logger);
  // Token estimates count with BPE once the encodings are in (about a second, loaded alongside).
  const [database] = await Promise.all([
    dependencies.database ?? openDatabase({ url: config.database.url }),
    loadTokenEncodings(configuredModelNames(config)),
  ]);
  const dispatcher = dependencies.dispatcher ?? createUpstreamDispatcher();
  const requestLogs = createRequestLogRepository(
    database.prisma,
    database.dialect,
    database.writeStatements,
  );
  const logWriter = createLogWriter({
    write: requestLogs.insertMany,
    onWriteError: (error, pendingCount) =>
      onProblem(`writing request logs failed; ${pendingCount} kept for retry`, error),
  });
  const tracing = await startTracing(dependencies.tracingEnvironment);
  const redis = config.redis && (await openRedis(config.redis, logger));
  // Tells this instance's own messages apart when Redis hands them back.
  const instanceId = randomUUID();
  const redisEvents = redis && connectRedisEvents({ connection: redis, instanceId, onProblem });
  const events = createGatewayEvents(redisEvents?.eventTarget);
  const governance = await createGovernance({
    masterKey: config.auth.masterKey,
    prisma: database.prisma,
    requestLogs,
    events,
    now,
    onProblem,
    redis: redis && {
      connection: redis,
      failOpen: config.redis!.failOpen,
      // A request cannot run longer than the timeout; a dead instance's holds go a little after.
      holdTtlMs: config.router.timeoutMs + 30_000,
      flushLogs: logWriter.flush,
    },
  });
  const { authenticate } = governance;
  const gatewayLog = createGatewayLog({ logger, directory: governance.directory });
  const keySync =
    redis &&
    startKeySync({
      connection: redis,
      directory: governance.directory,
      prisma: database.prisma,
      instanceId,
      onProblem,
    });
  const { router, health, completions } = createGatewayCore({
    config,
    dispatcher,
    keepBody: config.logging.storeBodies ? createBodyKeeper(configuredSecrets(config)) : undefined,
    limiter: governance.limiter,
    admit: governance.admit,
    tracing,
    responseCache: createResponseCache({
      settings: config.cache,
      redis: redis?.commands,
      onProblem,
    }),
    now,
    random,
    onWalkEvent: gatewayLog.walkEvent,
    recordRequest: (entry) => {
      logWriter.enqueue(entry);
      gatewayLog.request(entry);
      metrics.observe(entry);
      events.publish("requestLogged", entry);
    },
  });
  health.onCooldown(gatewayLog.cooldown);
  const sharedCooldowns =
    redis &&
    shareCooldowns({
      connection: redis,
      health,
      instanceId,
      now,
      onProblem,
      deploymentIds: router
        .listGroups()
        .flatMap((group) => group.deployments.map((deployment) => deployment.id)),
    });
  const metrics = createMetrics({
    health,
    deployments: () => router.listGroups().flatMap((group) => group.deployments),
    modelLabel: router.configuredNameOf,
    deploymentLabel: router.entryIdOfDeployment,
    logQueueDepth: () => logWriter.pendingCount,
    authFailures: governance.authFailureCounts,
    trackedEntries: () => ({
      caller_deployments: router.callerDeploymentCount(),
      deployment_health: health.trackedCount(),
      rate_limit_scopes: governance.trackedScopeCount(),
      auth_failure_sources: governance.authFailureSourceCount(),
    }),
    redis: redis && {
      isReady: redis.isReady,
      localFallbacks: governance.localFallbackCount,
    },
  });
  const services = createServices({
    router,
    completions,
    requestLogs,
    events,
    prisma: database.prisma,
    governance,
    health,
    requestLogsDays: config.retention.requestLogsDays,
  });
  // retention.requestLogsDays: old logs and bodies go in small batches, off the request path.
  const pruner = createRequestLogPruner({
    prisma: database.prisma,
    dialect: database.dialect,
    requestLogsDays: config.retention.requestLogsDays,
    now,
    onProblem,
  });
  pruner.start();
  const yoga = createGraphQLServer({
    schema,
    services,
    authenticate,
    onUnexpectedError: gatewayLog.unexpectedGraphQLError,
    limits: config.graphql,
    masterKeySet: config.auth.masterKey !== undefined,
  });
  const openAIRoutes = createOpenAIRoutes({
    services,
    authenticate,
    onUnexpectedError: (error) => onProblem("unexpected error answering a REST request", error),
  });
  const responsesRoutes = createResponsesRoutes({
    services,
    router,
    authenticate,
    storedResponses: createStoredResponseRepository(database.prisma),
    dispatcher,
    now,
    onUnexpectedError: (error) =>
      onProblem("unexpected error answering a Responses request", error),
  });
  const anthropicRoutes = createAnthropicRoutes({
    services,
    router,
    authenticate,
    dispatcher,
    onUnexpectedError: (error) =>
      onProblem("unexpected error answering an Anthropic request", error),
  });
  const dashboardRoute = createDashboardRoute({ directory: dependencies.dashboardDirectory });
  const answerReadiness = createReadiness({
    database,
    redis,
    isStopping: () => stopping !== undefined,
  });
  const applyCors = createCors(config.server.corsOrigins);
  const refuseMetrics = createMetricsAccess({
    apiKey: config.metrics.apiKey,
    masterKey: config.auth.masterKey,
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = (request.url ?? "/").split("?", 1)[0];
    try {
      const isApi = pathname.startsWith("/v1/") || pathname === yoga.graphqlEndpoint;
      if (isApi && applyCors(request, response)) return;
      if (isResponsesPath(pathname)) return await responsesRoutes(request, response, pathname);
      if (anthropicRoutes.handles(request, pathname))
        return await anthropicRoutes.handle(request, response, pathname);
      if (pathname.startsWith("/v1/")) return await openAIRoutes(request, response, pathname);
      if (pathname === "/health") return sendJson(response, 200, { status: "ok" });
      if (pathname === "/ready") return await answerReadiness(response);
      if (pathname === "/metrics")
        return refuseMetrics(request, response) ? undefined : await metrics.handle(response);
      if (pathname === dashboardPath || pathname.startsWith(`${dashboardPath}/`))
        return dashboardRoute(request, response, pathname);
      if (pathname === "/" && (request.method === "GET" || request.method === "HEAD"))
        return redirectToDashboard(response);
      return await yoga.fastPath.answer(request, response);
    } catch (error) {
      onProblem(`unhandled error on ${request.method} ${pathname}`, error);
      if (!response.headersSent)
        sendJson(response, 500, {
          error: {
            message: "Internal error in the gateway.",
            type: "server_error",
            code: "internal_error",
          },
        });
      else response.destroy();
    }
  }

  const server = createServer(
    { keepAliveTimeout: 65_000 },
    (request, response) => void traced(request, response),
  );

  /** The API's requests as trace roots (or children of the caller's `traceparent`) when tracing is on. */
  function traced(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const pathname = (request.url ?? "/").split("?", 1)[0];
    const route = pathname.startsWith("/v1/") ? pathname : pathname === "/graphql" ? pathname : "";
    if (!tracing || !route) return handleRequest(request, response);
    return tracing.traceHttp(request, response, route, () => handleRequest(request, response));
  }
  const webSocket = attachGraphQLWebSocket({ server, yoga, authenticate, keys: services.keys });
  let stopping: Promise<void> | undefined;

  return {
    /** GraphQL over the Fetch API, in-process (tests, embedding). */
    fetch: yoga.fetch,
    services,
    logWriter,
    /** One retention pass now (the app also runs it hourly); resolves with what it deleted. */
    pruneRequestLogs: pruner.pruneOnce,
    database,
    /** Listens; port 0 picks a free port. Resolves with the address actually bound. */
    async start(
      port = config.server.port,
      host = config.server.host,
    ): Promise<{ url: string; port: number; host: string }> {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return {
        url: `http://${urlHost}:${address.port}`,
        port: address.port,
        host: address.address,
      };
    },
    /**
     * Stops accepting, lets in-flight requests finish (up to shutdownGraceMs), closes the
     * rest (cancelling their upstream calls), then flushes the log queue and closes storage.
     */
    stop(): Promise<void> {
      stopping ??= (async () => {
        const closed = server.listening
          ? new Promise<void>((resolve) => server.close(() => resolve()))
          : Promise.resolve();
        server.closeIdleConnections();
        await webSocket.close();
        const grace = new Promise<void>((resolve) => setTimeout(resolve, shutdownGraceMs).unref());
        await Promise.race([closed, grace]);
        server.closeAllConnections();
        await closed;
        // Closing connections cancels their upstream calls; let those cancellations be logged.
        await completions.whenAllRecorded(shutdownGraceMs);
        await governance.settled(shutdownGraceMs);
        await pruner.stop();
        await logWriter.stop();
        if (logWriter.pendingCount > 0)
          onProblem(
            `${logWriter.pendingCount} request logs could not be written before stopping`,
            undefined,
          );
        await Promise.all([keySync?.stop(), sharedCooldowns?.stop(), redisEvents?.stop()]);
        await redis?.close();
        await tracing?.shutdown();
        if (!dependencies.dispatcher) await dispatcher.close();
        if (!dependencies.database) await database.close();
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
      })();
      return stopping;
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;

/**
 * Connects to Redis and waits (a few seconds at most) for it to answer. An instance may start
 * while Redis is down: it serves, and its limit and budget checks answer as `redis.failOpen`
 * says until Redis is back.
 */
async function openRedis(
  { url, keyPrefix }: { url: string; keyPrefix: string },
  logger: Logger,
): Promise<RedisConnection> {
  const connection = connectRedis({
    url,
    keyPrefix,
    onStateChange: (state, error) =>
      state === "lost"
        ? logger.warn({ err: error }, "lost the connection to Redis; reconnecting")
        : logger.info("the connection to Redis is back"),
  });
  const ready = new Promise<void>((resolve) => connection.commands.once("ready", () => resolve()));
  const waited = new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref());
  await Promise.race([ready, waited]);
  return connection;
}
