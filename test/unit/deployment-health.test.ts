import { describe, expect, it } from "vitest";
import {
  createDeploymentHealth,
  type DeploymentHealthOptions,
} from "../../server/gateway/deployment-health.ts";

const start = 1_700_000_000_000;

function setUp(options: Omit<DeploymentHealthOptions, "now"> = {}) {
  let time = start;
  const health = createDeploymentHealth({
    failuresToCooldown: 3,
    failureWindowMs: 60_000,
    cooldownMs: 30_000,
    ...options,
    now: () => time,
  });
  return {
    health,
    /** Moves the clock to `offsetMs` after the start. */
    at(offsetMs: number) {
      time = start + offsetMs;
    },
    /** Starts an attempt on `deploymentId` and reports it failed. */
    fail(deploymentId = "d1") {
      health.start(deploymentId).failed();
    },
  };
}

describe("cooldown", () => {
  it("takes a deployment out after N failures within the window, from the last failure", () => {
    const { health, at, fail } = setUp();
    fail();
    at(10_000);
    fail();
    expect(health.isHealthy("d1")).toBe(true);
    expect(health.snapshot("d1")).toMatchObject({
      coolingDown: false,
      cooldownUntil: null,
      recentFailures: 2,
    });
    at(20_000);
    fail();
    expect(health.isHealthy("d1")).toBe(false);
    expect(health.snapshot("d1")).toMatchObject({
      coolingDown: true,
      cooldownUntil: new Date(start + 20_000 + 30_000),
      recentFailures: 0,
    });
    // Other deployments are unaffected.
    expect(health.isHealthy("d2")).toBe(true);
  });

  it("takes a deployment out at once for a provider's retry-after, capped, without counting it as a failure", () => {
    const { health, at } = setUp({ maxRetryAfterCooldownMs: 60_000 });
    health.start("d1").failed({ retryAfterMs: 2_000 });
    expect(health.snapshot("d1")).toMatchObject({
      coolingDown: true,
      cooldownUntil: new Date(start + 2_000),
      recentFailures: 0,
    });
    at(2_000);
    expect(health.isHealthy("d1")).toBe(true);
    health.start("d1").failed({ retryAfterMs: 3_600_000 });
    expect(health.snapshot("d1").cooldownUntil).toEqual(new Date(start + 2_000 + 60_000));
    // A shorter retry-after never shortens a cooldown already running.
    health.start("d1").failed({ retryAfterMs: 1_000 });
    expect(health.snapshot("d1").cooldownUntil).toEqual(new Date(start + 2_000 + 60_000));
  });

  it("does not take a deployment out when the N failures are spread beyond the window", () => {
    const { health, at, fail } = setUp();
    fail();
    at(30_000);
    fail();
    at(60_000); // The first failure has just left the window.
    fail();
    expect(health.isHealthy("d1")).toBe(true);
    expect(health.snapshot("d1").recentFailures).toBe(2);
    at(60_001);
    fail();
    expect(health.isHealthy("d1")).toBe(false);
  });

  it("is healthy again after cooldownMs, and failures then count afresh", () => {
    const { health, at, fail } = setUp();
    fail();
    fail();
    fail();
    at(29_999);
    expect(health.isHealthy("d1")).toBe(false);
    at(30_000);
    expect(health.isHealthy("d1")).toBe(true);
    expect(health.snapshot("d1")).toMatchObject({
      coolingDown: false,
      cooldownUntil: null,
      recentFailures: 0,
    });
    fail();
    fail();
    expect(health.isHealthy("d1")).toBe(true);
    fail();
    expect(health.snapshot("d1").cooldownUntil).toEqual(new Date(start + 60_000));
  });

  it("ignores failures of attempts that end while the deployment cools down", () => {
    const { health, at, fail } = setUp();
    const straggler = health.start("d1");
    fail();
    fail();
    fail();
    at(1_000);
    straggler.failed();
    expect(health.snapshot("d1")).toMatchObject({
      coolingDown: true,
      cooldownUntil: new Date(start + 30_000),
      recentFailures: 0,
      inFlight: 0,
    });
    at(30_000);
    expect(health.snapshot("d1").recentFailures).toBe(0);
  });

  it("does not let a success erase failures earlier in the window", () => {
    const { health, fail } = setUp();
    fail();
    fail();
    health.start("d1").succeeded({ latencyMs: 100 });
    fail();
    expect(health.isHealthy("d1")).toBe(false);
  });

  it("does not count abandoned attempts as failures", () => {
    const { health } = setUp({ failuresToCooldown: 1 });
    health.start("d1").abandoned();
    expect(health.isHealthy("d1")).toBe(true);
    expect(health.snapshot("d1").recentFailures).toBe(0);
  });
});

describe("shared cooldowns", () => {
  function listen(health: ReturnType<typeof setUp>["health"]) {
    const cooldowns: Array<[string, number]> = [];
    const stop = health.onCooldown((deploymentId, untilMs) =>
      cooldowns.push([deploymentId, untilMs]),
    );
    return { cooldowns, stop };
  }

  it("tells listeners when failures take a deployment out or push its cooldown later, and only then", () => {
    const { health, at, fail } = setUp({ maxRetryAfterCooldownMs: 60_000 });
    const { cooldowns, stop } = listen(health);
    fail();
    fail();
    expect(cooldowns).toEqual([]);
    at(1_000);
    fail();
    expect(cooldowns).toEqual([["d1", start + 1_000 + 30_000]]);
    // Later and longer: a provider's retry-after pushes the end out.
    at(2_000);
    health.start("d1").failed({ retryAfterMs: 50_000 });
    // Shorter ones and stragglers change nothing, so say nothing.
    health.start("d1").failed({ retryAfterMs: 1_000 });
    health.start("d1").failed();
    health.start("d2").failed({ retryAfterMs: 0 });
    expect(cooldowns).toEqual([
      ["d1", start + 31_000],
      ["d1", start + 52_000],
    ]);
    stop();
    health.start("d2").failed({ retryAfterMs: 5_000 });
    expect(cooldowns).toHaveLength(2);
  });

  it("applies a cooldown from elsewhere without shortening one and without passing it on", () => {
    const { health, at, fail } = setUp();
    const { cooldowns } = listen(health);
    fail();
    fail();
    health.coolDownUntil("d1", start + 10_000);
    expect(health.isHealthy("d1")).toBe(false);
    // Failures from before it do not count after it, as with a cooldown started here.
    expect(health.snapshot("d1")).toMatchObject({
      coolingDown: true,
      cooldownUntil: new Date(start + 10_000),
      recentFailures: 0,
    });
    health.coolDownUntil("d1", start + 5_000);
    expect(health.snapshot("d1").cooldownUntil).toEqual(new Date(start + 10_000));
    // Failures of attempts that end while it cools down are ignored, as ever.
    fail();
    at(10_000);
    expect(health.isHealthy("d1")).toBe(true);
    expect(health.snapshot("d1").recentFailures).toBe(0);
    // A time already past, or no time at all, changes nothing.
    health.coolDownUntil("d1", start + 9_000);
    health.coolDownUntil("d2", Number.NaN);
    expect(health.isHealthy("d1")).toBe(true);
    expect(health.isHealthy("d2")).toBe(true);
    expect(cooldowns).toEqual([]);
  });
});

describe("in flight", () => {
  it("counts started attempts until they succeed, fail or are abandoned", () => {
    const { health } = setUp();
    const first = health.start("d1");
    const second = health.start("d1");
    const third = health.start("d1");
    health.start("d2");
    expect(health.snapshot("d1").inFlight).toBe(3);
    first.succeeded({ latencyMs: 10 });
    expect(health.snapshot("d1").inFlight).toBe(2);
    second.failed();
    expect(health.snapshot("d1").inFlight).toBe(1);
    third.abandoned();
    expect(health.snapshot("d1").inFlight).toBe(0);
    expect(health.snapshot("d2").inFlight).toBe(1);
  });

  it("ignores every call on a tracker after the first, so in-flight never goes negative", () => {
    const { health } = setUp({ failuresToCooldown: 2 });
    const tracker = health.start("d1");
    const other = health.start("d1");
    tracker.succeeded({ latencyMs: 100 });
    tracker.succeeded({ latencyMs: 900 });
    tracker.failed();
    tracker.failed();
    tracker.abandoned();
    expect(health.snapshot("d1")).toMatchObject({
      inFlight: 1,
      latencyMs: 100,
      recentFailures: 0,
      coolingDown: false,
    });
    other.abandoned();
    other.abandoned();
    expect(health.snapshot("d1").inFlight).toBe(0);
  });
});

describe("moving averages", () => {
  it("smooths latency and time to first token with the configured weight", () => {
    const { health } = setUp({ latencySmoothing: 0.5 });
    health.start("d1").succeeded({ latencyMs: 100, timeToFirstTokenMs: 40 });
    expect(health.snapshot("d1")).toMatchObject({ latencyMs: 100, timeToFirstTokenMs: 40 });
    health.start("d1").succeeded({ latencyMs: 200 });
    // A non-streamed success leaves the time to first token alone.
    expect(health.snapshot("d1")).toMatchObject({ latencyMs: 150, timeToFirstTokenMs: 40 });
    health.start("d1").succeeded({ latencyMs: 50, timeToFirstTokenMs: 20 });
    expect(health.snapshot("d1")).toMatchObject({ latencyMs: 100, timeToFirstTokenMs: 30 });
  });

  it("weights the newest sample by 0.3 by default", () => {
    const health = createDeploymentHealth({ now: () => start });
    health.start("d1").succeeded({ latencyMs: 1000 });
    health.start("d1").succeeded({ latencyMs: 2000 });
    health.start("d1").succeeded({ latencyMs: 0 });
    // 1000 → 0.3·2000 + 0.7·1000 = 1300 → 0.3·0 + 0.7·1300 = 910
    expect(health.snapshot("d1").latencyMs).toBeCloseTo(910, 9);
  });

  it("skips measurements that are not finite non-negative numbers", () => {
    const { health } = setUp();
    health.start("d1").succeeded({ latencyMs: 100, timeToFirstTokenMs: 10 });
    health.start("d1").succeeded({ latencyMs: Number.NaN, timeToFirstTokenMs: -5 });
    expect(health.snapshot("d1")).toMatchObject({ latencyMs: 100, timeToFirstTokenMs: 10 });
  });

  it("has no measurements while attempts are only failing or in flight", () => {
    const { health } = setUp();
    health.start("d1").failed();
    health.start("d1");
    expect(health.snapshot("d1")).toMatchObject({ latencyMs: null, timeToFirstTokenMs: null });
  });
});

describe("unknown deployments", () => {
  it("are idle and healthy with no measurements", () => {
    const { health } = setUp();
    expect(health.snapshot("nope")).toEqual({
      inFlight: 0,
      latencyMs: null,
      timeToFirstTokenMs: null,
      coolingDown: false,
      cooldownUntil: null,
      recentFailures: 0,
    });
    expect(health.isHealthy("nope")).toBe(true);
  });
});

describe("options", () => {
  it("rejects settings that cannot work", () => {
    expect(() => createDeploymentHealth({ failuresToCooldown: 0 })).toThrow(RangeError);
    expect(() => createDeploymentHealth({ latencySmoothing: 0 })).toThrow(RangeError);
    expect(() => createDeploymentHealth({ cooldownMs: -1 })).toThrow(RangeError);
  });

  it("keeps a stepped-back clock from restarting a finished cooldown", () => {
    const { health, at, fail } = setUp();
    fail();
    fail();
    fail();
    at(30_000);
    expect(health.isHealthy("d1")).toBe(true);
    at(10_000);
    expect(health.isHealthy("d1")).toBe(true);
  });
});
