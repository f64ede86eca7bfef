import { describe, expect, it } from "vitest";
import {
  dailySpendSeries,
  errorRate,
  formatCount,
  formatPercent,
  spendTotals,
  topModelsBySpend,
} from "./chart-data";

const row = (key: string | null, costUsd: string, requests = 1, errors = 0) => ({
  key,
  costUsd,
  requests,
  errors,
});

describe("dailySpendSeries", () => {
  it("has one point per UTC day, oldest first, with missing days at zero", () => {
    const series = dailySpendSeries(
      [row("2026-12-05", "0.5", 3, 1), row("2026-12-03", "0.000125", 1)],
      { now: new Date("2026-12-05T23:59:00Z"), days: 4 },
    );
    expect(series).toEqual([
      { day: "2026-12-02", label: "Dec 2", costUsd: "0", cost: 0, requests: 0, errors: 0 },
      {
        day: "2026-12-03",
        label: "Dec 3",
        costUsd: "0.000125",
        cost: 0.000125,
        requests: 1,
        errors: 0,
      },
      { day: "2026-12-04", label: "Dec 4", costUsd: "0", cost: 0, requests: 0, errors: 0 },
      { day: "2026-12-05", label: "Dec 5", costUsd: "0.5", cost: 0.5, requests: 3, errors: 1 },
    ]);
  });

  it("covers 30 days by default and ignores rows outside the window", () => {
    const series = dailySpendSeries([row("2026-10-01", "9")], {
      now: new Date("2026-12-05T00:00:00Z"),
    });
    expect(series).toHaveLength(30);
    expect(series[0]?.day).toBe("2026-11-06");
    expect(series[29]?.day).toBe("2026-12-05");
    expect(series.every((point) => point.costUsd === "0")).toBe(true);
  });
});

describe("spendTotals", () => {
  it("sums cost exactly and counts requests and errors", () => {
    expect(
      spendTotals([row("a", "0.1", 2, 1), row("b", "0.2", 3, 0), row(null, "0", 1, 1)]),
    ).toEqual({ costUsd: "0.3", requests: 6, errors: 2 });
    expect(spendTotals([])).toEqual({ costUsd: "0", requests: 0, errors: 0 });
  });
});

describe("topModelsBySpend", () => {
  it("keeps the top N by cost and sums the rest into Other, with shares", () => {
    const models = topModelsBySpend(
      [
        row("small", "1", 5),
        row("big", "6", 1),
        row(null, "0", 4),
        row("mid", "2", 2),
        row("tiny", "1", 1),
      ],
      { limit: 2 },
    );
    expect(
      models.map(({ name, costUsd, requests, share, isOther }) => ({
        name,
        costUsd,
        requests,
        share,
        isOther,
      })),
    ).toEqual([
      { name: "big", costUsd: "6", requests: 1, share: 0.6, isOther: false },
      { name: "mid", costUsd: "2", requests: 2, share: 0.2, isOther: false },
      { name: "Other (3 models)", costUsd: "2", requests: 10, share: 0.2, isOther: true },
    ]);
  });

  it("orders ties by requests, names requests without a model, and has no Other when all fit", () => {
    const models = topModelsBySpend([row("few", "1", 1), row(null, "1", 3), row("many", "1", 2)]);
    expect(models.map((model) => model.name)).toEqual(["(no model)", "many", "few"]);
    expect(models.some((model) => model.isOther)).toBe(false);
  });

  it("gives shares of zero when nothing cost anything", () => {
    expect(topModelsBySpend([row("free", "0", 3)])[0]?.share).toBe(0);
  });
});

describe("errorRate and formatting", () => {
  it("divides errors by requests and says when there is nothing to divide", () => {
    expect(formatPercent(errorRate({ errors: 1, requests: 40 }))).toBe("2.5%");
    expect(formatPercent(errorRate({ errors: 0, requests: 7 }))).toBe("0%");
    expect(formatPercent(errorRate({ errors: 0, requests: 0 }))).toBe("—");
    expect(formatCount(1234567)).toBe("1,234,567");
  });
});
