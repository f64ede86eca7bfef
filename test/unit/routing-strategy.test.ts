import { describe, expect, it } from "vitest";
import { orderCandidates, type CandidateStats } from "../../server/gateway/routing-strategy.ts";

function candidate(stats: Partial<CandidateStats> = {}): CandidateStats {
  return {
    inFlight: 0,
    latencyMs: null,
    timeToFirstTokenMs: null,
    healthy: true,
    requestsLastMinute: 0,
    tokensLastMinute: 0,
    weight: 1,
    ...stats,
  };
}

/** Replays the given draws in order (then 0), so a test chooses every random pick. */
function draws(...values: number[]): () => number {
  let next = 0;
  return () => values[next++] ?? 0;
}

/** A seeded linear congruential generator: deterministic, good enough for a distribution check. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

const first = () => 0;

describe("orderCandidates", () => {
  it("returns nothing for no candidates", () => {
    for (const strategy of ["simple-shuffle", "least-busy", "latency", "usage", "cost"] as const) {
      expect(orderCandidates(strategy, [])).toEqual([]);
    }
  });

  it("simple-shuffle follows the weighted draws", () => {
    const candidates = [candidate({ weight: 1 }), candidate({ weight: 3 })];
    // total 4: a draw below 0.25 lands on the first candidate, above on the second.
    expect(orderCandidates("simple-shuffle", candidates, { random: draws(0.1) })).toEqual([0, 1]);
    expect(orderCandidates("simple-shuffle", candidates, { random: draws(0.3) })).toEqual([1, 0]);
  });

  it("simple-shuffle roughly follows the weights over many draws", () => {
    const candidates = [
      candidate({ weight: 1 }),
      candidate({ weight: 2 }),
      candidate({ weight: 7 }),
    ];
    const random = seeded(42);
    const firstPicks = [0, 0, 0];
    const draws = 10_000;
    for (let draw = 0; draw < draws; draw++)
      firstPicks[orderCandidates("simple-shuffle", candidates, { random })[0]]++;
    expect(firstPicks[0] / draws).toBeCloseTo(0.1, 1);
    expect(firstPicks[1] / draws).toBeCloseTo(0.2, 1);
    expect(firstPicks[2] / draws).toBeCloseTo(0.7, 1);
  });

  it("least-busy prefers the fewest in flight and breaks ties at random", () => {
    const candidates = [
      candidate({ inFlight: 3 }),
      candidate({ inFlight: 1 }),
      candidate({ inFlight: 1 }),
      candidate({ inFlight: 0 }),
    ];
    expect(orderCandidates("least-busy", candidates, { random: first })).toEqual([3, 1, 2, 0]);
    // Draw order 2, 1, 0, 3 (0.6 of total 4 picks index 2; then 0.4 of 3 picks index 1; ...).
    expect(orderCandidates("least-busy", candidates, { random: draws(0.6, 0.4, 0) })).toEqual([
      3, 2, 1, 0,
    ]);
  });

  it("latency measures unknown deployments first, then the fastest", () => {
    const candidates = [
      candidate({ latencyMs: 900, timeToFirstTokenMs: 100 }),
      candidate({ latencyMs: 300, timeToFirstTokenMs: 400 }),
      candidate({ latencyMs: null, timeToFirstTokenMs: 200 }),
    ];
    expect(orderCandidates("latency", candidates, { random: first })).toEqual([2, 1, 0]);
    expect(orderCandidates("latency", candidates, { random: first, stream: true })).toEqual([
      0, 2, 1,
    ]);
  });

  it("latency breaks ties at random", () => {
    const candidates = [candidate({ latencyMs: 200 }), candidate({ latencyMs: 200 })];
    expect(orderCandidates("latency", candidates, { random: draws(0.9) })).toEqual([1, 0]);
    expect(orderCandidates("latency", candidates, { random: draws(0.1) })).toEqual([0, 1]);
  });

  it("usage prefers the deployment furthest from its own limits", () => {
    const candidates = [
      candidate({ requestsLastMinute: 50, rpm: 100, tokensLastMinute: 10, tpm: 1000 }), // 0.5
      candidate({ requestsLastMinute: 10, rpm: 100, tokensLastMinute: 800, tpm: 1000 }), // 0.8 (tokens)
      candidate({ requestsLastMinute: 500, tokensLastMinute: 90_000 }), // no limits: 0
      candidate({ requestsLastMinute: 20, rpm: 100 }), // 0.2
    ];
    expect(orderCandidates("usage", candidates, { random: first })).toEqual([2, 3, 0, 1]);
  });

  it("cost prefers the cheapest and puts unknown prices last", () => {
    const candidates = [
      candidate({
        inputNanoUsdPerMillion: 2_500_000_000n,
        outputNanoUsdPerMillion: 10_000_000_000n,
      }),
      candidate({}),
      candidate({ inputNanoUsdPerMillion: 150_000_000n, outputNanoUsdPerMillion: 600_000_000n }),
      candidate({ inputNanoUsdPerMillion: 1n }),
      // Dearer input than the first candidate, cheaper in total (12 vs 12.5 USD): the sum decides.
      candidate({
        inputNanoUsdPerMillion: 3_000_000_000n,
        outputNanoUsdPerMillion: 9_000_000_000n,
      }),
    ];
    expect(orderCandidates("cost", candidates, { random: first })).toEqual([2, 4, 0, 1, 3]);
  });

  it("puts cooling-down candidates last, in strategy order, and still returns them all", () => {
    const candidates = [
      candidate({ inFlight: 0, healthy: false }),
      candidate({ inFlight: 5 }),
      candidate({ inFlight: 2, healthy: false }),
      candidate({ inFlight: 9 }),
    ];
    expect(orderCandidates("least-busy", candidates, { random: first })).toEqual([1, 3, 0, 2]);
    const allCooling = candidates.map((stats) => ({ ...stats, healthy: false }));
    expect(orderCandidates("least-busy", allCooling, { random: first })).toEqual([0, 2, 1, 3]);
  });

  it("moves a candidate at or over its own rpm/tpm to the very back", () => {
    const candidates = [
      candidate({ requestsLastMinute: 100, rpm: 100 }), // at its rpm
      candidate({ healthy: false }),
      candidate({ inFlight: 4 }),
      candidate({ tokensLastMinute: 2_000, tpm: 1_000, healthy: false }), // over its tpm and cooling down
      candidate({ tokensLastMinute: 1_500, tpm: 1_000, inFlight: 1 }), // over its tpm
    ];
    expect(orderCandidates("least-busy", candidates, { random: first })).toEqual([2, 1, 0, 4, 3]);
    expect(orderCandidates("simple-shuffle", candidates, { random: first })).toEqual([
      2, 1, 0, 4, 3,
    ]);
  });

  it("is deterministic given the random source", () => {
    const candidates = Array.from({ length: 6 }, (_, index) =>
      candidate({ weight: index + 1, inFlight: index % 2 }),
    );
    expect(orderCandidates("least-busy", candidates, { random: seeded(7) })).toEqual(
      orderCandidates("least-busy", candidates, { random: seeded(7) }),
    );
  });
});
