import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readOpenAIFixture,
  startMockOpenAIUpstream,
  type MockUpstream,
} from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Deployment health and attempts in GET /metrics, end to end: a group with a deployment that
 * always answers 500 and a healthy one, on an injected clock, scraped and parsed as Prometheus
 * text after the failing one cools down and again after its cooldown has passed.
 */
describe("deployment health in /metrics", () => {
  const startMs = Date.parse("2030-01-01T00:00:00Z");
  const requestCount = 4;
  let clockMs = startMs;
  let broken: MockUpstream;
  let healthy: MockUpstream;
  let gateway: TestApp;
  const brokenLabels = { deployment: "openai:group#0", model: "group", provider: "openai" };
  const healthyLabels = { deployment: "openai:group#1", model: "group", provider: "openai" };

  async function chat(): Promise<number> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "group", messages: [{ role: "user", content: "hi" }] }),
    });
    await response.text();
    return response.status;
  }

  /** Scrapes /metrics; `value(name, labels)` is the one sample with exactly those labels, undefined when absent. */
  async function scrape() {
    const response = await fetch(`${gateway.url}/metrics`);
    expect(response.status).toBe(200);
    const samples = parseSamples(await response.text());
    return {
      value(name: string, labels: Record<string, string>): number | undefined {
        const matches = samples.filter(
          (sample) => sample.name === name && sameLabels(sample.labels, labels),
        );
        expect(matches.length).toBeLessThanOrEqual(1);
        return matches[0]?.value;
      },
    };
  }

  beforeAll(async () => {
    broken = await startMockOpenAIUpstream();
    healthy = await startMockOpenAIUpstream();
    broken.setDefault({ type: "error", status: 500, body: readOpenAIFixture("error-500.json") });
    gateway = await startTestApp(
      {
        models: [mockModel(broken.baseUrl, "group"), mockModel(healthy.baseUrl, "group")],
        router: { retries: 1, cooldown: { failures: 2, seconds: 30 } },
      },
      // random 0 keeps the config order, so the broken deployment is tried first while it is healthy.
      { now: () => clockMs, random: () => 0 },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await broken?.stop();
    await healthy?.stop();
  });

  it("counts a failure that has not yet caused a cooldown", async () => {
    expect(await chat()).toBe(200);
    const metrics = await scrape();
    expect(metrics.value("switchboard_deployment_recent_failures", brokenLabels)).toBe(1);
    expect(metrics.value("switchboard_deployment_healthy", brokenLabels)).toBe(1);
    expect(metrics.value("switchboard_deployment_recent_failures", healthyLabels)).toBe(0);
  });

  it("shows the failing deployment cooling down, the healthy one with its latency, and every attempt by outcome", async () => {
    for (let index = 1; index < requestCount; index += 1) expect(await chat()).toBe(200);
    const metrics = await scrape();

    expect(metrics.value("switchboard_deployment_healthy", brokenLabels)).toBe(0);
    expect(metrics.value("switchboard_deployment_cooldown_until_seconds", brokenLabels)).toBe(
      startMs / 1000 + 30,
    );
    expect(metrics.value("switchboard_deployment_recent_failures", brokenLabels)).toBe(0);
    expect(metrics.value("switchboard_deployment_in_flight", brokenLabels)).toBe(0);
    // No success yet: no latency to report, so no sample rather than a made-up 0.
    expect(metrics.value("switchboard_deployment_latency_seconds", brokenLabels)).toBeUndefined();

    expect(metrics.value("switchboard_deployment_healthy", healthyLabels)).toBe(1);
    expect(metrics.value("switchboard_deployment_cooldown_until_seconds", healthyLabels)).toBe(0);
    expect(
      metrics.value("switchboard_deployment_latency_seconds", healthyLabels),
    ).toBeGreaterThanOrEqual(0);
    // Not streamed: no time to first token.
    expect(
      metrics.value("switchboard_deployment_time_to_first_token_seconds", healthyLabels),
    ).toBeUndefined();

    // The cooldown stopped the broken upstream's traffic after the 2 failures that caused it.
    expect(broken.requests.length).toBe(2);
    // The outcome label carries the provider's own status (the attempt log keeps it as upstreamStatus).
    const attempt = (deployment: string, outcome: string) =>
      metrics.value("switchboard_deployment_attempts_total", {
        deployment,
        provider: "openai",
        outcome,
      });
    expect(attempt(brokenLabels.deployment, "error_500")).toBe(broken.requests.length);
    expect(attempt(brokenLabels.deployment, "success")).toBeUndefined();
    expect(attempt(healthyLabels.deployment, "success")).toBe(requestCount);
    expect(healthy.requests.length).toBe(requestCount);
  });

  it("shows the deployment healthy again once the injected clock passes its cooldown", async () => {
    clockMs = startMs + 30_001;
    const metrics = await scrape();
    expect(metrics.value("switchboard_deployment_healthy", brokenLabels)).toBe(1);
    expect(metrics.value("switchboard_deployment_cooldown_until_seconds", brokenLabels)).toBe(0);
  });
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format sample lines: `name{label="value",...} number`; comments are skipped. */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(
      /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g,
    ))
      labels[key] = value.replace(/\\(.)/g, (_, escaped: string) =>
        escaped === "n" ? "\n" : escaped,
      );
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

function sameLabels(actual: Record<string, string>, expected: Record<string, string>): boolean {
  const keys = Object.keys(expected);
  return (
    Object.keys(actual).length === keys.length && keys.every((key) => actual[key] === expected[key])
  );
}
