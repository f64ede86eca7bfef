/*
 * Budgets that cannot be overspent under concurrency (DESIGN §6, request flow step 4): before
 * calling upstream a request reserves its maximum possible cost in every budget that applies
 * (key, team), settles to the actual cost after the response and releases on failure. Reserving
 * is synchronous, so no other request can slip in between the check and the reservation.
 * Everything goes through `BudgetLedger`, so the scale-out work can swap these in-memory
 * counters for Redis without touching callers.
 */
import { formatUsd } from "./money.ts";

export type BudgetPeriod = "DAILY" | "WEEKLY" | "MONTHLY" | "NONE";

export type BudgetScope = "team" | "apiKey";

/** One budget that applies to a request: a team's or an API key's. */
export interface Budget {
  scope: BudgetScope;
  id: string;
  /** For messages, e.g. "team 'search'". */
  label: string;
  /** Inclusive: spend may reach the limit exactly. */
  limitNanoUsd: bigint;
  period: BudgetPeriod;
  /**
   * Budgets of one request with the same group are reserved in one atomic step by a shared
   * (Redis) ledger, which keeps a group's counters in one Redis Cluster slot: a key and its team
   * share their team's. Defaults to scope and id.
   */
  group?: string;
}

/** Settled spend of one scope in one period, as stored in a SpendCounter row. */
export interface SpendRow {
  scope: BudgetScope;
  scopeId: string;
  periodStart: Date;
  spentNanoUsd: bigint;
}

/** A budget's spend reached `thresholdFraction` of its limit; reported at most once per budget and period. */
export interface ThresholdCrossing {
  budget: Budget;
  periodStart: Date;
  spentNanoUsd: bigint;
  limitNanoUsd: bigint;
  fraction: number;
}

export interface BudgetReservation {
  /**
   * Where the actual cost goes: one SpendCounter row per budget, in the period the reservation
   * was made in — so whoever persists spend writes the rows the ledger counts.
   */
  readonly spendCounters: ReadonlyArray<{ scope: BudgetScope; scopeId: string; periodStart: Date }>;
  /**
   * The request cost `actualNanoUsd`: the reservation is replaced by the actual spend, in the
   * period the reservation was made in. The actual may exceed the reservation (a provider
   * overran its max tokens); it is recorded anyway — spend is never lost. The first of
   * settle/release wins; later calls do nothing. Throws a RangeError (changing nothing) on a
   * negative amount.
   */
  settle(actualNanoUsd: bigint): void;
  /** The request failed or was cancelled before costing anything: the reservation is returned. */
  release(): void;
}

export type ReserveResult =
  | { ok: true; reservation: BudgetReservation }
  | { ok: false; budget: Budget; spentNanoUsd: bigint; reservedNanoUsd: bigint; message: string };

export interface BudgetState {
  /** Settled spend in the period. */
  spentNanoUsd: bigint;
  /** Reservations outstanding in the period. */
  reservedNanoUsd: bigint;
  /** limit − spent − reserved, never below zero (an overrun can push spend past the limit). */
  remainingNanoUsd: bigint;
  periodStart: Date;
  /** When the next period starts; null for a budget that never resets. */
  resetsAt: Date | null;
}

export interface BudgetLedger {
  /**
   * Atomically (synchronously) checks every budget — spent + reserved + maxCost <= limit in the
   * current period — and only if all allow it reserves maxCost in all of them. A refusal names
   * the first budget (in the order given) that does not fit. A maxCost of 0 is always allowed
   * (its reservation still records the actual spend on settle). Throws a RangeError on a
   * negative maxCost.
   */
  reserve(budgets: Budget[], maxCostNanoUsd: bigint): ReserveResult | Promise<ReserveResult>;
  /** Spend and reservations of the period containing `at` (default: now), for Team.budget { spentUsd, remainingUsd, resetsAt }. */
  state(budget: Budget, at?: Date): BudgetState | Promise<BudgetState>;
  /** Adds settled spend from storage (SpendCounter rows) on start to what the ledger holds. */
  load(rows: Iterable<SpendRow>): void;
  /** Records spend that did not go through a reservation (e.g. replayed on start) — `load` for one row. */
  record(row: SpendRow): void;
  /** Drops a scope's counters (a deleted key); its outstanding reservations then settle into nothing. */
  forget(scope: BudgetScope, id: string): void;
}

/** The in-process ledger: every answer is immediate. */
export interface InMemoryBudgetLedger extends BudgetLedger {
  reserve(budgets: Budget[], maxCostNanoUsd: bigint): ReserveResult;
  state(budget: Budget, at?: Date): BudgetState;
}

export interface BudgetLedgerOptions {
  now?: () => Date;
  /** Share of the limit whose crossing `onThresholdCrossed` reports; in (0, 1]. */
  thresholdFraction?: number;
  /** Called synchronously from `settle` when it brings a budget's spend to `thresholdFraction` of its limit, once per budget and period; must not throw. */
  onThresholdCrossed?: (crossing: ThresholdCrossing) => void;
}

/** The counters of one scope in one period. */
interface PeriodCounter {
  spentNanoUsd: bigint;
  reservedNanoUsd: bigint;
  thresholdReported: boolean;
}

// The fraction becomes an integer number of millionths so the threshold test stays in BigInt.
const fractionDenominator = 1_000_000n;

const periodWords: Record<BudgetPeriod, string> = {
  DAILY: "per day",
  WEEKLY: "per week",
  MONTHLY: "per month",
  NONE: "in total",
};

/** Start of the period containing `at` (UTC): the day's start; the ISO week's (Monday 00:00 UTC); the month's first day; the epoch for NONE. */
export function periodStart(period: BudgetPeriod, at: Date): Date {
  const time = at.getTime();
  if (Number.isNaN(time)) throw new RangeError("periodStart needs a valid date.");
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  switch (period) {
    case "DAILY":
      return new Date(Date.UTC(year, month, day));
    case "WEEKLY":
      // getUTCDay counts from Sunday (0); ISO weeks start on Monday. Date.UTC carries negative days into the month before.
      return new Date(Date.UTC(year, month, day - ((at.getUTCDay() + 6) % 7)));
    case "MONTHLY":
      return new Date(Date.UTC(year, month, 1));
    case "NONE":
      return new Date(0);
  }
}

/** When the period containing `at` ends (the next period's start); null for NONE. */
export function periodEnd(period: BudgetPeriod, at: Date): Date | null {
  const start = periodStart(period, at);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth();
  const day = start.getUTCDate();
  switch (period) {
    case "DAILY":
      return new Date(Date.UTC(year, month, day + 1));
    case "WEEKLY":
      return new Date(Date.UTC(year, month, day + 7));
    case "MONTHLY":
      return new Date(Date.UTC(year, month + 1, 1));
    case "NONE":
      return null;
  }
}

/**
 * Counts in process memory, for a single instance. Counters are keyed by (scope, id, period
 * start): a new period starts from zero, and a reservation settles into the period it was made
 * in, so a request spanning midnight counts towards the day it was admitted in and never
 * touches (or drives negative) the new day's counters. Past periods' counters are dropped once
 * their reservations are settled and the scope reserves in a newer period. Changing a budget's
 * period mid-period counts from zero in the new period's counter.
 */
export function createBudgetLedger({
  now = () => new Date(),
  thresholdFraction = 0.8,
  onThresholdCrossed,
}: BudgetLedgerOptions = {}): InMemoryBudgetLedger {
  if (!(thresholdFraction > 0 && thresholdFraction <= 1))
    throw new RangeError(`thresholdFraction must be in (0, 1], got ${thresholdFraction}.`);
  const thresholdMillionths = BigInt(Math.round(thresholdFraction * Number(fractionDenominator)));
  /** scope key → period start (ms) → counters. */
  const countersByScope = new Map<string, Map<number, PeriodCounter>>();
  let latestMs = Number.NEGATIVE_INFINITY;

  // A clock stepped backwards (NTP) must not reopen a period that already ended.
  function clock(): Date {
    const time = now().getTime();
    if (time > latestMs) latestMs = time;
    return new Date(latestMs);
  }

  function findCounter(scope: BudgetScope, id: string, startMs: number): PeriodCounter | undefined {
    return countersByScope.get(scopeKey(scope, id))?.get(startMs);
  }

  function counterFor(scope: BudgetScope, id: string, startMs: number): PeriodCounter {
    const key = scopeKey(scope, id);
    let periods = countersByScope.get(key);
    if (!periods) {
      periods = new Map();
      countersByScope.set(key, periods);
    }
    let counter = periods.get(startMs);
    if (!counter) {
      counter = { spentNanoUsd: 0n, reservedNanoUsd: 0n, thresholdReported: false };
      periods.set(startMs, counter);
    }
    return counter;
  }

  /** Drops a scope's past periods once nothing is reserved in them: their spend lives in storage. */
  function dropPastPeriods(scope: BudgetScope, id: string, currentStartMs: number): void {
    const periods = countersByScope.get(scopeKey(scope, id));
    if (!periods) return;
    for (const [startMs, counter] of periods) {
      if (startMs < currentStartMs && counter.reservedNanoUsd === 0n) periods.delete(startMs);
    }
  }

  function reserve(budgets: Budget[], maxCostNanoUsd: bigint): ReserveResult {
    if (maxCostNanoUsd < 0n)
      throw new RangeError(`A reservation cannot be negative, got ${maxCostNanoUsd} nano-USD.`);
    const at = clock();
    const entries: ReservedEntry[] = [];
    // Check every budget before reserving in any: a refused request must not hold another budget's money.
    for (const budget of budgets) {
      const startMs = periodStart(budget.period, at).getTime();
      dropPastPeriods(budget.scope, budget.id, startMs);
      const counter = counterFor(budget.scope, budget.id, startMs);
      const fits =
        maxCostNanoUsd === 0n ||
        counter.spentNanoUsd + counter.reservedNanoUsd + maxCostNanoUsd <= budget.limitNanoUsd;
      if (!fits)
        return budgetRefusal(
          budget,
          counter.spentNanoUsd,
          counter.reservedNanoUsd,
          maxCostNanoUsd,
          at,
        );
      // The same scope listed twice is checked against each limit but reserved in once.
      if (!entries.some((entry) => entry.counter === counter))
        entries.push({ budget, startMs, counter });
    }
    for (const entry of entries) entry.counter.reservedNanoUsd += maxCostNanoUsd;
    return { ok: true, reservation: createReservation(entries, maxCostNanoUsd) };
  }

  function createReservation(entries: ReservedEntry[], reservedNanoUsd: bigint): BudgetReservation {
    const spendCounters = entries.map(({ budget, startMs }) => ({
      scope: budget.scope,
      scopeId: budget.id,
      periodStart: new Date(startMs),
    }));
    return reservationOf(spendCounters, {
      settle(actualNanoUsd) {
        const crossings: ThresholdCrossing[] = [];
        for (const { budget, startMs, counter } of entries) {
          const spentBefore = counter.spentNanoUsd;
          counter.reservedNanoUsd -= reservedNanoUsd;
          counter.spentNanoUsd += actualNanoUsd;
          // A forgotten scope's counter is detached: its threshold no longer concerns anyone.
          if (
            counter.thresholdReported ||
            findCounter(budget.scope, budget.id, startMs) !== counter
          )
            continue;
          const threshold = budget.limitNanoUsd * thresholdMillionths;
          if (
            spentBefore * fractionDenominator < threshold &&
            counter.spentNanoUsd * fractionDenominator >= threshold
          ) {
            counter.thresholdReported = true;
            crossings.push({
              budget,
              periodStart: new Date(startMs),
              spentNanoUsd: counter.spentNanoUsd,
              limitNanoUsd: budget.limitNanoUsd,
              fraction: thresholdFraction,
            });
          }
        }
        // Reported after every counter is updated, so a listener sees consistent state.
        for (const crossing of crossings) onThresholdCrossed?.(crossing);
      },
      release() {
        for (const { counter } of entries) counter.reservedNanoUsd -= reservedNanoUsd;
      },
    });
  }

  function state(budget: Budget, at: Date = clock()): BudgetState {
    const start = periodStart(budget.period, at);
    const counter = findCounter(budget.scope, budget.id, start.getTime());
    const spentNanoUsd = counter?.spentNanoUsd ?? 0n;
    const reservedNanoUsd = counter?.reservedNanoUsd ?? 0n;
    return {
      spentNanoUsd,
      reservedNanoUsd,
      remainingNanoUsd: remainingOf(budget, spentNanoUsd, reservedNanoUsd),
      periodStart: start,
      resetsAt: periodEnd(budget.period, at),
    };
  }

  function record(row: SpendRow): void {
    const startMs = row.periodStart.getTime();
    if (Number.isNaN(startMs))
      throw new RangeError(
        `A spend row of ${row.scope} ${row.scopeId} has an invalid period start.`,
      );
    if (row.spentNanoUsd < 0n)
      throw new RangeError(
        `A spend row of ${row.scope} ${row.scopeId} has negative spend (${row.spentNanoUsd} nano-USD).`,
      );
    counterFor(row.scope, row.scopeId, startMs).spentNanoUsd += row.spentNanoUsd;
  }

  function load(rows: Iterable<SpendRow>): void {
    for (const row of rows) record(row);
  }

  function forget(scope: BudgetScope, id: string): void {
    countersByScope.delete(scopeKey(scope, id));
  }

  return { reserve, state, load, record, forget };
}

interface ReservedEntry {
  budget: Budget;
  startMs: number;
  counter: PeriodCounter;
}

function scopeKey(scope: BudgetScope, id: string): string {
  return `${scope}\u0000${id}`;
}

function remainingOf(budget: Budget, spentNanoUsd: bigint, reservedNanoUsd: bigint): bigint {
  const remaining = budget.limitNanoUsd - spentNanoUsd - reservedNanoUsd;
  return remaining > 0n ? remaining : 0n;
}

/**
 * A reservation from its two outcomes: the first settle or release wins and later calls do
 * nothing; a negative cost is refused (a RangeError) before anything changes.
 */
export function reservationOf(
  spendCounters: BudgetReservation["spendCounters"],
  outcomes: { settle(actualNanoUsd: bigint): void; release(): void },
): BudgetReservation {
  let finished = false;
  return {
    spendCounters,
    settle(actualNanoUsd) {
      if (finished) return;
      if (actualNanoUsd < 0n)
        throw new RangeError(
          `A request cannot cost a negative amount, got ${actualNanoUsd} nano-USD.`,
        );
      finished = true;
      outcomes.settle(actualNanoUsd);
    },
    release() {
      if (finished) return;
      finished = true;
      outcomes.release();
    },
  };
}

/** The refusal of a request a budget has no room for (the same words whichever ledger counted). */
export function budgetRefusal(
  budget: Budget,
  spentNanoUsd: bigint,
  reservedNanoUsd: bigint,
  maxCostNanoUsd: bigint,
  at: Date,
): Extract<ReserveResult, { ok: false }> {
  const remaining = remainingOf(budget, spentNanoUsd, reservedNanoUsd);
  const resetsAt = periodEnd(budget.period, at);
  const message =
    `Budget exceeded for ${budget.label}: limit $${formatUsd(budget.limitNanoUsd)} ${periodWords[budget.period]}, ` +
    `$${formatUsd(remaining)} remaining, and this request may cost up to $${formatUsd(maxCostNanoUsd)}.` +
    (resetsAt ? ` The budget resets at ${resetsAt.toISOString()}.` : "");
  return { ok: false, budget, spentNanoUsd, reservedNanoUsd, message };
}
