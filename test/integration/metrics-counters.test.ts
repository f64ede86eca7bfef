import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamWithKey } from "../support/admin-calls.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * The counters issue 14.4 adds to /metrics, each driven by a real request: time to first token,
 * rate-limit and budget refusals, response-cache hits, the log queue, failed authentications —
 * and one `switchboard_` prefix on every metric, Node's own included.
 */
describe("refusal, cache, TTFT and queue metrics", () => {
  const masterKey = "sk-master-metrics-counters";
  const pricing = { inputPerMillion: 1000, outputPerMillion: 1000 };
  let upstream: MockUpstream;
  let gateway: TestApp;

  async function chat(secret: string, extra: Record<string, unknown> = {}) {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        model: "priced",
        messages: [{ role: "user", content: "hi" }],
        ...extra,
      }),
    });
    await response.text();
    return response.status;
  }

  async function scrape(): Promise<string> {
    const response = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${masterKey}` },
    });
    return response.text();
  }

  /** The value of the one sample line starting with `prefix` (name and labels as printed). */
  function sample(text: string, prefix: string): number | undefined {
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${prefix} `));
    return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      models: [mockModel(upstream.baseUrl, "priced", { pricing })],
      cache: { enabled: true },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("counts rate-limit and budget refusals, cache hits and streamed time to first token", async () => {
    const limited = await createTeamWithKey(gateway, masterKey, {
      name: "limited",
      limits: { rpm: 1 },
    });
    const broke = await createTeamWithKey(gateway, masterKey, {
      name: "broke",
      budget: { limitUsd: "0.000001", period: "MONTHLY" },
    });
    expect(await chat(limited.secret)).toBe(200);
    expect(await chat(limited.secret)).toBe(429);
    expect(await chat(broke.secret)).toBe(429);
    expect(await chat(masterKey, { temperature: 0 })).toBe(200);
    expect(await chat(masterKey, { temperature: 0 })).toBe(200);
    expect(await chat(masterKey, { stream: true })).toBe(200);
    expect(await chat("sk-sb-not-a-key")).toBe(401);

    const text = await scrape();
    const rest = 'model="priced",source="rest"';
    expect(sample(text, `switchboard_rate_limit_refusals_total{${rest}}`)).toBe(1);
    expect(sample(text, `switchboard_budget_refusals_total{${rest}}`)).toBe(1);
    expect(sample(text, `switchboard_cache_hits_total{${rest}}`)).toBe(1);
    expect(
      sample(
        text,
        'switchboard_time_to_first_token_seconds_count{model="priced",provider="openai"}',
      ),
    ).toBe(1);
    expect(sample(text, "switchboard_auth_failures_total")).toBe(1);
    expect(sample(text, "switchboard_log_queue_depth")).toBeGreaterThanOrEqual(0);
  });

  it("shows the log queue's depth until it is written", async () => {
    await gateway.app.logWriter.flush();
    expect(sample(await scrape(), "switchboard_log_queue_depth")).toBe(0);
  });

  it("puts one prefix on every metric, Node's process and runtime metrics included", async () => {
    const names = new Set(
      (await scrape())
        .split("\n")
        .filter((line) => line.startsWith("# TYPE "))
        .map((line) => line.split(" ")[2]),
    );
    expect(names).toContain("switchboard_process_cpu_seconds_total");
    expect(names).toContain("switchboard_nodejs_heap_size_used_bytes");
    expect([...names].filter((name) => !name.startsWith("switchboard_"))).toEqual([]);
    expect([...names].filter((name) => name.includes("process_process"))).toEqual([]);
  });
});
