import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import { createDeploymentHealth } from "../../server/gateway/deployment-health.ts";
import { connectRedis, type RedisConnection } from "../../server/storage/redis/redis-connection.ts";
import {
  cooldownChannelName,
  cooldownKeyPrefix,
  shareCooldowns,
} from "../../server/storage/redis/redis-cooldowns.ts";
import { waitForSubscribers } from "../support/redis-subscribers.ts";

const deploymentIds = ["openai/gpt-4o", "anthropic/claude-sonnet", "azure/gpt-4o"];
const [openai, anthropic, azure] = deploymentIds;
const withinASecond = { timeout: 1_000, interval: 10 };
/** The connections' default key prefix, which channels carry too. */
const cooldownChannel = `switchboard:${cooldownChannelName}`;

/*
 * Deployment health on several instances sharing cooldowns through one Redis: failures on one
 * instance take the deployment out on the others within a second, an instance started later
 * finds the cooldowns running, and an outage leaves each instance with its own cooldowns.
 */
describe("deployment cooldowns across instances (Redis)", () => {
  let redis: RedisServer;
  const running: Array<{ connection: RedisConnection; sharing: { stop(): Promise<void> } }> = [];

  function startInstance(name: string) {
    const connection = connectRedis({ url: redis.url });
    const health = createDeploymentHealth({ failuresToCooldown: 2, cooldownMs: 30_000 });
    const problems: string[] = [];
    const sharing = shareCooldowns({
      connection,
      health,
      deploymentIds,
      instanceId: name,
      onProblem: (message) => problems.push(message),
    });
    running.push({ connection, sharing });
    const fail = (deploymentId: string, retryAfterMs?: number) =>
      health.start(deploymentId).failed({ retryAfterMs });
    return { connection, health, problems, sharing, fail };
  }

  const listeners = (count: number) =>
    waitForSubscribers(first.connection.commands, cooldownChannel, count);

  let first: ReturnType<typeof startInstance>;
  let second: ReturnType<typeof startInstance>;

  beforeAll(async () => {
    redis = await startRedis();
    first = startInstance("first");
    second = startInstance("second");
    await listeners(2);
  });

  afterAll(async () => {
    for (const { sharing, connection } of running) {
      await sharing.stop();
      await connection.close();
    }
    await redis?.stop();
  });

  it("takes a deployment out on the other instance within a second, until the same time", async () => {
    first.fail(openai);
    first.fail(openai);
    const until = first.health.snapshot(openai).cooldownUntil!;
    expect(until).toBeInstanceOf(Date);
    await vi.waitFor(() => expect(second.health.isHealthy(openai)).toBe(false), withinASecond);
    const elsewhere = second.health.snapshot(openai).cooldownUntil!;
    expect(Math.abs(elsewhere.getTime() - until.getTime())).toBeLessThan(250);
    expect(second.health.isHealthy(anthropic)).toBe(true);
    const remainingMs = await first.connection.commands.pttl(cooldownKeyPrefix + openai);
    expect(remainingMs).toBeGreaterThan(25_000);
    expect(remainingMs).toBeLessThanOrEqual(30_000);
  });

  it("lets an instance started later find the cooldowns running", async () => {
    first.fail(anthropic, 60_000);
    await vi.waitFor(() => expect(second.health.isHealthy(anthropic)).toBe(false), withinASecond);
    const later = startInstance("later");
    await vi.waitFor(
      () => {
        expect(later.health.isHealthy(openai)).toBe(false);
        expect(later.health.isHealthy(anthropic)).toBe(false);
      },
      { timeout: 5_000, interval: 10 },
    );
    expect(later.problems).toEqual([]);
    expect(later.health.isHealthy(azure)).toBe(true);
    expect(later.health.snapshot(anthropic).cooldownUntil!.getTime()).toBeGreaterThan(
      Date.now() + 55_000,
    );
    await later.sharing.stop();
    await listeners(2);
  });

  it("never shortens a stored cooldown with a shorter one", async () => {
    const key = cooldownKeyPrefix + azure;
    await first.connection.commands.set(key, String(Date.now() + 120_000), "PX", 120_000);
    first.fail(azure);
    first.fail(azure);
    await vi.waitFor(() => expect(second.health.isHealthy(azure)).toBe(false), withinASecond);
    expect(await first.connection.commands.pttl(key)).toBeGreaterThan(100_000);
  });

  it("ignores messages about unknown deployments and reports unreadable ones", async () => {
    const { commands } = first.connection;
    await commands.publish(
      cooldownChannel,
      JSON.stringify({ instanceId: "x", deploymentId: "not/configured", remainingMs: 60_000 }),
    );
    await commands.publish(cooldownChannel, "{ not json");
    await vi.waitFor(() => expect(second.problems).toHaveLength(1), withinASecond);
    expect(second.problems[0]).toMatch(/handling a message on switchboard:cooldowns failed/);
    expect(second.health.snapshot("not/configured").coolingDown).toBe(false);
    second.problems.length = 0;
  });

  it("keeps cooldowns local while Redis is down, and shares again after it", async () => {
    await redis.kill();
    await vi.waitFor(() => expect(first.connection.isReady()).toBe(false));
    // Failing attempts report to health as ever; sharing fails quietly on the side.
    const outage = startInstance("outage");
    outage.fail(anthropic);
    outage.fail(anthropic);
    expect(outage.health.isHealthy(anthropic)).toBe(false);
    await vi.waitFor(() =>
      expect(outage.problems.join("\n")).toMatch(/sharing the cooldown of anthropic/),
    );

    await redis.restart();
    await listeners(3);
    // The restarted Redis is empty: what was stored is gone, what happens next is shared.
    second.fail(openai, 90_000);
    await vi.waitFor(() => {
      expect(first.health.snapshot(openai).cooldownUntil!.getTime()).toBeGreaterThan(
        Date.now() + 80_000,
      );
      expect(outage.health.snapshot(openai).coolingDown).toBe(true);
    }, withinASecond);
    expect(second.problems.filter((problem) => problem.startsWith("sharing"))).toEqual([]);
  });
});
