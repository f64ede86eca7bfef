/*
 * Shaping spend rows from the gateway into what the charts and tables show. Pure functions, so
 * the shapes are unit-tested without a browser. Amounts stay exact strings; `cost` (a number) is
 * only for the chart library to plot.
 */
import { addUtcDays, formatUtcDay, startOfUtcDay, utcDayKey } from "./time";
import { compareUsdDescending, nanoToUsd, usdToChartNumber, usdToNano } from "./money";

/** What the charts need of a SpendRow. */
export interface SpendRowLike {
  key: string | null;
  requests: number;
  errors: number;
  costUsd: string;
}

export interface DailySpendPoint {
  /** The UTC day, "2026-12-05". */
  day: string;
  /** "Dec 5", for the axis. */
  label: string;
  costUsd: string;
  cost: number;
  requests: number;
  errors: number;
}

/**
 * One point per UTC day for the `days` days ending with `now`'s day, oldest first; days the
 * gateway returned no row for (nothing spent) are zero, so the axis has no gaps.
 */
export function dailySpendSeries(
  rows: readonly SpendRowLike[],
  { now = new Date(), days = 30 }: { now?: Date; days?: number } = {},
): DailySpendPoint[] {
  const byDay = new Map(rows.filter((row) => row.key !== null).map((row) => [row.key, row]));
  const today = startOfUtcDay(now);
  return Array.from({ length: days }, (_, index) => {
    const day = utcDayKey(addUtcDays(today, index - (days - 1)));
    const row = byDay.get(day);
    const costUsd = row ? nanoToUsd(usdToNano(row.costUsd)) : "0";
    return {
      day,
      label: formatUtcDay(day),
      costUsd,
      cost: usdToChartNumber(costUsd),
      requests: row?.requests ?? 0,
      errors: row?.errors ?? 0,
    };
  });
}

export interface SpendTotals {
  costUsd: string;
  requests: number;
  errors: number;
}

/** The exact totals of some rows. */
export function spendTotals(rows: readonly SpendRowLike[]): SpendTotals {
  let nano = 0n;
  let requests = 0;
  let errors = 0;
  for (const row of rows) {
    nano += usdToNano(row.costUsd);
    requests += row.requests;
    errors += row.errors;
  }
  return { costUsd: nanoToUsd(nano), requests, errors };
}

export interface ModelShare {
  /** The model, "(no model)" for requests that never reached one, or "Other (n models)". */
  name: string;
  costUsd: string;
  cost: number;
  requests: number;
  /** Of the total cost, 0 to 1 (0 when nothing cost anything). */
  share: number;
  /** True for the row that sums the models past the top N. */
  isOther: boolean;
}

/** Shown for requests the gateway logged without a model (e.g. an unknown model name). */
export const noModelLabel = "(no model)";

/**
 * The `limit` models that cost the most (ties: more requests first, then by name), and the rest
 * summed into one "Other" row, each with its share of the total cost.
 */
export function topModelsBySpend(
  rows: readonly SpendRowLike[],
  { limit = 5 }: { limit?: number } = {},
): ModelShare[] {
  const sorted = [...rows].sort(
    (left, right) =>
      compareUsdDescending(left.costUsd, right.costUsd) ||
      right.requests - left.requests ||
      (left.key ?? "").localeCompare(right.key ?? ""),
  );
  const total = spendTotals(rows);
  const totalNano = usdToNano(total.costUsd);
  const shareOf = (costUsd: string) =>
    totalNano === 0n ? 0 : Number((usdToNano(costUsd) * 1_000_000n) / totalNano) / 1_000_000;
  const top = sorted.slice(0, limit).map((row): ModelShare => {
    const costUsd = nanoToUsd(usdToNano(row.costUsd));
    return {
      name: row.key ?? noModelLabel,
      costUsd,
      cost: usdToChartNumber(costUsd),
      requests: row.requests,
      share: shareOf(costUsd),
      isOther: false,
    };
  });
  const rest = sorted.slice(limit);
  if (rest.length === 0) return top;
  const restTotals = spendTotals(rest);
  return [
    ...top,
    {
      name: `Other (${rest.length} ${rest.length === 1 ? "model" : "models"})`,
      costUsd: restTotals.costUsd,
      cost: usdToChartNumber(restTotals.costUsd),
      requests: restTotals.requests,
      share: shareOf(restTotals.costUsd),
      isOther: true,
    },
  ];
}

/** Errors over requests, 0 to 1; undefined when there were no requests (no rate to speak of). */
export function errorRate({
  errors,
  requests,
}: {
  errors: number;
  requests: number;
}): number | undefined {
  return requests === 0 ? undefined : errors / requests;
}

const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

/** 0.025 → "2.5%"; "—" when there is nothing to divide. */
export function formatPercent(fraction: number | undefined): string {
  return fraction === undefined ? "—" : percent.format(fraction);
}

const integer = new Intl.NumberFormat("en-US");

/** 12345 → "12,345". */
export function formatCount(value: number): string {
  return integer.format(value);
}
