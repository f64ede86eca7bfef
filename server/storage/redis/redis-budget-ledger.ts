/*
 * Budgets shared by every instance (issue 13): a request's most possible cost is reserved
 * against all its budgets in one Lua script, settled to the real cost (idempotently: a settle
 * retried after a lost reply counts once) and released on failure.
 *
 * Keys (after `redis.keyPrefix`), per budget and period: `budget:{<group>}:<scope>:<id>:<period start ms>:`
 * `spent` (settled nano-USD, an integer), `held` (a sorted set of reservations `<id>:<amount>`
 * scored by when they expire: an instance that dies mid-request frees its holds after
 * `holdTtlMs`) and `alerted` (the soft threshold was reported this period). A key's and its
 * team's budgets share the team's `{group}` hash tag, so one script sees both on Redis Cluster.
 *
 * A missing `spent` counter (the first request of a period, or Redis lost its data) is seeded
 * from the database with SET NX: whichever instance seeds first wins and the others' seeds do
 * nothing, so two instances rebuilding one counter can never add the stored spend twice. Spend
 * settled in Redis is also in the request logs the instance writes to the database.
 */
import type { Redis } from "ioredis";
import {
  type Budget,
  type BudgetLedger,
  type BudgetReservation,
  type BudgetState,
  type ReserveResult,
  type ThresholdCrossing,
  budgetRefusal,
  periodEnd,
  periodStart,
  reservationOf,
} from "../../gateway/budget.ts";
import { askRedis, redisUnavailable } from "./redis-connection.ts";

// KEYS: per budget i, KEYS[2i-1] spent and KEYS[2i] held. ARGV: cost, reservation member,
// hold ttl ms, now ms, then per budget its limit. Returns {1}, {-1, i} (budget i needs seeding) or
// {0, i, spent, reserved} (budget i has no room).
const reserveScript = `
local nowMs = tonumber(ARGV[4])
local cost = tonumber(ARGV[1])
local budgets = #KEYS / 2
for i = 1, budgets do
  if redis.call('EXISTS', KEYS[2 * i - 1]) == 0 then return {-1, i} end
end
for i = 1, budgets do
  local held = KEYS[2 * i]
  redis.call('ZREMRANGEBYSCORE', held, '-inf', nowMs)
  local reserved = 0
  for _, member in ipairs(redis.call('ZRANGE', held, 0, -1)) do
    reserved = reserved + tonumber(string.match(member, ':(%d+)$'))
  end
  local spent = redis.call('GET', KEYS[2 * i - 1])
  if cost > 0 and tonumber(spent) + reserved + cost > tonumber(ARGV[4 + i]) then
    return {0, i, spent, tostring(reserved)}
  end
end
for i = 1, budgets do
  redis.call('ZADD', KEYS[2 * i], nowMs + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[2 * i], tonumber(ARGV[3]) + 1000)
end
return {1}
`;

// KEYS: per budget i, KEYS[3i-2] spent, KEYS[3i-1] held, KEYS[3i] alerted; the last key is the
// reservation's settled marker. ARGV: reservation member, actual cost, marker ttl ms, then per
// budget its limit and threshold fraction. Returns {-1} when already settled, else
// {1, per budget: 1 if it crossed the threshold just now, spent after}.
const settleScript = `
if not redis.call('SET', KEYS[#KEYS], '1', 'NX', 'PX', ARGV[3]) then return {-1} end
local result = {1}
for i = 1, (#KEYS - 1) / 3 do
  local spentKey, held, alerted = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  redis.call('ZREM', held, ARGV[1])
  local crossed, after = 0, ''
  if redis.call('EXISTS', spentKey) == 1 then
    local before = tonumber(redis.call('GET', spentKey))
    redis.call('INCRBY', spentKey, ARGV[2])
    after = redis.call('GET', spentKey)
    local threshold = tonumber(ARGV[2 + 2 * i]) * tonumber(ARGV[3 + 2 * i])
    if before < threshold and tonumber(after) >= threshold then
      local ttl = redis.call('PTTL', spentKey)
      local set = ttl > 0 and redis.call('SET', alerted, '1', 'NX', 'PX', ttl)
        or redis.call('SET', alerted, '1', 'NX')
      if set then crossed = 1 end
    end
  end
  result[#result + 1] = crossed
  result[#result + 1] = after
end
return result
`;

type LedgerRedis = Redis & {
  switchboardReserve(keys: number, ...args: Array<string | number>): Promise<unknown[]>;
  switchboardSettle(keys: number, ...args: Array<string | number>): Promise<unknown[]>;
};

export interface RedisBudgetLedgerOptions {
  redis: Redis;
  /** The longest a request can hold a reservation (the request timeout, and a margin). */
  holdTtlMs: number;
  /** Settled spend of a budget's scope from `from` on, as stored (seeds a missing counter). */
  spentInStorage(budget: Budget, from: Date): Promise<bigint>;
  /** Runs before a counter is seeded: writes this instance's queued request logs first. */
  beforeSeed?: () => Promise<void>;
  now?: () => Date;
  thresholdFraction?: number;
  onThresholdCrossed?: (crossing: ThresholdCrossing) => void;
  onProblem?: (message: string, error: unknown) => void;
  newReservationId?: () => string;
  /** Wait between attempts to deliver a settle or release that could not reach Redis. */
  redeliverAfterMs?: number;
}

export interface RedisBudgetLedger extends BudgetLedger {
  reserve(budgets: Budget[], maxCostNanoUsd: bigint): Promise<ReserveResult>;
  state(budget: Budget, at?: Date): Promise<BudgetState>;
  /** Resolves when every settle and release so far reached Redis, or after `timeoutMs`. */
  settled(timeoutMs?: number): Promise<void>;
}

/** A day past a period's end, a counter can go: nothing reserves in that period any more. */
const keepAfterPeriodMs = 24 * 60 * 60 * 1000;
/** Settle markers outlive any retry of the settle they guard. */
const settledMarkerTtlMs = 24 * 60 * 60 * 1000;

export function createRedisBudgetLedger({
  redis,
  holdTtlMs,
  spentInStorage,
  beforeSeed = async () => {},
  now = () => new Date(),
  thresholdFraction = 0.8,
  onThresholdCrossed = () => {},
  onProblem = () => {},
  newReservationId = () => crypto.randomUUID(),
  redeliverAfterMs = 1_000,
}: RedisBudgetLedgerOptions): RedisBudgetLedger {
  const client = redis as LedgerRedis;
  if (!("switchboardReserve" in client)) {
    redis.defineCommand("switchboardReserve", { lua: reserveScript });
    redis.defineCommand("switchboardSettle", { lua: settleScript });
  }
  const undelivered = new Set<Promise<void>>();
  let stopping = false;

  function prefixOf(budget: Budget, startMs: number): string {
    return `budget:{${groupOf(budget)}}:${budget.scope}:${budget.id}:${startMs}`;
  }

  /** Creates the counter from storage unless another instance (or an earlier call) did. */
  async function seed(budget: Budget, start: Date): Promise<void> {
    await beforeSeed();
    const spent = await spentInStorage(budget, start);
    const key = `${prefixOf(budget, start.getTime())}:spent`;
    const end = periodEnd(budget.period, start);
    await askRedis(() =>
      end
        ? redis.set(key, spent.toString(), "PX", ttlUntil(end), "NX")
        : redis.set(key, spent.toString(), "NX"),
    );
  }

  function ttlUntil(end: Date): number {
    return Math.max(1_000, end.getTime() + keepAfterPeriodMs - now().getTime());
  }

  async function reserve(budgets: Budget[], maxCostNanoUsd: bigint): Promise<ReserveResult> {
    if (maxCostNanoUsd < 0n)
      throw new RangeError(`A reservation cannot be negative, got ${maxCostNanoUsd} nano-USD.`);
    const at = now();
    const entries = distinct(budgets).map((budget) => ({
      budget,
      start: periodStart(budget.period, at),
    }));
    if (entries.length === 0) return { ok: true, reservation: nothingReserved() };
    const groups = new Set(entries.map(({ budget }) => groupOf(budget)));
    if (groups.size > 1)
      throw new Error("The budgets of one request must share a group (a key and its team).");
    const member = `${newReservationId()}:${maxCostNanoUsd}`;
    const keys = entries.flatMap(({ budget, start }) => {
      const prefix = prefixOf(budget, start.getTime());
      return [`${prefix}:spent`, `${prefix}:held`];
    });
    // Seeding a counter takes one more round; a counter removed in between (Redis flushed) takes another.
    for (let round = 0; round < 3; round += 1) {
      const reply = await askRedis(() =>
        client.switchboardReserve(
          keys.length,
          ...keys,
          maxCostNanoUsd.toString(),
          member,
          holdTtlMs,
          now().getTime(),
          ...entries.map(({ budget }) => budget.limitNanoUsd.toString()),
        ),
      );
      const [status, index] = reply as [number, number];
      if (status === 1)
        return { ok: true, reservation: createReservation(entries, member, maxCostNanoUsd) };
      const entry = entries[index - 1];
      if (status === -1) {
        await seed(entry.budget, entry.start);
        continue;
      }
      const [, , spent, reserved] = reply as [0, number, string, string];
      return budgetRefusal(entry.budget, BigInt(spent), BigInt(reserved), maxCostNanoUsd, at);
    }
    throw redisUnavailable(new Error("the budget counters kept disappearing while being seeded"));
  }

  function createReservation(
    entries: Array<{ budget: Budget; start: Date }>,
    member: string,
    reservedNanoUsd: bigint,
  ): BudgetReservation {
    const prefixes = entries.map(({ budget, start }) => prefixOf(budget, start.getTime()));
    const marker = `budget:{${groupOf(entries[0].budget)}}:settled:${member}`;

    async function settleNow(actualNanoUsd: bigint): Promise<void> {
      const reply = await client.switchboardSettle(
        prefixes.length * 3 + 1,
        ...prefixes.flatMap((prefix) => [`${prefix}:spent`, `${prefix}:held`, `${prefix}:alerted`]),
        marker,
        member,
        actualNanoUsd.toString(),
        settledMarkerTtlMs,
        ...entries.flatMap(({ budget }) => [budget.limitNanoUsd.toString(), thresholdFraction]),
      );
      if (reply[0] !== 1) return;
      entries.forEach(({ budget, start }, index) => {
        if (reply[1 + index * 2] !== 1) return;
        onThresholdCrossed({
          budget,
          periodStart: start,
          spentNanoUsd: BigInt(reply[2 + index * 2] as string),
          limitNanoUsd: budget.limitNanoUsd,
          fraction: thresholdFraction,
        });
      });
    }

    async function releaseNow(): Promise<void> {
      const pipeline = redis.pipeline();
      for (const prefix of prefixes) pipeline.zrem(`${prefix}:held`, member);
      const results = (await pipeline.exec()) ?? [];
      const failure = results.find(([error]) => error)?.[0];
      if (failure) throw failure;
    }

    const spendCounters = entries.map(({ budget, start }) => ({
      scope: budget.scope,
      scopeId: budget.id,
      periodStart: start,
    }));
    return reservationOf(spendCounters, {
      settle: (actualNanoUsd) =>
        deliver(() => settleNow(actualNanoUsd), "settling a budget reservation"),
      release: () => deliver(releaseNow, "releasing a budget reservation"),
    });
  }

  /**
   * Sends a settle or release now and, while Redis cannot be reached, again every
   * `redeliverAfterMs` until it lands (a settle counts once however often it is sent).
   */
  function deliver(send: () => Promise<void>, what: string): void {
    const delivery = (async () => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await send();
        } catch (error) {
          if (attempt === 1) onProblem(`${what} in Redis failed; retrying until it lands`, error);
          if (stopping && attempt > 1) return;
          await new Promise((resolve) => setTimeout(resolve, redeliverAfterMs));
        }
      }
    })();
    undelivered.add(delivery);
    void delivery.finally(() => undelivered.delete(delivery));
  }

  async function state(budget: Budget, at: Date = now()): Promise<BudgetState> {
    const start = periodStart(budget.period, at);
    const prefix = prefixOf(budget, start.getTime());
    let spent = await askRedis(() => redis.get(`${prefix}:spent`));
    if (spent === null) {
      await seed(budget, start);
      spent = (await askRedis(() => redis.get(`${prefix}:spent`))) ?? "0";
    }
    const holds = await askRedis(() =>
      redis.zrangebyscore(`${prefix}:held`, now().getTime(), "+inf"),
    );
    const reservedNanoUsd = holds.reduce(
      (sum, hold) => sum + BigInt(hold.slice(hold.lastIndexOf(":") + 1)),
      0n,
    );
    const spentNanoUsd = BigInt(spent);
    const remaining = budget.limitNanoUsd - spentNanoUsd - reservedNanoUsd;
    return {
      spentNanoUsd,
      reservedNanoUsd,
      remainingNanoUsd: remaining > 0n ? remaining : 0n,
      periodStart: start,
      resetsAt: periodEnd(budget.period, at),
    };
  }

  return {
    reserve,
    state,
    // The counters come from storage when first needed (seed), not from a load at start.
    load() {},
    record() {},
    forget() {},
    async settled(timeoutMs = 5_000) {
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...undelivered]),
        new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    },
  };
}

/** The Redis Cluster hash tag of a budget's keys (and of the settle markers of its reservations). */
function groupOf(budget: Budget): string {
  return budget.group ?? `${budget.scope}:${budget.id}`;
}

/** The same budget listed twice is checked and reserved once. */
function distinct(budgets: Budget[]): Budget[] {
  const seen = new Set<string>();
  return budgets.filter((budget) => {
    const key = `${budget.scope}:${budget.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function nothingReserved(): BudgetReservation {
  return reservationOf([], { settle() {}, release() {} });
}
