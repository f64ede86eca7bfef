import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import { configSchema } from "../../server/config.ts";
import { createGatewayCore } from "../../server/gateway-core.ts";
import { createUpstreamDispatcher } from "../../server/gateway/http-pool.ts";
import { sdkCaller } from "../../server/gateway/principal.ts";
import { createResponseCache } from "../../server/response-cache.ts";
import { connectRedis, type RedisConnection } from "../../server/storage/redis/redis-connection.ts";
import { responseCacheKeyPrefix } from "../../server/storage/redis/redis-response-cache.ts";
import type { RequestRecord } from "../../server/gateway/request-record.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel } from "../support/start-app.ts";

const ttlSeconds = 600;

/*
 * The response cache in Redis (config `cache` with `redis.url`): two gateway instances over one
 * redis-server share their answers, and a Redis that dies turns hits into misses — never into
 * failed requests — until it is back.
 */
describe("response cache in Redis", () => {
  let redis: RedisServer;
  let upstream: MockUpstream;
  const connections: RedisConnection[] = [];
  const dispatcher = createUpstreamDispatcher();
  const problems: string[] = [];
  const logs: RequestRecord[] = [];

  function startInstance() {
    const connection = connectRedis({ url: redis.url });
    connections.push(connection);
    const config = configSchema.parse({
      models: [mockModel(upstream.baseUrl)],
      router: { retries: 0 },
      cache: { enabled: true, ttlSeconds },
    });
    const { completions } = createGatewayCore({
      config,
      dispatcher,
      recordRequest: (entry) => void logs.push(entry),
      responseCache: createResponseCache({
        settings: config.cache,
        redis: connection.commands,
        onProblem: (message) => void problems.push(message),
      }),
    });
    return {
      connection,
      chat: (question: string) =>
        completions.chat(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: question }], temperature: 0 },
          { principal: sdkCaller, source: "sdk" },
        ),
      async stream(question: string) {
        const stream = await completions.chatStream(
          {
            model: "gpt-4o-mini",
            messages: [{ role: "user", content: question }],
            temperature: 0,
            stream: true,
          },
          { principal: sdkCaller, source: "sdk" },
        );
        let text = "";
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
        return { cache: stream.cache, text };
      },
    };
  }

  async function waitUntilReady(connection: RedisConnection) {
    await expect.poll(() => connection.isReady(), { timeout: 5_000 }).toBe(true);
  }

  beforeAll(async () => {
    redis = await startRedis();
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    for (const connection of connections) await connection.close();
    await dispatcher.close();
    await upstream?.stop();
    await redis?.stop();
  });

  it("two instances share answers: one stores (JSON under switchboard:cache:, expiring), the other hits", async () => {
    const first = startInstance();
    const second = startInstance();
    await waitUntilReady(first.connection);
    await waitUntilReady(second.connection);
    upstream.enqueue({ type: "completion", content: "Stored in Redis." });
    const sentBefore = upstream.requests.length;

    const miss = await first.chat("shared");
    expect(miss.cache).toBe("miss");
    const hit = await second.chat("shared");
    expect(hit.cache).toBe("hit");
    expect(hit.attempts).toBe(0);
    expect(hit.charge.costNanoUsd).toBe(0n);
    expect(hit.response.choices[0].message.content).toBe("Stored in Redis.");
    expect(upstream.requests.length).toBe(sentBefore + 1);
    expect(logs.at(-1)).toMatchObject({ status: "cache_hit", costNanoUsd: 0n, attempts: [] });

    // KEYS patterns and answers are whole names; other commands get the connection's prefix added.
    const keys = await first.connection.commands.keys("switchboard:cache:*");
    expect(keys).toHaveLength(1);
    const key = keys[0].slice(first.connection.keyPrefix.length);
    expect(key).toMatch(new RegExp(`^${responseCacheKeyPrefix}[0-9a-f]{64}$`));
    const ttlMs = await first.connection.commands.pttl(key);
    expect(ttlMs).toBeGreaterThan((ttlSeconds - 10) * 1000);
    expect(ttlMs).toBeLessThanOrEqual(ttlSeconds * 1000);
    const stored = JSON.parse((await first.connection.commands.get(key))!);
    expect(stored.servedBy).toEqual({
      id: "openai:gpt-4o-mini#0",
      group: "gpt-4o-mini",
      provider: "openai",
      model: "gpt-4o-mini",
    });
    // A stream from the other instance replays the stored answer.
    expect(await second.stream("shared")).toEqual({ cache: "hit", text: "Stored in Redis." });
    expect(upstream.requests.length).toBe(sentBefore + 1);
  });

  it("a Redis that is killed makes every request a miss that still succeeds, reported once; back, it caches again", async () => {
    const instance = startInstance();
    await waitUntilReady(instance.connection);
    await instance.chat("outage");
    expect((await instance.chat("outage")).cache).toBe("hit");

    await redis.kill();
    const problemsBefore = problems.length;
    const sentBefore = upstream.requests.length;
    for (let index = 0; index < 3; index += 1) {
      const answer = await instance.chat("outage");
      expect(answer.cache).toBe("miss");
      expect(answer.response.choices[0].message.content).toBe("Hello from the mock upstream.");
    }
    expect((await instance.stream("outage")).cache).toBe("miss");
    expect(upstream.requests.length).toBe(sentBefore + 4);
    expect(problems.slice(problemsBefore)).toEqual([
      expect.stringMatching(/reading the response cache from Redis failed/),
    ]);

    await redis.restart();
    await waitUntilReady(instance.connection);
    expect((await instance.chat("outage")).cache).toBe("miss");
    expect((await instance.chat("outage")).cache).toBe("hit");
  });
});
