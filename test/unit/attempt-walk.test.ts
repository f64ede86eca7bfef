import { describe, expect, it } from "vitest";
import { configSchema } from "../../server/config.ts";
import { type Admission, DeploymentAtLimitError } from "../../server/gateway/admission.ts";
import { createAttemptWalker, WalkFailure } from "../../server/gateway/attempt-walk.ts";
import { createDeploymentHealth } from "../../server/gateway/deployment-health.ts";
import { GatewayError, UpstreamError } from "../../server/gateway/errors.ts";
import type { AttemptRecord } from "../../server/gateway/request-record.ts";
import { createRouter, type Deployment } from "../../server/gateway/router.ts";
import type { ProviderAdapter } from "../../server/gateway/spec.ts";

/*
 * The request pipeline's attempt walk, alone: a router over fake adapters, a fake clock that
 * only the test moves, and a sleep that records the waits and advances that clock instead of
 * waiting. No server, no timers, no network.
 */

function fakeClock() {
  let time = 1_000_000;
  const waits: number[] = [];
  return {
    now: () => time,
    advance: (milliseconds: number) => void (time += milliseconds),
    waits,
    sleep: async (milliseconds: number, signal: AbortSignal) => {
      if (signal.aborted) throw signal.reason;
      waits.push(milliseconds);
      time += milliseconds;
    },
  };
}

const entry = (name: string, model: string) => ({
  name,
  provider: "openai",
  model,
  apiKey: "sk-test",
});

function walkerFor(
  options: {
    retries?: number;
    fallbacks?: Record<string, string[]>;
    contextWindowFallbacks?: Record<string, string[]>;
  } = {},
) {
  const clock = fakeClock();
  const models = configSchema.parse({
    models: [entry("main", "a"), entry("main", "b"), entry("backup", "c"), entry("big", "d")],
  }).models;
  const router = createRouter({
    models,
    random: () => 0,
    createAdapter: (model) => ({ provider: model.provider }) as ProviderAdapter,
    priceFor: () => undefined,
  });
  const events: unknown[] = [];
  const health = createDeploymentHealth({ now: clock.now });
  const walker = createAttemptWalker({
    router,
    retries: options.retries ?? 1,
    fallbacks: options.fallbacks,
    contextWindowFallbacks: options.contextWindowFallbacks,
    health,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0,
    onEvent: (event) => events.push(event),
  });
  return { walker, clock, events, health };
}

const unavailable = (provider = "openai", retryAfterMs?: number) =>
  new UpstreamError({
    provider,
    kind: "http",
    message: "upstream 503",
    upstreamStatus: 503,
    retryAfterMs,
  });

/** One walk where `answer(model)` plays each upstream call, taking `tookMs` on the fake clock. */
async function walkWith(
  setup: ReturnType<typeof walkerFor>,
  answer: (deployment: Deployment) => string,
  options: {
    model?: string;
    admit?: (deployment: Deployment) => Admission;
    signal?: AbortSignal;
    promptTokens?: number;
    tookMs?: number;
  } = {},
) {
  const attempts: AttemptRecord[] = [];
  const finished: string[] = [];
  const signal = options.signal ?? new AbortController().signal;
  const result = await setup.walker({
    model: options.model ?? "main",
    metadata: undefined,
    deadline: { signal },
    caller: { signal },
    promptTokens: options.promptTokens,
    admit:
      options.admit ?? ((deployment) => ({ finish: () => void finished.push(deployment.model) })),
    call: async (deployment) => {
      setup.clock.advance(options.tookMs ?? 40);
      return answer(deployment);
    },
    onAttempt: (attempt) => void attempts.push(attempt),
  });
  return { result, attempts, finished };
}

describe("the attempt walk", () => {
  it("answers from the first deployment with one attempt timed on the injected clock", async () => {
    const setup = walkerFor();
    const { result, attempts } = await walkWith(setup, (deployment) => `from ${deployment.model}`);
    expect(result.value).toBe("from a");
    expect(attempts).toEqual([
      { deployment: "openai:a#0", provider: "openai", status: "success", latencyMs: 40 },
    ]);
    expect(setup.clock.waits).toEqual([]);
  });

  it("retries a retryable failure on the group's next deployment at once", async () => {
    const setup = walkerFor();
    const { result, attempts, finished } = await walkWith(setup, (deployment) => {
      if (deployment.model === "a") throw unavailable();
      return "from b";
    });
    expect(result.value).toBe("from b");
    expect(
      attempts.map((attempt) => [attempt.deployment, attempt.status, attempt.httpStatus]),
    ).toEqual([
      ["openai:a#0", "error", 502],
      ["openai:b#1", "success", undefined],
    ]);
    // The failed attempt's hold was returned; the winner's stays held until the request is recorded.
    expect(finished).toEqual(["a"]);
    expect(setup.clock.waits).toEqual([]);
    expect(setup.events).toMatchObject([{ kind: "retry", deployment: "openai:a#0", attempt: 1 }]);
  });

  it("waits a retry-after exactly when the retry goes back to the same deployment", async () => {
    const setup = walkerFor({ retries: 1 });
    let calls = 0;
    const { result } = await walkWith(
      setup,
      () => {
        calls += 1;
        if (calls === 1) throw unavailable("openai", 2_500);
        return "second try";
      },
      { model: "backup" },
    );
    expect(result.value).toBe("second try");
    expect(setup.clock.waits).toEqual([2_500]);
  });

  it("falls back to the next model once the group's retries are used up", async () => {
    const setup = walkerFor({ retries: 1, fallbacks: { main: ["backup"] } });
    const { result, attempts } = await walkWith(setup, (deployment) => {
      if (deployment.group === "main") throw unavailable();
      return `from ${deployment.model}`;
    });
    expect(result.value).toBe("from c");
    expect(attempts.map((attempt) => attempt.deployment)).toEqual([
      "openai:a#0",
      "openai:b#1",
      "openai:c#2",
    ]);
    expect(setup.events.at(-1)).toEqual({
      kind: "fallback",
      requestId: undefined,
      from: "main",
      to: "backup",
      reason: "PROVIDER_ERROR",
    });
  });

  it("ends at a failure that retrying cannot help, without waiting", async () => {
    const setup = walkerFor({ retries: 3, fallbacks: { main: ["backup"] } });
    const refusal = new UpstreamError({
      provider: "openai",
      kind: "http",
      message: "bad request",
      upstreamStatus: 400,
    });
    const walk = walkWith(setup, () => {
      throw refusal;
    });
    await expect(walk).rejects.toBeInstanceOf(WalkFailure);
    await expect(walk).rejects.toMatchObject({ error: refusal });
    expect(setup.clock.waits).toEqual([]);
  });

  it("skips a deployment at its own limit without counting an attempt, and reports the soonest retry when all are", async () => {
    const setup = walkerFor();
    const skipped = await walkWith(setup, (deployment) => `from ${deployment.model}`, {
      admit: (deployment) => {
        if (deployment.model === "a") throw new DeploymentAtLimitError("a is at rpm", 9_000);
        return { finish: () => {} };
      },
    });
    expect(skipped.result.value).toBe("from b");
    expect(skipped.attempts).toHaveLength(1);

    const full = walkWith(setup, () => "never", {
      admit: (deployment) => {
        throw new DeploymentAtLimitError(
          `${deployment.model} is at rpm`,
          deployment.model === "a" ? 9_000 : 3_000,
        );
      },
    });
    await expect(full).rejects.toMatchObject({
      error: { code: "RATE_LIMITED", retryAfterMs: 3_000 },
    });
  });

  it("goes straight to a bigger model when the prompt fits no deployment's known window", async () => {
    const clock = fakeClock();
    const models = configSchema.parse({
      models: [
        { ...entry("small", "s"), contextWindow: 1_000 },
        { ...entry("big", "d"), contextWindow: 200_000 },
      ],
    }).models;
    const router = createRouter({
      models,
      createAdapter: (model) => ({ provider: model.provider }) as ProviderAdapter,
      priceFor: () => undefined,
    });
    const walker = createAttemptWalker({
      router,
      retries: 0,
      contextWindowFallbacks: { small: ["big"] },
      contextWindowOf: (deployment) => deployment.entry.contextWindow,
      now: clock.now,
      sleep: clock.sleep,
    });
    const called: string[] = [];
    const signal = new AbortController().signal;
    const result = await walker({
      model: "small",
      metadata: undefined,
      deadline: { signal },
      promptTokens: 5_000,
      admit: () => ({ finish: () => {} }),
      call: async (deployment) => {
        called.push(deployment.model);
        return deployment.model;
      },
      onAttempt: () => {},
    });
    expect(result.value).toBe("d");
    expect(called).toEqual(["d"]);
  });

  it("stops at once when the caller cancels, naming the cancellation", async () => {
    const setup = walkerFor({ retries: 3 });
    const controller = new AbortController();
    const walk = walkWith(
      setup,
      () => {
        controller.abort(new GatewayError("CANCELLED", "The caller disconnected."));
        throw new Error("socket closed");
      },
      { signal: controller.signal },
    );
    await expect(walk).rejects.toMatchObject({ error: { code: "CANCELLED" } });
    expect(setup.clock.waits).toEqual([]);
  });

  it("puts a deployment that keeps failing behind the healthy one on the next request", async () => {
    const setup = walkerFor({ retries: 1 });
    for (let request = 0; request < 3; request += 1)
      await walkWith(setup, (deployment) => {
        if (deployment.model === "a") throw unavailable();
        return "ok";
      });
    const { attempts } = await walkWith(setup, (deployment) => `from ${deployment.model}`);
    expect(attempts.map((attempt) => attempt.deployment)).toEqual(["openai:b#1"]);
    expect(setup.health.snapshot("openai:a#0")?.coolingDown).toBe(true);
  });
});
