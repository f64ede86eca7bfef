import { randomUUID } from "node:crypto";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Issue 14.4: callers choose model names and keys, so nothing kept per name or key may grow
 * with them. 10,000 requests with random model names — half through a wildcard entry
 * (`openai/rand-<uuid>`, served), half unknown (404) — and a flood of random bad keys, then the
 * in-memory maps, the /metrics series and the heap are measured against a warm-up.
 */
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const masterKey = "sk-master-bounded-memory";
const floodSize = 10_000;
const concurrency = 50;

describe("a flood of random model names and keys leaves memory and metrics bounded", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;

  function chat(model: string, key = masterKey): Promise<number> {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    });
  }

  /** Sends `count` requests, `concurrency` at a time; returns how many got each status. */
  async function flood(count: number, request: (index: number) => Promise<number>) {
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const status = await request(next++);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    return Object.fromEntries(statuses);
  }

  /** Even requests name a model through the wildcard (served), odd ones a name nothing serves (404). */
  const randomModel = (index: number) =>
    chat(index % 2 === 0 ? `openai/rand-${randomUUID()}` : `rand-${randomUUID()}`);

  async function scrape(): Promise<string> {
    const response = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${masterKey}` },
    });
    expect(response.status).toBe(200);
    return response.text();
  }

  /** Sample lines, without Node's own (GC kinds, heap spaces, handle types vary with the runtime, not with callers). */
  const seriesOf = (text: string) =>
    text
      .split("\n")
      .filter((line) => /^[a-z]/.test(line) && !/^switchboard_(nodejs|process)_/.test(line));
  const tracked = (text: string, map: string) =>
    Number(
      new RegExp(`^switchboard_tracked_entries\\{map="${map}"\\} (\\d+)$`, "m").exec(text)?.[1],
    );

  async function heapUsedMb(): Promise<number> {
    await gateway.app.logWriter.flush();
    // The mock upstream records every request it gets: the test's memory, not the gateway's.
    upstream.requests.length = 0;
    for (let round = 0; round < 3; round += 1) {
      collectGarbage();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed / 2 ** 20;
  }

  async function auditFailureRows(): Promise<number> {
    return gateway.app.database.prisma.auditLog.count({ where: { action: "auth.failure" } });
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      // 10,000 request lines on the test's output would say nothing.
      logging: { level: "error" },
      models: [
        mockModel(upstream.baseUrl, "gpt-4o-mini"),
        // rpm on the wildcard: one rate-limit scope for the entry, not one per model called through it.
        { ...mockModel(upstream.baseUrl, "openai/*"), model: undefined, rpm: 1_000_000 },
      ],
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it(`${floodSize} requests with random model names: maps, series and heap stay bounded`, async () => {
    // Warm-up: every code path (served, unknown, configured) once, so lazy setup is not counted.
    expect(await flood(1_000, randomModel)).toEqual({ 200: 500, 404: 500 });
    expect(await chat("gpt-4o-mini")).toBe(200);
    const heapBefore = await heapUsedMb();
    const seriesBefore = seriesOf(await scrape()).length;

    const startedAt = Date.now();
    expect(await flood(floodSize, randomModel)).toEqual({ 200: floodSize / 2, 404: floodSize / 2 });
    const floodMs = Date.now() - startedAt;
    const heapAfter = await heapUsedMb();
    // Once the LRUs are full, another flood of new names must not grow the heap further.
    await flood(floodSize, randomModel);
    const heapAfterSecondFlood = await heapUsedMb();
    const text = await scrape();
    const series = seriesOf(text);

    const numbers = {
      floodMs,
      heapBeforeMb: Math.round(heapBefore),
      heapAfterMb: Math.round(heapAfter),
      heapAfterSecondFloodMb: Math.round(heapAfterSecondFlood),
      seriesBefore,
      seriesAfter: series.length,
      callerDeployments: tracked(text, "caller_deployments"),
      deploymentHealth: tracked(text, "deployment_health"),
      rateLimitScopes: tracked(text, "rate_limit_scopes"),
    };
    console.log(`bounded-memory flood: ${JSON.stringify(numbers)}`);

    // No caller text in any label: unknown names count as "unknown", wildcard ones as "openai/*".
    expect(series.filter((line) => line.includes("rand-"))).toEqual([]);
    expect(text).toContain('model="unknown"');
    expect(text).toContain('model="openai/*"');
    // The series a first request of each kind made are all there are: none per name.
    expect(series.length).toBe(seriesBefore);
    // At most the LRU's 1,000 deployments made for callers' names, and health for as many plus the config's.
    expect(numbers.callerDeployments).toBeLessThanOrEqual(1_000);
    expect(numbers.deploymentHealth).toBeLessThanOrEqual(1_000 + 2);
    // The master key has no limits of its own: the only scope is the wildcard entry's rpm.
    expect(numbers.rateLimitScopes).toBe(1);
    // Unbounded, 10,000 names kept deployments, health records and series per name: tens of MB.
    expect(heapAfter - heapBefore).toBeLessThan(16);
    expect(heapAfterSecondFlood - heapAfter).toBeLessThan(4);
  }, 300_000);

  it("a flood of random bad keys writes a bounded number of auth.failure audit rows, and counts them all", async () => {
    const rowsBefore = await auditFailureRows();
    const statuses = await flood(2_000, () => chat("gpt-4o-mini", `sk-sb-${randomUUID()}`));
    expect(statuses).toEqual({ 401: 2_000 });
    // The same bad key again and again: a handful of rows, the rest counted.
    expect(await flood(100, () => chat("gpt-4o-mini", "sk-sb-the-same-bad-key"))).toEqual({
      401: 100,
    });
    const written = (await auditFailureRows()) - rowsBefore;
    const text = await scrape();
    const counted = Number(/^switchboard_auth_failures_total (\d+)$/m.exec(text)?.[1]);
    const suppressed = Number(
      /^switchboard_auth_failure_audit_suppressed_total (\d+)$/m.exec(text)?.[1],
    );
    console.log(`bounded-memory bad keys: ${JSON.stringify({ written, counted, suppressed })}`);
    // 60 rows a minute in all, whatever the number of keys tried (the test runs within a minute or two).
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(2 * 60);
    expect(counted).toBe(2_100);
    expect(suppressed).toBe(counted - written);
  }, 120_000);
});
