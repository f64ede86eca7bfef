// Two real gateway processes (the CLI, as deployed) on one PostgreSQL database and one
// redis-server, both started by the harness: budgets, limits, revocations, live events and the
// response cache are shared; Redis failing is explicit; nothing is lost on SIGTERM.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClient } from "graphql-ws";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { WebSocket } from "ws";
import { ensurePostgresDatabase } from "../../scripts/temporary-postgres.ts";
import { formatUsd } from "../../server/gateway/money.ts";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import { startCli, stopCli, type RunningCli } from "../support/cli-process.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";

const masterKey = "sk-master-scale-out";
/*
 * 1,000 USD per million tokens in and out: the mock answers 12 + 7 tokens, so a served request
 * costs exactly 0.019 USD; "hi" with max_tokens 10 reserves at most 0.024 USD.
 */
const costPerRequestNanoUsd = 19_000_000n;

let redis: RedisServer;
let upstream: MockUpstream;
let directory: string;
let databaseUrl: string;
let instances: RunningCli[] = [];
let redisClient: Redis;
let database: pg.Client;

function writeConfig(name: string, { failOpen = false } = {}): string {
  const file = path.join(directory, `${name}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      // The harness's server trusts local connections; the password shows the banner hides it.
      database: { url: databaseUrl.replace("postgres@", "postgres:db-password-1234@") },
      redis: { url: redis.url, failOpen },
      auth: { masterKey },
      cache: { enabled: true },
      models: [
        {
          name: "gpt-4o-mini",
          provider: "openai",
          apiKey: "sk-upstream-test",
          apiBase: upstream.baseUrl,
          pricing: { inputPerMillion: 1000, outputPerMillion: 1000 },
        },
      ],
    }),
  );
  return file;
}

function startInstance(config: string): Promise<RunningCli> {
  return startCli(["--config", config, "--port", "0"], { cwd: directory });
}

async function admin<Data = any>(
  instance: RunningCli,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Data> {
  const response = await fetch(`${instance.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = await response.json();
  if (!data) throw new Error(JSON.stringify(errors));
  return data;
}

async function teamWithKey(
  instance: RunningCli,
  team: Record<string, unknown>,
): Promise<{ teamId: string; keyId: string; secret: string }> {
  const { createTeam } = await admin(
    instance,
    `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
    { input: { name: `team-${crypto.randomUUID().slice(0, 8)}`, ...team } },
  );
  const { createApiKey } = await admin(
    instance,
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`,
    { input: { teamId: createTeam.id, name: "service" } },
  );
  await keysVisibleEverywhere(createTeam.id, 1);
  return { teamId: createTeam.id, keyId: createApiKey.apiKey.id, secret: createApiKey.secret };
}

/**
 * A key created through one instance reaches the others through the key sync within
 * milliseconds; tests that call another instance at once wait for it, as a client would retry.
 */
async function keysVisibleEverywhere(teamId: string, count: number): Promise<void> {
  for (const instance of instances)
    await expect
      .poll(async () => {
        const { apiKeys } = await admin(instance, `{ apiKeys(teamId: "${teamId}") { name } }`);
        return apiKeys.length;
      })
      .toBe(count);
}

function chat(
  instance: RunningCli,
  secret: string,
  content = "hi",
  extra: Record<string, unknown> = {},
) {
  return fetch(`${instance.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content }],
      max_tokens: 10,
      ...extra,
    }),
  });
}

/** Waits until both instances have written every request log they hold. */
async function logsOfTeam(teamId: string) {
  const { rows } = await database.query<{ status: string; cost: string; count: string }>(
    `SELECT status, SUM("costNanoUsd")::text AS cost, COUNT(*)::text AS count
       FROM "RequestLog" WHERE "teamId" = $1 GROUP BY status`,
    [teamId],
  );
  return rows;
}

async function storedSpend(scope: string, scopeId: string): Promise<bigint> {
  const { rows } = await database.query<{ spent: string | null }>(
    `SELECT SUM("spentNanoUsd")::text AS spent FROM "SpendCounter" WHERE scope = $1 AND "scopeId" = $2`,
    [scope, scopeId],
  );
  return BigInt(rows[0].spent ?? "0");
}

/** Every budget counter in Redis equals the spend stored for its scope (logs are written within ~0.2 s). */
async function expectCountersAgreeWithStorage(): Promise<number> {
  const keys = await redisClient.keys("switchboard:budget:*:spent");
  await expect
    .poll(
      async () => {
        const mismatches: string[] = [];
        for (const key of keys) {
          const [, scope, scopeId] = /^switchboard:budget:\{[^}]*\}:(\w+):([^:]+):/.exec(key)!;
          const counter = BigInt((await redisClient.get(key)) ?? "0");
          const stored = await storedSpend(scope, scopeId);
          if (counter !== stored) mismatches.push(`${key}: redis ${counter}, stored ${stored}`);
        }
        return mismatches;
      },
      { timeout: 5_000, interval: 100 },
    )
    .toEqual([]);
  return keys.length;
}

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startMockOpenAIUpstream();
  directory = mkdtempSync(path.join(tmpdir(), "switchboard-scale-out-"));
  databaseUrl = await ensurePostgresDatabase(
    inject("postgresUrl"),
    `scale_out_${crypto.randomUUID().slice(0, 8)}`,
  );
  redisClient = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  redisClient.on("error", () => {}); // the outage tests kill the server under it
  database = new pg.Client({ connectionString: databaseUrl });
  await database.connect();
  // Both at the same moment on an empty database: each migrates, under PostgreSQL's advisory lock.
  const config = writeConfig("shared");
  instances = await Promise.all([startInstance(config), startInstance(config)]);
}, 120_000);

afterAll(async () => {
  await Promise.all(instances.map((instance) => stopCli(instance).catch(() => {})));
  await database?.end();
  redisClient?.disconnect();
  await upstream?.stop();
  await redis?.stop();
  rmSync(directory, { recursive: true, force: true });
});

afterEach(async () => {
  if (redis.pid() && (await redisClient.ping().catch(() => null)) === "PONG")
    await expectCountersAgreeWithStorage();
});

describe("two instances on one PostgreSQL and one Redis", () => {
  it("both came up on an empty database and the schema was migrated once", async () => {
    const { rows } = await database.query<{ migration_name: string; count: string }>(
      `SELECT migration_name, COUNT(*)::text AS count FROM _prisma_migrations GROUP BY migration_name`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.count === "1")).toBe(true);
    for (const instance of instances) {
      expect((await fetch(`${instance.url}/health`)).status).toBe(200);
      expect(instance.output()).toContain(`Redis:     ${redis.url} (shared limits`);
      expect(instance.output()).toContain("Database:  postgresql://postgres:***@");
      expect(instance.output()).not.toContain("db-password-1234");
    }
  });

  it("a team budget that allows about 10 requests is never overspent by 100 parallel requests split across both", async () => {
    const limitNanoUsd = 200_000_000n; // 0.2 USD: 10 requests at 0.019, or 8 reservations at 0.024
    const { teamId } = await teamWithKey(instances[0], {
      budget: { limitUsd: "0.2", period: "MONTHLY" },
    });
    const { createApiKey } = await admin(
      instances[1],
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { teamId, name: "second" } },
    );
    await keysVisibleEverywhere(teamId, 2);
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        chat(instances[index % 2], createApiKey.secret, `request ${index}`),
      ),
    );
    const statuses = await Promise.all(
      responses.map(async (response) => {
        const body = await response.json();
        return response.status === 200 ? "served" : `${response.status} ${body.error?.code}`;
      }),
    );
    const served = statuses.filter((status) => status === "served").length;
    const refused = statuses.filter((status) => status === "429 budget_exceeded").length;
    expect(served + refused).toBe(100);
    expect(served).toBeGreaterThanOrEqual(8);
    expect(BigInt(served) * costPerRequestNanoUsd).toBeLessThanOrEqual(limitNanoUsd);

    // Both instances write their logs within ~0.2 s.
    await expect
      .poll(
        async () => (await logsOfTeam(teamId)).reduce((sum, row) => sum + Number(row.count), 0),
        { timeout: 5_000 },
      )
      .toBe(100);
    const logs = await logsOfTeam(teamId);
    const success = logs.find((row) => row.status === "success")!;
    expect(Number(success.count)).toBe(served);
    expect(BigInt(success.cost)).toBe(BigInt(served) * costPerRequestNanoUsd);
    expect(BigInt(success.cost)).toBeLessThanOrEqual(limitNanoUsd);
    expect(await storedSpend("team", teamId)).toBe(BigInt(success.cost));
    // Both instances report the same spend (settles reach Redis just after each response).
    for (const instance of instances)
      await expect
        .poll(async () => {
          const { team } = await admin(
            instance,
            `{ team(id: "${teamId}") { budget { spentUsd reservedUsd } } }`,
          );
          return team.budget;
        })
        .toEqual({
          spentUsd: formatUsd(BigInt(served) * costPerRequestNanoUsd),
          reservedUsd: "0",
        });
    console.log(
      `two instances, 100 parallel requests, team budget $0.20: ${served} served, ${refused} refused, spend $${(served * 0.019).toFixed(3)}`,
    );
  });

  it("a key with rpm 20 gets exactly 20 requests a minute across both instances", async () => {
    const { teamId } = await teamWithKey(instances[0], {});
    // Created on the other instance: it reaches the first through the key sync.
    const { createApiKey } = await admin(
      instances[1],
      `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      { input: { teamId, name: "rpm", limits: { rpm: 20 } } },
    );
    await keysVisibleEverywhere(teamId, 2);
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        chat(instances[index % 2], createApiKey.secret, `rpm ${index}`),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10);
    const refusal = await responses.find((response) => response.status === 429)!.json();
    expect(refusal.error.code).toBe("rate_limited");
    expect(refusal.error.message).toMatch(/20 requests per minute/);
  });

  it("a key revoked on one instance is refused by the other within a second", async () => {
    const { keyId, secret } = await teamWithKey(instances[0], {});
    expect((await chat(instances[1], secret)).status).toBe(200);
    await admin(instances[0], `mutation { revokeApiKey(id: "${keyId}") { revokedAt } }`);
    const revokedAt = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - revokedAt < 1_000) {
      status = (await chat(instances[1], secret)).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const tookMs = performance.now() - revokedAt;
    expect(status).toBe(401);
    expect(tookMs).toBeLessThan(1_000);
    console.log(`revoked on one instance, refused by the other after ${tookMs.toFixed(0)} ms`);
  });

  it("a requestLogged subscriber on one instance sees a request served by the other", async () => {
    const { teamId, secret } = await teamWithKey(instances[0], {});
    const client = createClient({
      url: `${instances[1].url.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${masterKey}` },
    });
    try {
      const seen = new Promise<{ id: string; status: string }>((resolve, reject) => {
        client.subscribe<{ requestLogged: { id: string; status: string } }>(
          { query: `subscription { requestLogged(teamId: "${teamId}") { id status } }` },
          {
            next: ({ data }) => data && resolve(data.requestLogged),
            error: reject,
            complete: () => {},
          },
        );
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed on B
      const response = await chat(instances[0], secret);
      expect(response.status).toBe(200);
      const requestId = response.headers.get("x-request-id");
      expect(await seen).toEqual({ id: requestId, status: "SUCCESS" });
    } finally {
      await client.dispose();
    }
  });

  it("a cache entry written through one instance is a hit through the other", async () => {
    const { secret } = await teamWithKey(instances[0], {});
    const before = upstream.requests.length;
    const question = `cache ${crypto.randomUUID()}`;
    const first = await chat(instances[0], secret, question, { temperature: 0 });
    expect(first.headers.get("x-switchboard-cache")).toBe("miss");
    const second = await chat(instances[1], secret, question, { temperature: 0 });
    expect(second.headers.get("x-switchboard-cache")).toBe("hit");
    expect((await second.json()).choices[0].message.content).toBe(
      (await first.json()).choices[0].message.content,
    );
    expect(upstream.requests.length).toBe(before + 1);
  });

  it("SIGTERM on one instance loses no request log and no spend", async () => {
    const config = writeConfig("sigterm");
    const extra = await startInstance(config);
    const { teamId, secret } = await teamWithKey(extra, {
      budget: { limitUsd: "100", period: "MONTHLY" },
    });
    upstream.setDefault({ type: "slow-stream", chunkDelayMs: 40, chunks: 10 });
    try {
      const streams = Array.from({ length: 6 }, (_, index) =>
        chat(extra, secret, `stream ${index}`, { stream: true }).then((response) =>
          response.text(),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
      const exit = stopCli(extra);
      const bodies = await Promise.all(streams);
      expect(await exit).toBe(0);
      expect(bodies.every((body) => body.includes("[DONE]"))).toBe(true);
    } finally {
      upstream.setDefault({ type: "completion" });
    }
    const logs = await logsOfTeam(teamId);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ status: "success", count: "6" });
    expect(await storedSpend("team", teamId)).toBe(BigInt(logs[0].cost));
    expect(BigInt(logs[0].cost)).toBeGreaterThan(0n);
  });
});

describe("when Redis fails", () => {
  it("fails closed by default, then recovers without a restart when Redis is back", async () => {
    const { teamId, secret } = await teamWithKey(instances[0], {
      budget: { limitUsd: "10", period: "MONTHLY" },
    });
    expect((await chat(instances[1], secret)).status).toBe(200);
    await redis.kill();
    try {
      const refused = await chat(instances[1], secret);
      expect(refused.status).toBe(503);
      expect((await refused.json()).error).toMatchObject({ code: "redis_unavailable" });
      // The master key has no limits or budget: it needs no shared check and is still served.
      expect((await chat(instances[0], masterKey)).status).toBe(200);
      // The budget's state lives in Redis too: GraphQL says why it cannot show it.
      const response = await fetch(`${instances[1].url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ query: `{ team(id: "${teamId}") { name budget { spentUsd } } }` }),
      });
      const { data, errors } = await response.json();
      expect(data.team).toEqual({ name: expect.any(String), budget: null });
      expect(errors[0]).toMatchObject({
        path: ["team", "budget"],
        extensions: { code: "REDIS_UNAVAILABLE" },
        message: expect.stringMatching(/Redis.*unavailable/),
      });
    } finally {
      await redis.restart();
    }
    // Redis came back empty: the counters are seeded again from the stored spend.
    await expect
      .poll(async () => (await chat(instances[1], secret)).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(200);
    await expect
      .poll(async () => (await logsOfTeam(teamId)).find((row) => row.status === "success")?.count)
      .toBe("2");
    expect(await expectCountersAgreeWithStorage()).toBeGreaterThan(0);
  });

  it("with failOpen: true an instance counts alone while Redis is down, and says so", async () => {
    const failingOpen = await startInstance(writeConfig("fail-open", { failOpen: true }));
    try {
      const { secret } = await teamWithKey(failingOpen, {
        budget: { limitUsd: "10", period: "MONTHLY" },
        limits: { rpm: 100 },
      });
      await redis.kill();
      try {
        expect((await chat(failingOpen, secret)).status).toBe(200);
        expect(failingOpen.output()).toMatch(/counted by this instance alone/);
        const metrics = await (await fetch(`${failingOpen.url}/metrics`)).text();
        expect(metrics).toMatch(/switchboard_redis_up 0/);
        expect(metrics).toMatch(/switchboard_redis_local_fallbacks_total [1-9]/);
      } finally {
        await redis.restart();
      }
      await expect
        .poll(
          async () =>
            (await (await fetch(`${failingOpen.url}/metrics`)).text()).match(
              /switchboard_redis_up 1/,
            ) !== null,
          {
            timeout: 10_000,
          },
        )
        .toBe(true);
      expect((await chat(failingOpen, secret)).status).toBe(200);
    } finally {
      await stopCli(failingOpen);
    }
  });

  it("an instance started while Redis is down does not serve budget-bearing keys alone", async () => {
    const { secret } = await teamWithKey(instances[0], {
      budget: { limitUsd: "10", period: "MONTHLY" },
    });
    await redis.kill();
    try {
      const late = await startInstance(writeConfig("late"));
      try {
        const response = await chat(late, secret);
        expect(response.status).toBe(503);
        expect((await response.json()).error.code).toBe("redis_unavailable");
      } finally {
        await stopCli(late);
      }
    } finally {
      await redis.restart();
    }
  });
});
