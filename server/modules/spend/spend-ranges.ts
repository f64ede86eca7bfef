/*
 * How a spend query over [from, to) splits: the whole UTC days inside it are read from the daily
 * rollups, and the part-days at its edges (a `from` or `to` that is not midnight UTC) from the
 * request logs, which keep the exact time.
 */

const dayMs = 86_400_000;

/** Midnight UTC at or before `date`. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Math.floor(date.getTime() / dayMs) * dayMs);
}

/** "2026-12-05": the UTC day key of a midnight (as RequestLog.day and SpendRollup.day). */
export function dayKey(midnight: Date): string {
  return midnight.toISOString().slice(0, 10);
}

export interface SpendRanges {
  /** Whole UTC days [fromDay, toDay) (either open), or none. */
  days?: { fromDay?: string; toDay?: string };
  /** Part-days to read from the logs, each within one UTC day. */
  partial: Array<{ from: Date; to: Date }>;
}

export function splitSpendRange(from?: Date, to?: Date): SpendRanges {
  if (from && to && from >= to) return { partial: [] };
  const firstWhole = from && new Date(Math.ceil(from.getTime() / dayMs) * dayMs);
  const endWhole = to && startOfUtcDay(to);
  // Both edges in the same day: no whole day between them.
  if (from && to && firstWhole! > endWhole!) return { partial: [{ from, to }] };
  const partial: SpendRanges["partial"] = [];
  if (from && firstWhole!.getTime() !== from.getTime()) partial.push({ from, to: firstWhole! });
  if (to && endWhole!.getTime() !== to.getTime()) partial.push({ from: endWhole!, to });
  const wholeDays =
    firstWhole && endWhole && firstWhole.getTime() === endWhole.getTime()
      ? undefined
      : {
          fromDay: firstWhole && dayKey(firstWhole),
          toDay: endWhole && dayKey(endWhole),
        };
  return { days: wholeDays, partial };
}

/**
 * The first moment whose request logs are kept: midnight UTC `days` days before today's. The
 * pruner deletes logs before it, so every day from it on still has all of its logs.
 */
export function logsKeptFrom(now: number, days: number): Date {
  return new Date(startOfUtcDay(new Date(now)).getTime() - days * dayMs);
}
