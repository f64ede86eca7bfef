import { Counter, type Metric, type Registry } from "prom-client";

/*
 * The request path's metrics, tallied in Maps keyed by a string the caller builds from the label
 * values, and read by the registry when /metrics is scraped. prom-client hashes and checks the
 * labels on every `inc` and `observe` (and `observe` makes a closure): a few µs each, several a
 * request (issue 16). The label sets are bounded (models, providers, statuses, outcomes), so are
 * the maps. A series' labels (or the function making them) are read once.
 */

type Labels = Record<string, string>;
type LabelsOrFactory = Labels | (() => Labels);

function labelsOf(tally: { labels: LabelsOrFactory }): Labels {
  if (typeof tally.labels === "function") tally.labels = tally.labels();
  return tally.labels;
}

/** A counter: the tallies are handed to prom-client's Counter when scraped. */
export function talliedCounter<Name extends string>(
  configuration: ConstructorParameters<typeof Counter<Name>>[0],
) {
  const pending = new Map<string, { labels: LabelsOrFactory; value: number }>();
  const counter = new Counter<Name>({
    ...configuration,
    collect() {
      for (const tally of pending.values()) {
        if (tally.value === 0) continue;
        this.inc(labelsOf(tally) as Partial<Record<Name, string>>, tally.value);
        tally.value = 0;
      }
    },
  });
  return {
    counter,
    /** Adds `value` to the series `key` names. */
    add(key: string, labels: LabelsOrFactory, value: number): void {
      const tally = pending.get(key);
      if (tally) tally.value += value;
      else pending.set(key, { labels, value });
    },
  };
}

interface HistogramTally {
  labels: LabelsOrFactory;
  /** Observations per bucket, not cumulative; the last one is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram, registered as a metric of its own: prom-client has no way to hand a Histogram
 * counts, so the registry reads the tallies in the shape a prom-client Histogram gives it, and
 * prints them line for line as it prints one (a test compares the two).
 */
export function talliedHistogram({
  name,
  help,
  buckets,
  registers,
}: {
  name: string;
  help: string;
  /** Upper bounds, ascending. */
  buckets: readonly number[];
  registers: Registry[];
}) {
  const series = new Map<string, HistogramTally>();

  /**
   * Each series' samples as prom-client's Histogram hands them to the registry: cumulative
   * buckets (`le`, then `+Inf`), sum and count, the series' labels shared by all of them.
   */
  function samples() {
    const values: Array<{
      labels: Record<string, string | number>;
      sharedLabels: Labels;
      value: number;
      metricName: string;
      exemplar?: null;
    }> = [];
    for (const tally of series.values()) {
      const labels = labelsOf(tally);
      const bucket = (le: number | string, value: number) =>
        values.push({
          labels: { le },
          sharedLabels: labels,
          value,
          metricName: `${name}_bucket`,
          exemplar: null,
        });
      let cumulative = 0;
      buckets.forEach((bound, index) => bucket(bound, (cumulative += tally.counts[index]!)));
      bucket("+Inf", tally.count);
      values.push(
        { labels: {}, sharedLabels: labels, value: tally.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels: labels, value: tally.count, metricName: `${name}_count` },
      );
    }
    return values;
  }

  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    /** What the registry prints (prom-client's own Histogram has the same method). */
    async getForPromString() {
      return { name, help, type: "histogram", aggregator: "sum", values: samples() };
    },
    /** The public shape (`getMetricsAsJSON`): each sample's labels in one object. */
    async get() {
      const values = samples().map(({ labels, sharedLabels, ...sample }) => ({
        ...sample,
        labels: { ...labels, ...sharedLabels },
      }));
      return { name, help, type: "histogram", aggregator: "sum", values };
    },
    reset() {
      series.clear();
    },
  };
  for (const registry of registers) registry.registerMetric(metric as unknown as Metric);

  return {
    /** Observes `value` in the series `key` names. */
    observe(key: string, labels: LabelsOrFactory, value: number): void {
      // prom-client's Histogram throws on these; a metric is not worth a failed request.
      if (!Number.isFinite(value)) return;
      let tally = series.get(key);
      if (!tally) {
        tally = { labels, counts: new Array<number>(buckets.length + 1).fill(0), sum: 0, count: 0 };
        series.set(key, tally);
      }
      let index = 0;
      while (index < buckets.length && value > buckets[index]!) index += 1;
      tally.counts[index]! += 1;
      tally.sum += value;
      tally.count += 1;
    },
  };
}
