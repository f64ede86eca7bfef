import { describe, expect, it } from "vitest";
import {
  createBudgetLedger,
  periodEnd,
  periodStart,
  type Budget,
  type BudgetLedgerOptions,
  type BudgetPeriod,
  type BudgetReservation,
  type ReserveResult,
  type SpendRow,
  type ThresholdCrossing,
} from "../../server/gateway/budget.ts";
import { parseUsd } from "../../server/gateway/money.ts";

const utc = (text: string) => new Date(`${text}Z`);

function setUp(startAt = "2025-03-12T12:00:00", options: Omit<BudgetLedgerOptions, "now"> = {}) {
  let time = utc(startAt);
  const crossings: ThresholdCrossing[] = [];
  const ledger = createBudgetLedger({
    now: () => time,
    onThresholdCrossed: (crossing) => crossings.push(crossing),
    ...options,
  });
  return {
    ledger,
    crossings,
    /** Moves the clock to a UTC wall time such as "2025-03-13T00:00:00". */
    at(text: string) {
      time = utc(text);
    },
  };
}

const teamBudget = (limitUsd: string, period: BudgetPeriod = "DAILY", id = "t1"): Budget => ({
  scope: "team",
  id,
  label: `team '${id}'`,
  limitNanoUsd: parseUsd(limitUsd),
  period,
});
const keyBudget = (limitUsd: string, period: BudgetPeriod = "DAILY", id = "k1"): Budget => ({
  scope: "apiKey",
  id,
  label: `key '${id}'`,
  limitNanoUsd: parseUsd(limitUsd),
  period,
});

function reservationOf(result: ReserveResult): BudgetReservation {
  if (!result.ok) throw new Error(`expected the reservation to be granted, got: ${result.message}`);
  return result.reservation;
}

function refusalOf(result: ReserveResult) {
  if (result.ok) throw new Error("expected the reservation to be refused");
  return result;
}

describe("periodStart and periodEnd", () => {
  it.each<[BudgetPeriod, string, string, string | null]>([
    ["DAILY", "2025-03-12T23:59:59.999", "2025-03-12T00:00:00", "2025-03-13T00:00:00"],
    ["DAILY", "2024-12-31T05:00:00", "2024-12-31T00:00:00", "2025-01-01T00:00:00"],
    // 2025-03-16 is a Sunday: its ISO week began on Monday the 10th.
    ["WEEKLY", "2025-03-16T23:59:59.999", "2025-03-10T00:00:00", "2025-03-17T00:00:00"],
    ["WEEKLY", "2025-03-17T00:00:00", "2025-03-17T00:00:00", "2025-03-24T00:00:00"],
    // Wednesday 2025-01-01 is in the week that began on Monday 2024-12-30.
    ["WEEKLY", "2025-01-01T10:00:00", "2024-12-30T00:00:00", "2025-01-06T00:00:00"],
    ["MONTHLY", "2025-01-31T23:59:59.999", "2025-01-01T00:00:00", "2025-02-01T00:00:00"],
    ["MONTHLY", "2024-02-29T12:00:00", "2024-02-01T00:00:00", "2024-03-01T00:00:00"],
    ["MONTHLY", "2024-12-15T00:00:00", "2024-12-01T00:00:00", "2025-01-01T00:00:00"],
    ["NONE", "2025-03-12T12:00:00", "1970-01-01T00:00:00", null],
  ])("%s at %s starts at %s and ends at %s (UTC)", (period, at, start, end) => {
    expect(periodStart(period, utc(at))).toEqual(utc(start));
    expect(periodEnd(period, utc(at))).toEqual(end === null ? null : utc(end));
  });

  it("ignores the local time zone of the date given", () => {
    // 2025-03-13T00:30:00+02:00 is still the 12th in UTC.
    expect(periodStart("DAILY", new Date("2025-03-13T00:30:00+02:00"))).toEqual(
      utc("2025-03-12T00:00:00"),
    );
  });
});

describe("createBudgetLedger", () => {
  it("reserves the maximum cost, settles to the actual and releases on failure", () => {
    const { ledger } = setUp();
    const budget = teamBudget("10");
    const first = reservationOf(ledger.reserve([budget], parseUsd("3")));
    const second = reservationOf(ledger.reserve([budget], parseUsd("2")));
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      reservedNanoUsd: parseUsd("5"),
      remainingNanoUsd: parseUsd("5"),
    });
    first.settle(parseUsd("1.25"));
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: parseUsd("1.25"),
      reservedNanoUsd: parseUsd("2"),
      remainingNanoUsd: parseUsd("6.75"),
    });
    second.release();
    expect(ledger.state(budget)).toEqual({
      spentNanoUsd: parseUsd("1.25"),
      reservedNanoUsd: 0n,
      remainingNanoUsd: parseUsd("8.75"),
      periodStart: utc("2025-03-12T00:00:00"),
      resetsAt: utc("2025-03-13T00:00:00"),
    });
    expect(first.spendCounters).toEqual([
      { scope: "team", scopeId: "t1", periodStart: utc("2025-03-12T00:00:00") },
    ]);
  });

  it("allows exactly up to the limit, refuses a nano-USD more, and names budget, limit and remaining amount", () => {
    const { ledger } = setUp();
    const budget = teamBudget("1", "DAILY", "search");
    reservationOf(ledger.reserve([budget], parseUsd("0.75"))).settle(parseUsd("0.75"));
    const refusal = refusalOf(ledger.reserve([budget], parseUsd("0.25") + 1n));
    expect(refusal).toMatchObject({ budget, spentNanoUsd: parseUsd("0.75"), reservedNanoUsd: 0n });
    expect(refusal.message).toBe(
      "Budget exceeded for team 'search': limit $1 per day, $0.25 remaining, and this request may cost up to $0.250000001. The budget resets at 2025-03-13T00:00:00.000Z.",
    );
    reservationOf(ledger.reserve([budget], parseUsd("0.25")));
    expect(ledger.state(budget).remainingNanoUsd).toBe(0n);
  });

  it("refuses any cost under a zero limit and always allows a request that can cost nothing", () => {
    const { ledger } = setUp();
    const zero = teamBudget("0", "NONE");
    expect(refusalOf(ledger.reserve([zero], 1n)).message).toBe(
      "Budget exceeded for team 't1': limit $0 in total, $0 remaining, and this request may cost up to $0.000000001.",
    );
    const free = reservationOf(ledger.reserve([zero], 0n));
    // A free request that turned out to cost something is still recorded.
    free.settle(5n);
    expect(ledger.state(zero)).toMatchObject({
      spentNanoUsd: 5n,
      reservedNanoUsd: 0n,
      remainingNanoUsd: 0n,
    });
    reservationOf(ledger.reserve([zero], 0n));
  });

  it("grants exactly 10 of 100 parallel reservations against a budget that fits 10, then admits what settling at the actual cost freed", async () => {
    const { ledger } = setUp();
    const budget = keyBudget("1");
    const maxCost = parseUsd("0.1");
    // Requests interleave at awaits, as the request handlers would.
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        await new Promise((resolve) => setTimeout(resolve, index % 7));
        return ledger.reserve([budget], maxCost);
      }),
    );
    const granted = results.filter((result) => result.ok).map(reservationOf);
    expect(granted).toHaveLength(10);
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      reservedNanoUsd: budget.limitNanoUsd,
      remainingNanoUsd: 0n,
    });
    for (const reservation of granted) reservation.settle(parseUsd("0.04"));
    const { spentNanoUsd, remainingNanoUsd } = ledger.state(budget);
    expect(spentNanoUsd).toBe(parseUsd("0.4"));
    expect(spentNanoUsd).toBeLessThanOrEqual(budget.limitNanoUsd);
    expect(remainingNanoUsd).toBe(parseUsd("0.6"));
    const more = Array.from({ length: 10 }, () => ledger.reserve([budget], maxCost));
    expect(more.filter((result) => result.ok)).toHaveLength(6);
  });

  it("reserves in team and key together or in neither", () => {
    const { ledger } = setUp();
    const team = teamBudget("10");
    const key = keyBudget("1");
    reservationOf(ledger.reserve([team, key], parseUsd("0.5")));
    expect(ledger.state(team).reservedNanoUsd).toBe(parseUsd("0.5"));
    expect(ledger.state(key).reservedNanoUsd).toBe(parseUsd("0.5"));
    // The key refuses: the team must not hold the money.
    const keyRefusal = refusalOf(ledger.reserve([team, key], parseUsd("0.6")));
    expect(keyRefusal.budget).toBe(key);
    expect(ledger.state(team).reservedNanoUsd).toBe(parseUsd("0.5"));
    // The team refuses (listed last this time): the key must not hold the money either.
    const otherKey = keyBudget("100", "DAILY", "k2");
    const teamRefusal = refusalOf(ledger.reserve([otherKey, team], parseUsd("9.6")));
    expect(teamRefusal.budget).toBe(team);
    expect(ledger.state(otherKey).reservedNanoUsd).toBe(0n);
  });

  it("checks a scope listed twice against each limit but reserves in it once", () => {
    const { ledger } = setUp();
    const reservation = reservationOf(
      ledger.reserve([teamBudget("10"), teamBudget("10")], parseUsd("4")),
    );
    expect(ledger.state(teamBudget("10")).reservedNanoUsd).toBe(parseUsd("4"));
    reservation.settle(parseUsd("1"));
    expect(ledger.state(teamBudget("10")).spentNanoUsd).toBe(parseUsd("1"));
    expect(
      refusalOf(ledger.reserve([teamBudget("10"), teamBudget("2")], parseUsd("1.5"))).budget
        .limitNanoUsd,
    ).toBe(parseUsd("2"));
  });

  it("records an overrun past the reservation and refuses further cost until the period resets", () => {
    const { ledger, at } = setUp();
    const budget = teamBudget("1");
    reservationOf(ledger.reserve([budget], parseUsd("0.9"))).settle(parseUsd("1.2"));
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: parseUsd("1.2"),
      remainingNanoUsd: 0n,
    });
    refusalOf(ledger.reserve([budget], 1n));
    reservationOf(ledger.reserve([budget], 0n));
    at("2025-03-13T00:00:00");
    reservationOf(ledger.reserve([budget], parseUsd("1")));
  });

  it("starts a DAILY budget afresh at UTC midnight", () => {
    const { ledger, at } = setUp("2025-03-12T23:59:59.999");
    const budget = teamBudget("1", "DAILY");
    reservationOf(ledger.reserve([budget], parseUsd("1"))).settle(parseUsd("1"));
    refusalOf(ledger.reserve([budget], 1n));
    at("2025-03-13T00:00:00");
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      remainingNanoUsd: parseUsd("1"),
      periodStart: utc("2025-03-13T00:00:00"),
      resetsAt: utc("2025-03-14T00:00:00"),
    });
    reservationOf(ledger.reserve([budget], parseUsd("1")));
  });

  it("starts a WEEKLY budget afresh on Monday 00:00 UTC, not at other midnights", () => {
    const { ledger, at } = setUp("2025-03-10T08:00:00"); // a Monday
    const budget = keyBudget("1", "WEEKLY");
    reservationOf(ledger.reserve([budget], parseUsd("1"))).settle(parseUsd("1"));
    at("2025-03-16T23:59:59.999"); // the Sunday after
    refusalOf(ledger.reserve([budget], 1n));
    expect(ledger.state(budget).resetsAt).toEqual(utc("2025-03-17T00:00:00"));
    at("2025-03-17T00:00:00");
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      periodStart: utc("2025-03-17T00:00:00"),
    });
    reservationOf(ledger.reserve([budget], parseUsd("1")));
  });

  it("starts a MONTHLY budget afresh on the first of the month, not at other midnights", () => {
    const { ledger, at } = setUp("2025-01-02T08:00:00");
    const budget = teamBudget("1", "MONTHLY");
    reservationOf(ledger.reserve([budget], parseUsd("1"))).settle(parseUsd("1"));
    at("2025-01-31T23:59:59.999");
    refusalOf(ledger.reserve([budget], 1n));
    at("2025-02-01T00:00:00");
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      periodStart: utc("2025-02-01T00:00:00"),
      resetsAt: utc("2025-03-01T00:00:00"),
    });
    reservationOf(ledger.reserve([budget], parseUsd("1")));
  });

  it("never starts a NONE budget afresh", () => {
    const { ledger, at } = setUp("2025-01-02T08:00:00");
    const budget = teamBudget("1", "NONE");
    reservationOf(ledger.reserve([budget], parseUsd("1"))).settle(parseUsd("0.7"));
    at("2031-07-01T00:00:00");
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: parseUsd("0.7"),
      periodStart: new Date(0),
      resetsAt: null,
    });
    refusalOf(ledger.reserve([budget], parseUsd("0.3") + 1n));
  });

  it("does not reopen an ended period when the clock steps back", () => {
    const { ledger, at } = setUp("2025-03-12T23:59:59");
    const budget = teamBudget("1");
    at("2025-03-13T00:00:01");
    reservationOf(ledger.reserve([budget], parseUsd("1"))).settle(parseUsd("1"));
    at("2025-03-12T23:59:59");
    refusalOf(ledger.reserve([budget], 1n));
    expect(ledger.state(budget).periodStart).toEqual(utc("2025-03-13T00:00:00"));
  });

  it("settles a reservation made before the period rolled over into the period it was made in", () => {
    const { ledger, at } = setUp("2025-03-12T23:59:59");
    const budget = teamBudget("1");
    const lateYesterday = reservationOf(ledger.reserve([budget], parseUsd("0.8")));
    at("2025-03-13T00:00:05");
    // The new day owes nothing for yesterday's reservation.
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      reservedNanoUsd: 0n,
      remainingNanoUsd: parseUsd("1"),
    });
    const today = reservationOf(ledger.reserve([budget], parseUsd("1")));
    lateYesterday.settle(parseUsd("0.5"));
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      reservedNanoUsd: parseUsd("1"),
      remainingNanoUsd: 0n,
    });
    expect(ledger.state(budget, utc("2025-03-12T12:00:00"))).toMatchObject({
      spentNanoUsd: parseUsd("0.5"),
      reservedNanoUsd: 0n,
    });
    expect(lateYesterday.spendCounters[0].periodStart).toEqual(utc("2025-03-12T00:00:00"));
    today.release();
    // A release after the rollover returns nothing to the new day beyond what it reserved there.
    const stale = setUp("2025-03-12T23:59:59");
    const staleReservation = reservationOf(stale.ledger.reserve([budget], parseUsd("0.8")));
    stale.at("2025-03-13T00:00:05");
    staleReservation.release();
    expect(stale.ledger.state(budget)).toMatchObject({
      spentNanoUsd: 0n,
      reservedNanoUsd: 0n,
      remainingNanoUsd: parseUsd("1"),
    });
  });

  it("restores the remaining budget after a restart from the stored spend", () => {
    const before = setUp();
    const team = teamBudget("10", "MONTHLY");
    const key = keyBudget("2", "DAILY");
    const rows: SpendRow[] = [];
    for (const cost of ["0.3", "1.1", "0.05"]) {
      const reservation = reservationOf(
        before.ledger.reserve([team, key], parseUsd("0.5") + parseUsd(cost)),
      );
      reservation.settle(parseUsd(cost));
      for (const counter of reservation.spendCounters)
        rows.push({ ...counter, spentNanoUsd: parseUsd(cost) });
    }
    // Spend of an earlier month is in storage too and must not count.
    rows.push({
      scope: "team",
      scopeId: "t1",
      periodStart: utc("2025-02-01T00:00:00"),
      spentNanoUsd: parseUsd("9"),
    });
    const after = setUp();
    after.ledger.load(rows);
    expect(after.ledger.state(team)).toEqual(before.ledger.state(team));
    expect(after.ledger.state(key)).toEqual(before.ledger.state(key));
    expect(after.ledger.state(key).remainingNanoUsd).toBe(parseUsd("0.55"));
    refusalOf(after.ledger.reserve([key], parseUsd("0.55") + 1n));
    // load and record add to what is there.
    after.ledger.record({
      scope: "apiKey",
      scopeId: "k1",
      periodStart: utc("2025-03-12T00:00:00"),
      spentNanoUsd: parseUsd("0.05"),
    });
    expect(after.ledger.state(key).remainingNanoUsd).toBe(parseUsd("0.5"));
  });

  it("applies only the first of settle and release", () => {
    const { ledger } = setUp();
    const budget = teamBudget("10");
    const settled = reservationOf(ledger.reserve([budget], parseUsd("2")));
    settled.settle(parseUsd("1"));
    settled.settle(parseUsd("1"));
    settled.release();
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: parseUsd("1"),
      reservedNanoUsd: 0n,
    });
    const released = reservationOf(ledger.reserve([budget], parseUsd("2")));
    released.release();
    released.release();
    released.settle(parseUsd("1"));
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: parseUsd("1"),
      reservedNanoUsd: 0n,
      remainingNanoUsd: parseUsd("9"),
    });
  });

  it("reports crossing the threshold once per budget and period, on the settle that crosses it", () => {
    const { ledger, crossings, at } = setUp();
    const team = teamBudget("10");
    const key = keyBudget("100");
    const settle = (cost: string) =>
      reservationOf(ledger.reserve([team, key], parseUsd(cost))).settle(parseUsd(cost));
    settle("7.999999999");
    expect(crossings).toEqual([]);
    settle("0.000000001"); // exactly 80 % of the team's limit
    expect(crossings).toEqual([
      {
        budget: team,
        periodStart: utc("2025-03-12T00:00:00"),
        spentNanoUsd: parseUsd("8"),
        limitNanoUsd: parseUsd("10"),
        fraction: 0.8,
      },
    ]);
    settle("1");
    settle("1");
    expect(crossings).toHaveLength(1);
    // A limit raised mid-period does not make the same period report again.
    const raised = { ...team, limitNanoUsd: parseUsd("20") };
    reservationOf(ledger.reserve([raised], parseUsd("7"))).settle(parseUsd("7"));
    expect(crossings).toHaveLength(1);
    at("2025-03-13T09:00:00");
    settle("9");
    expect(crossings.map((crossing) => [crossing.budget.id, crossing.periodStart])).toEqual([
      ["t1", utc("2025-03-12T00:00:00")],
      ["t1", utc("2025-03-13T00:00:00")],
    ]);
  });

  it("does not report a threshold that loaded spend had already crossed, and honours a custom fraction", () => {
    const { ledger, crossings } = setUp("2025-03-12T12:00:00", { thresholdFraction: 0.5 });
    const budget = teamBudget("10");
    ledger.load([
      {
        scope: "team",
        scopeId: "t1",
        periodStart: utc("2025-03-12T00:00:00"),
        spentNanoUsd: parseUsd("6"),
      },
    ]);
    reservationOf(ledger.reserve([budget], parseUsd("1"))).settle(parseUsd("1"));
    expect(crossings).toEqual([]);
    const other = teamBudget("10", "DAILY", "t2");
    reservationOf(ledger.reserve([other], parseUsd("5"))).settle(parseUsd("5"));
    expect(crossings.map((crossing) => crossing.budget)).toEqual([other]);
    expect(() => createBudgetLedger({ thresholdFraction: 0 })).toThrow(RangeError);
  });

  it("forgets a deleted key's counters", () => {
    const { ledger, crossings } = setUp();
    const key = keyBudget("1");
    reservationOf(ledger.reserve([key], parseUsd("0.5"))).settle(parseUsd("0.5"));
    const outstanding = reservationOf(ledger.reserve([key], parseUsd("0.5")));
    ledger.forget("apiKey", "k1");
    expect(ledger.state(key)).toMatchObject({ spentNanoUsd: 0n, reservedNanoUsd: 0n });
    outstanding.settle(parseUsd("0.5"));
    expect(ledger.state(key).spentNanoUsd).toBe(0n);
    expect(crossings).toEqual([]);
  });

  it("rejects negative amounts without changing anything", () => {
    const { ledger } = setUp();
    const budget = teamBudget("1");
    expect(() => ledger.reserve([budget], -1n)).toThrow(RangeError);
    const reservation = reservationOf(ledger.reserve([budget], parseUsd("0.5")));
    expect(() => reservation.settle(-1n)).toThrow(RangeError);
    reservation.settle(parseUsd("0.25"));
    expect(ledger.state(budget)).toMatchObject({
      spentNanoUsd: parseUsd("0.25"),
      reservedNanoUsd: 0n,
    });
    expect(() =>
      ledger.record({
        scope: "team",
        scopeId: "t1",
        periodStart: utc("2025-03-12T00:00:00"),
        spentNanoUsd: -1n,
      }),
    ).toThrow(RangeError);
  });
});
