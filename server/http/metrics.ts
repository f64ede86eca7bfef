import type { ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { DeploymentHealth, DeploymentSnapshot } from "../gateway/deployment-health.ts";
import type { Deployment } from "../gateway/router.ts";
import type { RequestLogEntry } from "../storage/log-writer.ts";

type Attempt = RequestLogEntry["attempts"][number];

export interface MetricsOptions {
  health: DeploymentHealth;
  /** Every configured deployment, read at each scrape. */
  deployments: () => Deployment[];
  /** With Redis configured: whether it answers, and the checks this instance answered alone. */
  redis?: { isReady(): boolean; localFallbacks(): number };
}

/**
 * Prometheus metrics at /metrics: one registry per app, so tests and several apps don't collide.
 * Request counters come from request-log entries (`observe`); deployment health is read from
 * `health` at scrape time, so it is never stale and removed deployments disappear.
 */
export function createMetrics({ health, deployments, redis }: MetricsOptions) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "switchboard_process_" });
  const labelNames = ["model", "provider", "status", "source"] as const;
  const requests = new Counter({
    name: "switchboard_requests_total",
    help: "Completion requests by outcome.",
    labelNames,
    registers: [registry],
  });
  const tokens = new Counter({
    name: "switchboard_tokens_total",
    help: "Tokens by kind.",
    labelNames: ["model", "provider", "kind"] as const,
    registers: [registry],
  });
  const costUsd = new Counter({
    name: "switchboard_cost_usd_total",
    help: "Spend in USD (exact values are in the request log).",
    labelNames: ["model", "provider"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "switchboard_request_duration_seconds",
    help: "Request latency including the provider.",
    labelNames,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const attempts = new Counter({
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
    new Counter({
      name: "switchboard_redis_local_fallbacks_total",
      help: "Limit and budget checks this instance answered alone while Redis was down (redis.failOpen: true).",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(redis.localFallbacks());
      },
    });
  }

  function observe(entry: RequestLogEntry): void {
    const labels = {
      model: entry.requestedModel,
      provider: entry.provider ?? "none",
      status: entry.status,
      source: entry.source,
    };
    requests.inc(labels);
    latency.observe(labels, entry.latencyMs / 1000);
    const modelLabels = { model: entry.requestedModel, provider: entry.provider ?? "none" };
    tokens.inc({ ...modelLabels, kind: "prompt" }, entry.promptTokens);
    tokens.inc({ ...modelLabels, kind: "completion" }, entry.completionTokens);
    costUsd.inc(modelLabels, Number(entry.costNanoUsd) / 1e9);
    for (const attempt of entry.attempts)
      attempts.inc({
        deployment: attempt.deployment,
        provider: attempt.provider,
        outcome: outcomeOf(attempt),
      });
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
