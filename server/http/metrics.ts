import type { ServerResponse } from "node:http";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestLogEntry } from "../storage/log-writer.ts";

/** Prometheus metrics at /metrics: one registry per app, so tests and several apps don't collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "switchboard_process_" });
  const labelNames = ["model", "provider", "status", "source"] as const;
  const requests = new Counter({ name: "switchboard_requests_total", help: "Completion requests by outcome.", labelNames, registers: [registry] });
  const tokens = new Counter({ name: "switchboard_tokens_total", help: "Tokens by kind.", labelNames: ["model", "provider", "kind"] as const, registers: [registry] });
  const costUsd = new Counter({ name: "switchboard_cost_usd_total", help: "Spend in USD (exact values are in the request log).", labelNames: ["model", "provider"] as const, registers: [registry] });
  const latency = new Histogram({
    name: "switchboard_request_duration_seconds",
    help: "Request latency including the provider.",
    labelNames,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  function observe(entry: RequestLogEntry): void {
    const labels = { model: entry.requestedModel, provider: entry.provider ?? "none", status: entry.status, source: entry.source };
    requests.inc(labels);
    latency.observe(labels, entry.latencyMs / 1000);
    const modelLabels = { model: entry.requestedModel, provider: entry.provider ?? "none" };
    tokens.inc({ ...modelLabels, kind: "prompt" }, entry.promptTokens);
    tokens.inc({ ...modelLabels, kind: "completion" }, entry.completionTokens);
    costUsd.inc(modelLabels, Number(entry.costNanoUsd) / 1e9);
  }

  async function handle(response: ServerResponse): Promise<void> {
    const text = await registry.metrics();
    response.writeHead(200, { "content-type": registry.contentType });
    response.end(text);
  }

  return { observe, handle };
}
