import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import { createReadiness } from "../../server/http/readiness.ts";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Issue 14.3: /health says the process is up; /ready says whether it can serve — the database
 * answers, Redis (when configured) answers, and the app is not stopping.
 */
/** A plain HTTP server answering every request with `answerReadiness`; its /ready URL. */
async function serveReadiness(
  answerReadiness: ReturnType<typeof createReadiness>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_request, response) => void answerReadiness(response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function getJson(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("/health and /ready", () => {
  let gateway: TestApp;

  beforeAll(async () => {
    gateway = await startTestApp({});
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("answers /health with 200 and /ready with 200 once the database answers", async () => {
    expect(await getJson(`${gateway.url}/health`)).toEqual({
      status: 200,
      body: { status: "ok" },
    });
    expect(await getJson(`${gateway.url}/ready`)).toEqual({
      status: 200,
      body: { status: "ready", checks: { database: "ok" } },
    });
  });

  describe("while stopping", () => {
    let stopping = false;
    let served: Awaited<ReturnType<typeof serveReadiness>>;

    beforeAll(async () => {
      // The app's own readiness answer over its real database; only `stopping` is the test's.
      served = await serveReadiness(
        createReadiness({ database: gateway.app.database, isStopping: () => stopping }),
      );
    });
    afterAll(() => served.close());

    it("answers 503 once stop() has begun, naming why", async () => {
      expect((await getJson(served.url)).status).toBe(200);
      stopping = true;
      expect(await getJson(served.url)).toEqual({
        status: 503,
        body: { status: "not ready", checks: { server: "stopping", database: "ok" } },
      });
    });

    it("answers 503 naming the database when it does not answer", async () => {
      stopping = false;
      const answerReadiness = createReadiness({
        database: {
          prisma: {
            // A query that never comes back: the check gives up after its timeout.
            $queryRawUnsafe: () => new Promise(() => {}),
          } as never,
        },
        isStopping: () => false,
        checkTimeoutMs: 100,
      });
      const hung = await serveReadiness(answerReadiness);
      try {
        expect(await getJson(hung.url)).toEqual({
          status: 503,
          body: { status: "not ready", checks: { database: "no answer within 100 ms" } },
        });
      } finally {
        await hung.close();
      }
    });
  });
});

describe("/ready with Redis", () => {
  let redis: RedisServer;
  let gateway: TestApp;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startTestApp({ redis: { url: redis.url, keyPrefix: "ready-test:" } });
  });
  afterAll(async () => {
    await gateway?.stop();
    await redis?.stop();
  });

  it("is ready while Redis answers, 503 naming Redis while it is down, and ready again after", async () => {
    expect(await getJson(`${gateway.url}/ready`)).toEqual({
      status: 200,
      body: { status: "ready", checks: { database: "ok", redis: "ok" } },
    });
    await redis.kill();
    await expect.poll(async () => (await getJson(`${gateway.url}/ready`)).status).toBe(503);
    const down = await getJson(`${gateway.url}/ready`);
    expect(down.body.status).toBe("not ready");
    expect(down.body.checks.database).toBe("ok");
    expect(down.body.checks.redis).not.toBe("ok");
    // /health stays a liveness answer.
    expect((await getJson(`${gateway.url}/health`)).status).toBe(200);
    await redis.restart();
    await expect
      .poll(async () => (await getJson(`${gateway.url}/ready`)).status, { timeout: 10_000 })
      .toBe(200);
  });
});
