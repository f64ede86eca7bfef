// The shared rate limiter and budget ledger against a real redis-server: two "instances" (two
// limiters or ledgers on two connections) racing on the same counters.
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import type { Budget, ThresholdCrossing } from "../../server/gateway/budget.ts";
import type { LimitScope } from "../../server/gateway/rate-limit.ts";
import { createRedisBudgetLedger } from "../../server/storage/redis/redis-budget-ledger.ts";
import { createRedisRateLimiter } from "../../server/storage/redis/redis-rate-limiter.ts";

let server: RedisServer;
let connections: Redis[] = [];

function connect(): Redis {
  const redis = new Redis(server.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  redis.on("error", () => {}); // the outage test disconnects on purpose
  connections.push(redis);
  return redis;
}

async function connected(): Promise<[Redis, Redis]> {
  const pair: [Redis, Redis] = [connect(), connect()];
  await Promise.all(pair.map((redis) => new Promise((resolve) => redis.once("ready", resolve))));
  return pair;
}

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.quit().catch(() => {})));
  await server?.stop();
});
beforeEach(async () => {
  const [redis] = await connected();
  await redis.flushall();
});

const keyScope = (limits: LimitScope["limits"]): LimitScope => ({
  key: "apiKey:k1",
  group: "team:t1",
  label: "API key 'k1'",
  limits,
});
const teamScope = (limits: LimitScope["limits"]): LimitScope => ({
  key: "team:t1",
  group: "team:t1",
  label: "team 't1'",
  limits,
});

describe("shared rate limiter", () => {
  it("admits exactly rpm requests across two instances racing", async () => {
    const [a, b] = await connected();
    const limiters = [a, b].map((redis) => createRedisRateLimiter({ redis, leaseTtlMs: 60_000 }));
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        limiters[index % 2].acquire([keyScope({ rpm: 20 }), teamScope({})], 10),
      ),
    );
    const admitted = results.filter((result) => result.ok);
    expect(admitted).toHaveLength(20);
    const refused = results.find((result) => !result.ok);
    expect(refused).toMatchObject({ ok: false, limit: "rpm" });
    expect(!refused!.ok && refused!.message).toMatch(/20 requests per minute/);
    expect(limiters[0].usage("apiKey:k1").requestsLastMinute).toBeLessThanOrEqual(20);
  });

  it("holds parallel slots until released, and corrects tokens to the actual count", async () => {
    const [a, b] = await connected();
    const first = createRedisRateLimiter({ redis: a, leaseTtlMs: 60_000 });
    const second = createRedisRateLimiter({ redis: b, leaseTtlMs: 60_000 });
    const scopes = [teamScope({ maxParallel: 1, tpm: 1_000 })];
    const held = await first.acquire(scopes, 600);
    expect(held.ok).toBe(true);
    expect(await second.acquire(scopes, 10)).toMatchObject({ ok: false, limit: "maxParallel" });
    held.ok && held.lease.release(100);
    await first.settled();
    // 100 used of 1,000: 600 more fit; 1,000 would not.
    const next = await second.acquire(scopes, 600);
    expect(next.ok).toBe(true);
    next.ok && next.lease.release(600);
    await second.settled();
    expect(await first.acquire(scopes, 400)).toMatchObject({ ok: false, limit: "tpm" });
  });

  it("frees the slot of an instance that died after the lease's lifetime", async () => {
    const [a] = await connected();
    const limiter = createRedisRateLimiter({ redis: a, leaseTtlMs: 300 });
    const scopes = [teamScope({ maxParallel: 1 })];
    expect((await limiter.acquire(scopes, 1)).ok).toBe(true); // never released
    expect((await limiter.acquire(scopes, 1)).ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await limiter.acquire(scopes, 1)).ok).toBe(true);
  });

  it("takes a request back out of the key's counters when its deployment refuses", async () => {
    const [a] = await connected();
    const limiter = createRedisRateLimiter({ redis: a, leaseTtlMs: 60_000 });
    const deployment: LimitScope = {
      key: "deployment:d1",
      label: "deployment d1",
      limits: { rpm: 1 },
    };
    expect((await limiter.acquire([keyScope({ rpm: 5 }), deployment], 1)).ok).toBe(true);
    const refused = await limiter.acquire([keyScope({ rpm: 5 }), deployment], 1);
    expect(refused).toMatchObject({ ok: false, limit: "rpm", scope: { key: "deployment:d1" } });
    await limiter.settled();
    // The refused request is not counted against the key: 4 more fit under its rpm 5.
    const more = await Promise.all(
      Array.from({ length: 5 }, () => limiter.acquire([keyScope({ rpm: 5 })], 1)),
    );
    expect(more.filter((result) => result.ok)).toHaveLength(4);
  });

  it("fails with REDIS_UNAVAILABLE when Redis cannot be reached", async () => {
    const [a] = await connected();
    const limiter = createRedisRateLimiter({ redis: a, leaseTtlMs: 60_000 });
    a.disconnect();
    await expect(limiter.acquire([teamScope({ rpm: 5 })], 1)).rejects.toMatchObject({
      code: "REDIS_UNAVAILABLE",
      status: 503,
    });
  });
});

const teamBudget: Budget = {
  scope: "team",
  id: "t1",
  group: "team:t1",
  label: "team 't1'",
  limitNanoUsd: 1_000n,
  period: "MONTHLY",
};

describe("shared budget ledger", () => {
  function ledgers(
    pair: [Redis, Redis],
    stored = 0n,
    onThresholdCrossed?: (crossing: ThresholdCrossing) => void,
  ) {
    let seeds = 0;
    const made = pair.map((redis) =>
      createRedisBudgetLedger({
        redis,
        holdTtlMs: 60_000,
        spentInStorage: async () => {
          seeds += 1;
          await new Promise((resolve) => setTimeout(resolve, 20)); // both instances read before either writes
          return stored;
        },
        onThresholdCrossed,
      }),
    );
    return { ledgers: made, seeds: () => seeds };
  }

  it("never reserves past the limit with two instances racing, and seeds once", async () => {
    const { ledgers: pair, seeds } = ledgers(await connected(), 300n);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) => pair[index % 2].reserve([teamBudget], 100n)),
    );
    // 300 stored + 7 × 100 = 1,000: exactly 7 fit.
    expect(results.filter((result) => result.ok)).toHaveLength(7);
    expect(seeds()).toBeGreaterThanOrEqual(1);
    const state = await pair[1].state(teamBudget);
    expect(state).toMatchObject({
      spentNanoUsd: 300n,
      reservedNanoUsd: 700n,
      remainingNanoUsd: 0n,
    });
  });

  it("settles to the actual cost once, releases on failure, and reports the threshold once", async () => {
    const crossings: ThresholdCrossing[] = [];
    const { ledgers: pair } = ledgers(await connected(), 0n, (crossing) =>
      crossings.push(crossing),
    );
    const first = await pair[0].reserve([teamBudget], 500n);
    const second = await pair[1].reserve([teamBudget], 400n);
    expect(first.ok && second.ok).toBe(true);
    if (!first.ok || !second.ok) return;
    first.reservation.settle(450n);
    first.reservation.settle(450n); // a second settle does nothing
    second.reservation.release();
    await Promise.all(pair.map((ledger) => ledger.settled()));
    expect(await pair[1].state(teamBudget)).toMatchObject({
      spentNanoUsd: 450n,
      reservedNanoUsd: 0n,
      remainingNanoUsd: 550n,
    });
    const third = await pair[1].reserve([teamBudget], 400n);
    if (!third.ok) throw new Error(third.message);
    third.reservation.settle(400n);
    await pair[1].settled();
    expect(crossings).toHaveLength(1);
    expect(crossings[0]).toMatchObject({ spentNanoUsd: 850n, limitNanoUsd: 1_000n });
    const refused = await pair[0].reserve([teamBudget], 200n);
    expect(refused).toMatchObject({ ok: false, spentNanoUsd: 850n });
    expect(!refused.ok && refused.message).toMatch(/Budget exceeded for team 't1'/);
  });

  it("re-seeds from storage after Redis lost its data, never adding the stored spend twice", async () => {
    const pair = await connected();
    const { ledgers: made } = ledgers(pair, 200n);
    const reserved = await made[0].reserve([teamBudget], 100n);
    if (!reserved.ok) throw new Error(reserved.message);
    reserved.reservation.settle(100n);
    await made[0].settled();
    expect((await made[1].state(teamBudget)).spentNanoUsd).toBe(300n);
    await pair[0].flushall(); // Redis restarted empty; storage now holds 300
    const { ledgers: reseeded } = ledgers(pair, 300n);
    await Promise.all(reseeded.map((ledger) => ledger.reserve([teamBudget], 0n)));
    expect((await reseeded[0].state(teamBudget)).spentNanoUsd).toBe(300n);
  });
});
