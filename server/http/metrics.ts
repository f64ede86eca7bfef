import type { ServerResponse } from "node:http";
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { DeploymentHealth, DeploymentSnapshot } from "../gateway/deployment-health.ts";
import type { Deployment } from "../gateway/router.ts";
import type { RequestRecord } from "../gateway/request-record.ts";
import { talliedCounter, talliedHistogram } from "./tallied-metrics.ts";

type Attempt = RequestRecord["attempts"][number];

export interface MetricsOptions {
  health: DeploymentHealth;
  /** Every configured deployment, read at each scrape. */
  deployments: () => Deployment[];
  /** With Redis configured: whether it answers, and the checks this instance answered alone. */
  redis?: { isReady(): boolean; localFallbacks(): number };
  /**
   * The `model` label of a requested model: a configured name (or the wildcard serving it),
   * else one value, `unknown` — never the caller's text, which would make a series per name.
   */
  modelLabel?: (requestedModel: string) => string | undefined;
  /** The `deployment` label of an attempt: the config entry's deployment (router.entryIdOfDeployment). */
  deploymentLabel?: (deploymentId: string) => string | undefined;
  /** Request logs queued in memory, not yet written (log-writer.ts pendingCount). */
  logQueueDepth?: () => number;
  /** Failed authentications, and those whose audit row was left out (auth-failure-throttle.ts). */
  authFailures?: () => { failures: number; suppressed: number };
  /** Sizes of the in-memory maps that callers' requests fill, by map name: each has a fixed bound (DECISIONS, issue 14). */
  trackedEntries?: () => Record<string, number>;
}

/** The one label value of every model name the config does not serve. */
export const unknownModelLabel = "unknown";

/**
 * Prometheus metrics at /metrics: one registry per app, so tests and several apps don't collide.
 * Request counters come from request-log entries (`observe`); deployment health is read from
 * `health` at scrape time, so it is never stale and removed deployments disappear.
 */
export function createMetrics({
  health,
  deployments,
  redis,
  modelLabel = () => undefined,
  deploymentLabel = () => undefined,
  logQueueDepth,
  authFailures,
  trackedEntries,
}: MetricsOptions) {
  const registry = new Registry();
  // prom-client's own names start with process_ or nodejs_: one prefix makes them switchboard_process_…, switchboard_nodejs_….
  collectDefaultMetrics({ register: registry, prefix: "switchboard_" });
  const labelNames = ["model", "provider", "status", "source"] as const;
  const requests = talliedCounter({
    name: "switchboard_requests_total",
    help: "Completion requests by outcome.",
    labelNames,
    registers: [registry],
  });
  const tokens = talliedCounter({
    name: "switchboard_tokens_total",
    help: "Tokens by kind.",
    labelNames: ["model", "provider", "kind"] as const,
    registers: [registry],
  });
  const costUsd = talliedCounter({
    name: "switchboard_cost_usd_total",
    help: "Spend in USD (exact values are in the request log).",
    labelNames: ["model", "provider"] as const,
    registers: [registry],
  });
  const latency = talliedHistogram({
    name: "switchboard_request_duration_seconds",
    help: "Request latency including the provider.",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const timeToFirstToken = talliedHistogram({
    name: "switchboard_time_to_first_token_seconds",
    help: "Time from the request to the first streamed chunk sent to the caller.",
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry],
  });
  /** A counter of requests by (bounded) model and surface. */
  const requestCounter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ["model", "source"] as const, registers: [registry] });
  /** A counter whose total is kept elsewhere and read at scrape time. */
  const totalCounter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  const rateLimitRefusals = requestCounter(
    "switchboard_rate_limit_refusals_total",
    "Requests the gateway refused for a key's, team's or deployment's rpm, tpm or parallel limit (429 RATE_LIMITED).",
  );
  const budgetRefusals = requestCounter(
    "switchboard_budget_refusals_total",
    "Requests the gateway refused because a key's or team's budget had no room (BUDGET_EXCEEDED).",
  );
  const cacheHits = requestCounter(
    "switchboard_cache_hits_total",
    "Requests answered from the response cache.",
  );
  if (logQueueDepth)
    new Gauge({
      name: "switchboard_log_queue_depth",
      help: "Request logs queued in memory and not yet written to the database.",
      registers: [registry],
      collect() {
        this.set(logQueueDepth());
      },
    });
  if (trackedEntries)
    new Gauge({
      name: "switchboard_tracked_entries",
      help: "Entries in the gateway's bounded in-memory maps (caller deployments, deployment health, rate-limit scopes, auth-failure sources).",
      labelNames: ["map"] as const,
      registers: [registry],
      collect() {
        for (const [map, size] of Object.entries(trackedEntries())) this.set({ map }, size);
      },
    });
  if (authFailures) {
    totalCounter(
      "switchboard_auth_failures_total",
      "Requests refused for a missing, unknown, revoked or expired key.",
      () => authFailures().failures,
    );
    totalCounter(
      "switchboard_auth_failure_audit_suppressed_total",
      "Failed authentications not written to the audit log (over its per-source or total rate).",
      () => authFailures().suppressed,
    );
  }
  const attempts = talliedCounter({
    name: "switchboard_deployment_attempts_total",
    help: "Attempts on each deployment by outcome: success, cancelled, error, or error_<provider HTTP status>.",
    labelNames: ["deployment", "provider", "outcome"] as const,
    registers: [registry],
  });

  /** A gauge with one sample per deployment, computed from its health snapshot at scrape time; null leaves the sample out. */
  function deploymentGauge(
    name: string,
    help: string,
    valueOf: (snapshot: DeploymentSnapshot) => number | null,
  ): void {
    new Gauge({
      name,
      help,
      labelNames: ["deployment", "model", "provider"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const deployment of deployments()) {
          const value = valueOf(health.snapshot(deployment.id));
          if (value !== null)
            this.set(
              { deployment: deployment.id, model: deployment.group, provider: deployment.provider },
              value,
            );
        }
      },
    });
  }
  deploymentGauge(
    "switchboard_deployment_healthy",
    "1 when the deployment takes requests, 0 while it cools down.",
    (snapshot) => (snapshot.coolingDown ? 0 : 1),
  );
  deploymentGauge(
    "switchboard_deployment_cooldown_until_seconds",
    "Unix time the cooldown ends; 0 when not cooling down.",
    (snapshot) => (snapshot.cooldownUntil ? snapshot.cooldownUntil.getTime() / 1000 : 0),
  );
  deploymentGauge(
    "switchboard_deployment_in_flight",
    "Requests in flight on the deployment.",
    (snapshot) => snapshot.inFlight,
  );
  deploymentGauge(
    "switchboard_deployment_recent_failures",
    "Failures in the failure window that have not (yet) caused a cooldown.",
    (snapshot) => snapshot.recentFailures,
  );
  deploymentGauge(
    "switchboard_deployment_latency_seconds",
    "Smoothed latency of successful attempts.",
    (snapshot) => secondsOrNull(snapshot.latencyMs),
  );
  deploymentGauge(
    "switchboard_deployment_time_to_first_token_seconds",
    "Smoothed time to first token of successful streamed attempts.",
    (snapshot) => secondsOrNull(snapshot.timeToFirstTokenMs),
  );

  if (redis) {
    new Gauge({
      name: "switchboard_redis_up",
      help: "1 while Redis (shared limits, budgets, events) answers, 0 while it is unreachable.",
      registers: [registry],
      collect() {
        this.set(redis.isReady() ? 1 : 0);
      },
    });
    totalCounter(
      "switchboard_redis_local_fallbacks_total",
      "Limit and budget checks this instance answered alone while Redis was down (redis.failOpen: true).",
      redis.localFallbacks,
    );
  }

  function observe(entry: RequestRecord): void {
    const model = modelLabel(entry.requestedModel) ?? unknownModelLabel;
    const provider = entry.provider ?? "none";
    const { status, source } = entry;
    // Label sets as factories: they are built only the first time their key is seen.
    const requestKey = `${model}\u0000${provider}\u0000${status}\u0000${source}`;
    const requestLabels = () => ({ model, provider, status, source });
    requests.add(requestKey, requestLabels, 1);
    latency.observe(requestKey, requestLabels, entry.latencyMs / 1000);
    const modelKey = `${model}\u0000${provider}`;
    const modelLabels = () => ({ model, provider });
    if (entry.timeToFirstTokenMs != null)
      timeToFirstToken.observe(modelKey, modelLabels, entry.timeToFirstTokenMs / 1000);
    if (entry.errorCode === "RATE_LIMITED") rateLimitRefusals.inc({ model, source });
    if (entry.errorCode === "BUDGET_EXCEEDED") budgetRefusals.inc({ model, source });
    if (status === "cache_hit") cacheHits.inc({ model, source });
    tokens.add(
      `${modelKey}\u0000p`,
      () => ({ model, provider, kind: "prompt" }),
      entry.promptTokens,
    );
    tokens.add(
      `${modelKey}\u0000c`,
      () => ({ model, provider, kind: "completion" }),
      entry.completionTokens,
    );
    costUsd.add(modelKey, modelLabels, Number(entry.costNanoUsd) / 1e9);
    for (const attempt of entry.attempts) {
      const outcome = outcomeOf(attempt);
      attempts.add(
        `${attempt.deployment}\u0000${attempt.provider}\u0000${outcome}`,
        () => ({
          deployment: deploymentLabel(attempt.deployment) ?? attempt.deployment,
          provider: attempt.provider,
          outcome,
        }),
        1,
      );
    }
  }

  async function handle(response: ServerResponse): Promise<void> {
    const text = await registry.metrics();
    response.writeHead(200, { "content-type": registry.contentType });
    response.end(text);
  }

  return { observe, handle };
}

/** An attempt's outcome label: its status, with the provider's HTTP status for errors (`error_429`, `error_500`), else the gateway's; status codes keep the label set small. */
function outcomeOf(attempt: Attempt): string {
  const status = attempt.upstreamStatus ?? attempt.httpStatus;
  return attempt.status === "error" && status !== undefined ? `error_${status}` : attempt.status;
}

function secondsOrNull(milliseconds: number | null): number | null {
  return milliseconds === null ? null : milliseconds / 1000;
}
