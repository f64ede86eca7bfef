import { describe, expect, it } from "vitest";
import {
  createInMemoryRateLimiter,
  type AcquireResult,
  type LimitLease,
  type LimitScope,
  type Limits,
} from "../../server/gateway/rate-limit.ts";

// A whole second, so bucket boundaries in the tests are easy to reason about.
const start = 1_700_000_000_000;

function setUp() {
  let time = start;
  const limiter = createInMemoryRateLimiter({ now: () => time });
  return {
    limiter,
    /** Moves the clock to `offsetMs` after the start. */
    at(offsetMs: number) {
      time = start + offsetMs;
    },
  };
}

const key = (limits: Limits, id = "k1"): LimitScope => ({
  key: `apiKey:${id}`,
  limits,
  label: `key '${id}'`,
});
const team = (limits: Limits, id = "t1"): LimitScope => ({
  key: `team:${id}`,
  limits,
  label: `team '${id}'`,
});

function leaseOf(result: AcquireResult): LimitLease {
  if (!result.ok) throw new Error(`expected the request to be allowed, got: ${result.message}`);
  return result.lease;
}

function refusalOf(result: AcquireResult) {
  if (result.ok) throw new Error("expected the request to be refused");
  return result;
}

describe("createInMemoryRateLimiter", () => {
  it("refuses the (rpm+1)th request in a minute with the time until the oldest one leaves, then accepts", () => {
    const { limiter, at } = setUp();
    const scopes = [key({ rpm: 3 })];
    at(0);
    leaseOf(limiter.acquire(scopes, 1)).release();
    at(10_500);
    leaseOf(limiter.acquire(scopes, 1)).release();
    at(20_200);
    leaseOf(limiter.acquire(scopes, 1)).release();
    at(30_000);
    const refusal = refusalOf(limiter.acquire(scopes, 1));
    // The request counted in second 0 leaves the window when second 60 starts.
    expect(refusal).toMatchObject({ limit: "rpm", retryAfterMs: 30_000, scope: scopes[0] });
    expect(refusal.message).toBe(
      "Rate limit reached for key 'k1': 3 requests per minute. Retry in 30 s.",
    );
    at(59_999);
    expect(refusalOf(limiter.acquire(scopes, 1)).retryAfterMs).toBe(1);
    at(60_000);
    leaseOf(limiter.acquire(scopes, 1));
    // Now the requests of seconds 10, 20 and 60 fill the window: the next fits when second 10's leaves.
    expect(refusalOf(limiter.acquire(scopes, 1)).retryAfterMs).toBe(10_000);
  });

  it("counts estimated tokens against tpm and corrects them to the actual on release", () => {
    const { limiter, at } = setUp();
    const scopes = [key({ tpm: 1000 })];
    const lease = leaseOf(limiter.acquire(scopes, 800));
    expect(limiter.usage("apiKey:k1").tokensLastMinute).toBe(800);
    const refusal = refusalOf(limiter.acquire(scopes, 300));
    expect(refusal).toMatchObject({ limit: "tpm", retryAfterMs: 60_000 });
    expect(refusal.message).toContain("1000 tokens per minute");
    at(2_000);
    lease.release(150);
    expect(limiter.usage("apiKey:k1").tokensLastMinute).toBe(150);
    leaseOf(limiter.acquire(scopes, 300)).release(900);
    expect(limiter.usage("apiKey:k1").tokensLastMinute).toBe(1050);
    // Second 0 holds 150 tokens: once it leaves, 900 remain and 100 more fit.
    expect(refusalOf(limiter.acquire(scopes, 100)).retryAfterMs).toBe(58_000);
  });

  it("does not correct tokens of a bucket that already left the window, nor go below zero", () => {
    const { limiter, at } = setUp();
    const scopes = [key({ tpm: 10_000 })];
    const early = leaseOf(limiter.acquire(scopes, 500));
    at(30_000);
    const late = leaseOf(limiter.acquire(scopes, 500));
    at(61_000);
    early.release(5_000);
    expect(limiter.usage("apiKey:k1").tokensLastMinute).toBe(500);
    // A nonsensical negative actual counts as 0 tokens: the count never goes below zero.
    late.release(-100);
    expect(limiter.usage("apiKey:k1").tokensLastMinute).toBe(0);
  });

  it("refuses a request larger than tpm with a full minute's wait and says it can never fit", () => {
    const { limiter } = setUp();
    const refusal = refusalOf(limiter.acquire([key({ tpm: 1000 }), team({ rpm: 10 })], 1001));
    expect(refusal).toMatchObject({ limit: "tpm", retryAfterMs: 60_000 });
    expect(refusal.message).toMatch(
      /needs about 1001 tokens, more than the 1000 tokens per minute allowed for key 'k1', so it can never be served/,
    );
    expect(limiter.usage("team:t1").requestsLastMinute).toBe(0);
  });

  it("refuses the (maxParallel+1)th request in flight and accepts after a release", () => {
    const { limiter } = setUp();
    const scopes = [key({ maxParallel: 2 })];
    const first = leaseOf(limiter.acquire(scopes, 1));
    leaseOf(limiter.acquire(scopes, 1));
    const refusal = refusalOf(limiter.acquire(scopes, 1));
    expect(refusal).toMatchObject({ limit: "maxParallel", retryAfterMs: 1000 });
    expect(refusal.message).toContain("at most 2 at once");
    first.release();
    leaseOf(limiter.acquire(scopes, 1));
    expect(limiter.usage("apiKey:k1").inFlight).toBe(2);
  });

  it("makes release idempotent", () => {
    const { limiter } = setUp();
    const scopes = [key({ maxParallel: 5, tpm: 1000 })];
    leaseOf(limiter.acquire(scopes, 100));
    const lease = leaseOf(limiter.acquire(scopes, 100));
    lease.release(50);
    lease.release(10);
    lease.release();
    expect(limiter.usage("apiKey:k1")).toEqual({
      requestsLastMinute: 2,
      tokensLastMinute: 150,
      inFlight: 1,
    });
  });

  it("counts nothing in any scope when one scope refuses", () => {
    const { limiter } = setUp();
    const scopes = [key({ rpm: 10, tpm: 1000, maxParallel: 10 }), team({ maxParallel: 1 })];
    leaseOf(limiter.acquire(scopes, 100));
    const before = limiter.usage("apiKey:k1");
    expect(refusalOf(limiter.acquire(scopes, 100)).scope.key).toBe("team:t1");
    expect(limiter.usage("apiKey:k1")).toEqual(before);
    expect(limiter.usage("apiKey:k1")).toEqual({
      requestsLastMinute: 1,
      tokensLastMinute: 100,
      inFlight: 1,
    });
    expect(limiter.usage("team:t1")).toEqual({
      requestsLastMinute: 1,
      tokensLastMinute: 100,
      inFlight: 1,
    });
  });

  it("enforces each scope: a key's own limit and its team's shared one", () => {
    const { limiter } = setUp();
    const scopesOf = (id: string) => [key({ rpm: 1 }, id), team({ rpm: 3 })];
    leaseOf(limiter.acquire(scopesOf("k1"), 1));
    expect(refusalOf(limiter.acquire(scopesOf("k1"), 1)).scope.key).toBe("apiKey:k1");
    leaseOf(limiter.acquire(scopesOf("k2"), 1));
    leaseOf(limiter.acquire(scopesOf("k3"), 1));
    const refusal = refusalOf(limiter.acquire(scopesOf("k4"), 1));
    expect(refusal.scope.key).toBe("team:t1");
    expect(refusal.message).toContain("team 't1': 3 requests per minute");
    expect(limiter.usage("apiKey:k4").requestsLastMinute).toBe(0);
  });

  it("reports the longest wait when several scopes refuse", () => {
    const { limiter, at } = setUp();
    const scopes = [key({ rpm: 1 }), team({ maxParallel: 1 })];
    leaseOf(limiter.acquire(scopes, 1));
    at(5_000);
    expect(refusalOf(limiter.acquire(scopes, 1))).toMatchObject({
      limit: "rpm",
      retryAfterMs: 55_000,
    });
    expect(
      refusalOf(limiter.acquire([team({ maxParallel: 1 }), key({ rpm: 1 })], 1)),
    ).toMatchObject({ limit: "rpm", retryAfterMs: 55_000 });
  });

  it("reports usage per scope and zeros for unknown or unlimited scopes", () => {
    const { limiter, at } = setUp();
    const lease = leaseOf(
      limiter.acquire(
        [
          key({ rpm: 100 }),
          team({}),
          {
            key: "deployment:openai:gpt-4o#0",
            limits: { tpm: 1_000_000 },
            label: "deployment 'openai:gpt-4o#0'",
          },
        ],
        250,
      ),
    );
    expect(limiter.usage("apiKey:k1")).toEqual({
      requestsLastMinute: 1,
      tokensLastMinute: 250,
      inFlight: 1,
    });
    expect(limiter.usage("deployment:openai:gpt-4o#0")).toEqual({
      requestsLastMinute: 1,
      tokensLastMinute: 250,
      inFlight: 1,
    });
    expect(limiter.usage("team:t1")).toEqual({
      requestsLastMinute: 0,
      tokensLastMinute: 0,
      inFlight: 0,
    });
    expect(limiter.usage("apiKey:unknown")).toEqual({
      requestsLastMinute: 0,
      tokensLastMinute: 0,
      inFlight: 0,
    });
    lease.release(300);
    at(60_000);
    expect(limiter.usage("apiKey:k1")).toEqual({
      requestsLastMinute: 0,
      tokensLastMinute: 0,
      inFlight: 0,
    });
  });

  it("lets requests with no limits through without tracking anything", () => {
    const { limiter } = setUp();
    const lease = leaseOf(
      limiter.acquire([key({}), team({ rpm: null, tpm: null, maxParallel: null })], 100),
    );
    lease.release(50);
    expect(limiter.trackedScopeCount()).toBe(0);
  });

  it("drops scopes idle for over two minutes, keeps those with requests in flight, and counts afresh", () => {
    const { limiter, at } = setUp();
    for (let index = 0; index < 100; index++)
      leaseOf(limiter.acquire([key({ rpm: 1 }, `churn-${index}`)], 10)).release();
    const held = leaseOf(limiter.acquire([team({ maxParallel: 1 }, "busy")], 10));
    expect(limiter.trackedScopeCount()).toBe(101);
    at(121_000);
    leaseOf(limiter.acquire([key({ rpm: 1 }, "churn-0")], 10));
    expect(limiter.trackedScopeCount()).toBe(2);
    expect(limiter.usage("apiKey:churn-0")).toEqual({
      requestsLastMinute: 1,
      tokensLastMinute: 10,
      inFlight: 1,
    });
    expect(refusalOf(limiter.acquire([key({ rpm: 1 }, "churn-0")], 10)).limit).toBe("rpm");
    // The busy team was not dropped: its slot is still taken until the lease is released.
    expect(refusalOf(limiter.acquire([team({ maxParallel: 1 }, "busy")], 10)).limit).toBe(
      "maxParallel",
    );
    held.release();
    leaseOf(limiter.acquire([team({ maxParallel: 1 }, "busy")], 10));
  });
});
