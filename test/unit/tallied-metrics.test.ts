import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { talliedCounter, talliedHistogram } from "../../server/http/tallied-metrics.ts";

const buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const help = "Request latency including the provider.";

/** The same observations, in the same order, through prom-client's Histogram and the tally. */
const observations: Array<[Record<string, string>, number]> = [
  [{ model: "gpt-4o", provider: "openai", status: "success", source: "rest" }, 0.003],
  [{ model: "gpt-4o", provider: "openai", status: "success", source: "rest" }, 0.05],
  [{ model: "gpt-4o", provider: "openai", status: "success", source: "rest" }, 0.0501],
  [{ model: "claude", provider: "anthropic", status: "error", source: "graphql" }, 61],
  [{ model: "gpt-4o", provider: "openai", status: "success", source: "rest" }, 0],
  [{ model: "claude", provider: "anthropic", status: "error", source: "graphql" }, 2.5],
  [{ model: 'quo"te\\d', provider: "openai", status: "success", source: "rest" }, 1.7],
];

function bothWays() {
  const reference = new Registry();
  const histogram = new Histogram({
    name: "switchboard_request_duration_seconds",
    help,
    labelNames: ["model", "provider", "status", "source"],
    buckets,
    registers: [reference],
  });
  const tallied = new Registry();
  const tally = talliedHistogram({
    name: "switchboard_request_duration_seconds",
    help,
    buckets,
    registers: [tallied],
  });
  for (const [labels, value] of observations) {
    histogram.observe(labels, value);
    const key = Object.values(labels).join("\u0000");
    // Factories for some series, objects for others: both are read once per series.
    tally.observe(key, labels.status === "error" ? () => ({ ...labels }) : labels, value);
  }
  return { reference, tallied, tally };
}

describe("talliedHistogram", () => {
  it("prints exactly what prom-client's Histogram prints for the same observations", async () => {
    const { reference, tallied } = bothWays();
    const expected = await reference.metrics();
    expect(expected).toContain('le="+Inf"');
    expect(await tallied.metrics()).toBe(expected);
    expect(await tallied.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it("leaves out values that are not finite, which prom-client refuses", async () => {
    const { reference, tallied, tally } = bothWays();
    tally.observe("gpt-4o\u0000openai\u0000success\u0000rest", {}, Number.NaN);
    tally.observe("gpt-4o\u0000openai\u0000success\u0000rest", {}, Number.POSITIVE_INFINITY);
    expect(await tallied.metrics()).toBe(await reference.metrics());
  });

  it("starts again from nothing when the registry resets its metrics", async () => {
    const { tallied } = bothWays();
    tallied.resetMetrics();
    expect(await tallied.metrics()).toBe(
      `# HELP switchboard_request_duration_seconds ${help}\n# TYPE switchboard_request_duration_seconds histogram\n`,
    );
  });
});

describe("talliedCounter", () => {
  it("prints what prom-client's Counter prints for the same additions", async () => {
    const reference = new Registry();
    const counter = new Counter({
      name: "switchboard_tokens_total",
      help: "Tokens by kind.",
      labelNames: ["model", "kind"],
      registers: [reference],
    });
    const tallied = new Registry();
    const tally = talliedCounter({
      name: "switchboard_tokens_total",
      help: "Tokens by kind.",
      labelNames: ["model", "kind"],
      registers: [tallied],
    });
    for (const [model, kind, value] of [
      ["gpt-4o", "prompt", 12],
      ["gpt-4o", "completion", 3],
      ["gpt-4o", "prompt", 30],
    ] as const) {
      counter.inc({ model, kind }, value);
      tally.add(`${model}\u0000${kind}`, () => ({ model, kind }), value);
    }
    expect(await tallied.metrics()).toBe(await reference.metrics());
  });
});
