import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { createTeamKey } from "../support/team-key.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Who may reach the HTTP surfaces (README "Hardening"): keys in `x-api-key` (Anthropic clients)
 * and `api-key` (Azure clients) as well as `Authorization: Bearer`, CORS for /v1 and /graphql
 * from server.corsOrigins, and /metrics behind metrics.apiKey.
 */
const masterKey = "sk-master-access";
const metricsKey = "metrics-scraper-key";
const allowedOrigin = "https://app.example.com";

describe("HTTP access", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let teamKey: string;

  function chat(headers: Record<string, string>) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
    });
  }

  function me(headers: Record<string, string>) {
    return fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: "{ me { kind } }" }),
    });
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      auth: { masterKey },
      models: [mockModel(upstream.baseUrl)],
      server: { corsOrigins: [allowedOrigin] },
      metrics: { apiKey: metricsKey },
    });
    teamKey = await createTeamKey(gateway, masterKey, "access");
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  describe("key headers", () => {
    it.each([
      ["authorization", () => ({ authorization: `Bearer ${teamKey}` })],
      ["x-api-key", () => ({ "x-api-key": teamKey })],
      ["api-key", () => ({ "api-key": teamKey })],
    ])("accepts the key in %s on /v1 and /graphql", async (_header, headers) => {
      const response = await chat(headers());
      expect(response.status).toBe(200);
      expect(((await response.json()) as { object: string }).object).toBe("chat.completion");
      const graphql = await me(headers());
      expect(await graphql.json()).toEqual({ data: { me: { kind: "API_KEY" } } });
    });

    it("refuses a wrong key in x-api-key, and says where a key may go when there is none", async () => {
      const wrong = await chat({ "x-api-key": "sk-not-a-key" });
      expect(wrong.status).toBe(401);
      const missing = await chat({});
      expect(missing.status).toBe(401);
      const body = (await missing.json()) as { error: { message: string } };
      expect(body.error.message).toBe(
        "Missing API key: send 'Authorization: Bearer <key>' (or the key in an x-api-key or api-key header).",
      );
    });
  });

  describe("CORS", () => {
    function preflight(path: string, origin: string) {
      return fetch(`${gateway.url}${path}`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    }

    it.each(["/v1/chat/completions", "/graphql"])(
      "answers a preflight to %s from an allowed origin",
      async (path) => {
        const response = await preflight(path, allowedOrigin);
        expect(response.status).toBe(204);
        expect(response.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
        expect(response.headers.get("access-control-allow-methods")).toContain("POST");
        expect(response.headers.get("access-control-allow-headers")).toContain("x-api-key");
      },
    );

    it("refuses a preflight from another origin, naming the setting", async () => {
      const response = await preflight("/graphql", "https://evil.example");
      expect(response.status).toBe(403);
      expect(response.headers.get("access-control-allow-origin")).toBeNull();
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
        "server.corsOrigins",
      );
    });

    it("marks real answers for an allowed origin only", async () => {
      const allowed = await me({ authorization: `Bearer ${teamKey}`, origin: allowedOrigin });
      expect(allowed.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
      expect(allowed.headers.get("vary")).toContain("Origin");
      const completion = await chat({ authorization: `Bearer ${teamKey}`, origin: allowedOrigin });
      expect(completion.status).toBe(200);
      expect(completion.headers.get("access-control-allow-origin")).toBe(allowedOrigin);
      const other = await me({
        authorization: `Bearer ${teamKey}`,
        origin: "https://evil.example",
      });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
    });
  });

  describe("/metrics", () => {
    function scrape(headers: Record<string, string> = {}) {
      return fetch(`${gateway.url}/metrics`, { headers });
    }

    it("refuses a scrape without the metrics key, or with a team key", async () => {
      for (const headers of [{}, { authorization: `Bearer ${teamKey}` }] as Array<
        Record<string, string>
      >) {
        const response = await scrape(headers);
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toContain("Bearer");
        expect(await response.text()).not.toContain("switchboard_");
      }
    });

    it("answers the metrics key and the master key", async () => {
      for (const key of [metricsKey, masterKey]) {
        const response = await scrape({ authorization: `Bearer ${key}` });
        expect(response.status).toBe(200);
        expect(await response.text()).toContain("switchboard_");
      }
    });
  });
});

describe("without server.corsOrigins or metrics.apiKey", () => {
  it("sends no CORS headers and leaves /metrics open", async () => {
    const gateway = await startTestApp({});
    try {
      const preflight = await fetch(`${gateway.url}/graphql`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
      });
      await preflight.text();
      expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
      expect(preflight.status).toBe(403);
      const metrics = await fetch(`${gateway.url}/metrics`);
      expect(metrics.status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });
});
