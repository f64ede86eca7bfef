import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import { createGatewayEvents, type BudgetAlert } from "../../server/services.ts";
import type { RequestRecord } from "../../server/gateway/request-record.ts";
import { connectRedis, type RedisConnection } from "../../server/storage/redis/redis-connection.ts";
import {
  connectRedisEvents,
  eventChannelPrefix,
  eventSerializer,
} from "../../server/storage/redis/redis-events.ts";
import { waitForSubscribers } from "../support/redis-subscribers.ts";

const entry: RequestRecord = {
  id: "req_1",
  createdAt: new Date("2026-03-10T12:00:00.123Z"),
  apiKeyId: "key_1",
  teamId: "team_1",
  source: "rest",
  requestedModel: "gpt-4o",
  model: "gpt-4o",
  provider: "openai",
  deployment: "openai/gpt-4o",
  status: "success",
  promptTokens: 12,
  completionTokens: 34,
  cachedTokens: 0,
  reasoningTokens: 0,
  // Past 2^53: a float would lose the last digits.
  costNanoUsd: 9_007_199_254_740_993n,
  usageEstimated: false,
  latencyMs: 250,
  stream: false,
  attempts: [
    { deployment: "openai/gpt-4o", provider: "openai", status: "success", latencyMs: 250 },
  ],
  // A caller's tags may look like the serializer's own markers; they come back as they were.
  metadata: { $bigint: "12", nested: { $date: null }, list: [1, "two", { $object: {} }] },
};

const alert: BudgetAlert = {
  scope: "team",
  scopeId: "team_1",
  label: "team 'search'",
  period: "MONTHLY",
  periodStart: new Date("2026-03-01T00:00:00Z"),
  spentUsd: "8",
  limitUsd: "10",
  fraction: 0.8,
};

/*
 * Two instances' live events over one Redis: what one publishes, the other's subscribers receive,
 * with bigints and Dates intact; many subscribers cost one Redis subscription and no listener
 * warnings; an outage loses events but never throws, and the feed resumes after it.
 */
describe("live events across instances (Redis)", () => {
  let redis: RedisServer;
  const connections: RedisConnection[] = [];
  const problems: string[] = [];

  function startInstance(keyPrefix?: string) {
    const connection = connectRedis({ url: redis.url, keyPrefix });
    connections.push(connection);
    const redisEvents = connectRedisEvents({
      connection,
      onProblem: (message) => problems.push(message),
    });
    return { connection, redisEvents, events: createGatewayEvents(redisEvents.eventTarget) };
  }

  let first: ReturnType<typeof startInstance>;
  let second: ReturnType<typeof startInstance>;

  const listeners = (topic: string, count: number) =>
    waitForSubscribers(
      first.connection.commands,
      first.connection.keyPrefix + eventChannelPrefix + topic,
      count,
    );

  beforeAll(async () => {
    redis = await startRedis();
    first = startInstance();
    second = startInstance();
  });

  afterAll(async () => {
    await Promise.all([first?.redisEvents.stop(), second?.redisEvents.stop()]);
    await Promise.all(connections.map((connection) => connection.close()));
    await redis?.stop();
  });

  it("delivers a request log published on one instance to the other's subscribers, bigint and Date intact", async () => {
    const elsewhere = second.events.subscribe("requestLogged")[Symbol.asyncIterator]();
    const here = first.events.subscribe("requestLogged")[Symbol.asyncIterator]();
    const received = Promise.all([elsewhere.next(), here.next()]);
    await listeners("requestLogged", 2);

    first.events.publish("requestLogged", entry);
    const [remote, local] = await received;
    expect(remote.value).toEqual(entry);
    expect(typeof remote.value.costNanoUsd).toBe("bigint");
    expect(remote.value.createdAt).toBeInstanceOf(Date);
    // This instance's own subscribers get it in memory, and only so: not again through Redis.
    expect(local.value).toBe(entry);
    first.events.publish("requestLogged", { ...entry, id: "req_2" });
    expect((await here.next()).value.id).toBe("req_2");
    expect((await elsewhere.next()).value.id).toBe("req_2");

    await Promise.all([elsewhere.return?.(), here.return?.()]);
    await listeners("requestLogged", 0);
    expect(problems).toEqual([]);
  });

  it("keeps gateways with another key prefix on the same Redis apart", async () => {
    const other = startInstance("other:");
    const otherPublisher = startInstance("other:");
    try {
      const feed = other.events.subscribe("requestLogged")[Symbol.asyncIterator]();
      const next = feed.next();
      await waitForSubscribers(other.connection.commands, "other:events:requestLogged", 1);
      first.events.publish("requestLogged", entry);
      // Redis answers in order: once PING is answered, the PUBLISH before it has been delivered.
      await first.connection.commands.ping();
      otherPublisher.events.publish("requestLogged", { ...entry, id: "req_other" });
      expect((await next).value.id).toBe("req_other");
      await feed.return?.();
    } finally {
      await Promise.all([other.redisEvents.stop(), otherPublisher.redisEvents.stop()]);
    }
  });

  it("serves 20 subscribers on one subscription without Node's max-listeners warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const subscribers = Array.from({ length: 20 }, () =>
        second.events.subscribe("budgetThresholdReached")[Symbol.asyncIterator](),
      );
      const received = Promise.all(subscribers.map((subscriber) => subscriber.next()));
      await listeners("budgetThresholdReached", 1);
      first.events.publish("budgetThresholdReached", alert);
      expect((await received).map((result) => result.value)).toEqual(Array(20).fill(alert));
      await Promise.all(subscribers.map((subscriber) => subscriber.return?.()));
      await listeners("budgetThresholdReached", 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).toEqual([]);
      expect(second.connection.subscriber.listenerCount("message")).toBe(1);
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("loses other instances' events during an outage without throwing, and resumes after it", async () => {
    const feed = second.events.subscribe("requestLogged")[Symbol.asyncIterator]();
    const next = feed.next();
    const localFeed = first.events.subscribe("requestLogged")[Symbol.asyncIterator]();
    const localNext = localFeed.next();
    await listeners("requestLogged", 2);

    await redis.kill();
    await vi.waitFor(() => expect(first.connection.isReady()).toBe(false));
    first.events.publish("requestLogged", { ...entry, id: "req_lost" });
    first.events.publish("requestLogged", { ...entry, id: "req_lost_too" });
    // This instance's own feed goes on.
    expect((await localNext).value.id).toBe("req_lost");
    expect((await localFeed.next()).value.id).toBe("req_lost_too");
    // A subscription opened during the outage is made once Redis is back.
    const lateFeed = second.events.subscribe("budgetThresholdReached")[Symbol.asyncIterator]();
    const lateNext = lateFeed.next();
    await vi.waitFor(() =>
      expect(problems.filter((problem) => problem.startsWith("publishing"))).toHaveLength(1),
    );

    await redis.restart();
    await listeners("requestLogged", 2);
    await listeners("budgetThresholdReached", 1);
    first.events.publish("requestLogged", { ...entry, id: "req_after" });
    first.events.publish("budgetThresholdReached", alert);
    expect((await next).value).toEqual({ ...entry, id: "req_after" });
    expect((await lateNext).value).toEqual(alert);
    await Promise.all([feed.return?.(), lateFeed.return?.(), localFeed.return?.()]);
  });
});

describe("event serializer", () => {
  it("gives back bigints, Dates and objects that look like its markers exactly", () => {
    const value = {
      amounts: [0n, -5n, 10n ** 30n],
      at: new Date(0),
      invalid: new Date(Number.NaN),
      $bigint: "not alone, so not a marker",
      lookalikes: [{ $bigint: "1" }, { $date: "2026-01-01T00:00:00Z" }, { $object: { a: 1 } }],
      nested: { deeper: { at: new Date("2026-03-10T12:00:00.001Z"), none: null } },
    };
    const copy = eventSerializer.parse(eventSerializer.stringify(value)) as typeof value;
    expect(copy).toEqual(value);
    expect(copy.lookalikes[0]).toEqual({ $bigint: "1" });
    expect(copy.invalid.getTime()).toBeNaN();
    // A "__proto__" key stays a key and never becomes the object's prototype.
    const tricky = eventSerializer.parse(eventSerializer.stringify({ ["__proto__"]: { a: 1 } }));
    expect(Object.keys(tricky as object)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(tricky)).toBe(Object.prototype);
  });
});
