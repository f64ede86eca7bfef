import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  readOpenAIFixture,
  startMockOpenAIUpstream,
  type MockUpstream,
} from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * Issue 14.1 from the outside: the app's logger writes into a captured stream (console output
 * is captured too), requests go through REST and GraphQL, and the tests read the JSON lines
 * back: one info line per request, warnings for retries, fallbacks and cooldowns, a masked
 * resolver error with its stack — and none of the secrets involved anywhere in the output.
 */
const masterKey = "sk-master-logs-test-5f1c9a2e7d";
const providerApiKey = "sk-provider-secret-77a1b2c3d4e5";
const wrongKey = "sk-sb-not-a-real-key-0000000000";

describe("structured logs", () => {
  let healthy: MockUpstream;
  let broken: MockUpstream;
  let gateway: TestApp;
  let captured = "";
  const consoleOutput: string[] = [];
  let teamKey: { secret: string; prefix: string };

  const lines = (): Array<Record<string, any>> =>
    captured
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line));
  const requestLine = (requestId: string) =>
    lines().find((line) => line.event === "request" && line.requestId === requestId);

  const admin = { authorization: `Bearer ${masterKey}` };

  async function chat(
    model: string,
    { key = masterKey, headers = {} }: { key?: string; headers?: Record<string, string> } = {},
  ) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
  }

  beforeAll(async () => {
    for (const method of ["log", "info", "warn", "error", "debug"] as const)
      vi.spyOn(console, method).mockImplementation((...parts: unknown[]) => {
        consoleOutput.push(parts.map((part) => String(part)).join(" "));
      });
    healthy = await startMockOpenAIUpstream();
    broken = await startMockOpenAIUpstream();
    broken.setDefault({
      type: "error",
      status: 500,
      body: readOpenAIFixture("error-500.json"),
      headers: { "x-request-id": "req_broken_upstream" },
    });
    gateway = await startTestApp(
      {
        auth: { masterKey },
        logging: { level: "info", format: "json" },
        models: [
          mockModel(healthy.baseUrl, "plain", {
            apiKey: providerApiKey,
            pricing: { inputPerMillion: 2.5, outputPerMillion: 10 },
          }),
          mockModel(broken.baseUrl, "group", { apiKey: providerApiKey }),
          mockModel(healthy.baseUrl, "group", { apiKey: providerApiKey }),
          mockModel(broken.baseUrl, "primary", { apiKey: providerApiKey }),
          mockModel(healthy.baseUrl, "backup", { apiKey: providerApiKey }),
          mockModel(broken.baseUrl, "doomed", { apiKey: providerApiKey }),
        ],
        router: {
          retries: 1,
          fallbacks: { primary: ["backup"] },
          cooldown: { failures: 2, seconds: 30 },
        },
      },
      {
        random: () => 0,
        logDestination: new Writable({
          write(chunk, _encoding, done) {
            captured += chunk.toString();
            done();
          },
        }),
      },
    );
    const { data } = await gateway.graphql<any>(
      `mutation { createTeam(input: { name: "logging-team" }) { id } }`,
      {},
      admin,
    );
    const created = await gateway.graphql<any>(
      `mutation ($teamId: ID!) { createApiKey(input: { teamId: $teamId, name: "logs" }) {
        secret apiKey { prefix } } }`,
      { teamId: data.createTeam.id },
      admin,
    );
    teamKey = {
      secret: created.data.createApiKey.secret,
      prefix: created.data.createApiKey.apiKey.prefix,
    };
  });
  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([healthy?.stop(), broken?.stop()]);
    vi.restoreAllMocks();
  });

  it("writes one info line for a successful request, with the caller's x-request-id sent upstream and echoed", async () => {
    const response = await chat("plain", {
      key: teamKey.secret,
      headers: { "x-request-id": "trace-7f3a.client:1" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("trace-7f3a.client:1");
    expect(healthy.requests.at(-1)!.headers["x-request-id"]).toBe("trace-7f3a.client:1");
    const row = await logRow();
    expect(row.status).toBe("SUCCESS");
    const line = requestLine(row.id);
    expect(line).toMatchObject({
      level: 30,
      msg: "plain success",
      clientRequestId: "trace-7f3a.client:1",
      source: "rest",
      keyPrefix: teamKey.prefix,
      team: "logging-team",
      model: "plain",
      provider: "openai",
      deployment: expect.any(String),
      attempts: 1,
      status: "success",
      httpStatus: 200,
      upstreamRequestId: expect.stringMatching(/^req_mock_\d+$/),
      promptTokens: 12,
      completionTokens: 7,
      // 12 prompt tokens at $2.5/M and 7 completion tokens at $10/M.
      costUsd: "0.0001",
      latencyMs: expect.any(Number),
      time: expect.any(String),
    });
  });

  /** The newest row in the request log, with its attempts (the provider's ids are kept there). */
  async function logRow(): Promise<Record<string, any>> {
    await gateway.app.logWriter.flush();
    const { data } = await gateway.graphql<any>(
      `{ requestLogs(first: 1) { edges { node { id status attempts } } } }`,
      {},
      admin,
    );
    return data.requestLogs.edges[0].node;
  }

  it("ignores an unacceptable x-request-id and sends the gateway's own id upstream instead", async () => {
    const response = await chat("plain", { headers: { "x-request-id": "has spaces; and=more" } });
    expect(response.status).toBe(200);
    const ownId = response.headers.get("x-request-id");
    expect(ownId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(healthy.requests.at(-1)!.headers["x-request-id"]).toBe(ownId);
    const row = await logRow();
    expect(row.id).toBe(ownId);
    expect(requestLine(ownId!)).toMatchObject({ status: "success" });
    expect(requestLine(ownId!)!.clientRequestId).toBeUndefined();
  });

  it("logs a stream with its time to first token and the provider's id for the call", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({
        model: "plain",
        stream: true,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(await response.text()).toContain("[DONE]");
    const requestId = response.headers.get("x-request-id")!;
    await gateway.app.logWriter.flush();
    expect(requestLine(requestId)).toMatchObject({
      stream: true,
      status: "success",
      timeToFirstTokenMs: expect.any(Number),
      upstreamRequestId: expect.stringMatching(/^req_mock_\d+$/),
    });
    expect(healthy.requests.at(-1)!.headers["x-request-id"]).toBe(requestId);
  });

  it("honours x-request-id on GraphQL over HTTP too", async () => {
    const response = await fetch(gateway.graphqlUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${teamKey.secret}`,
        "x-request-id": "graphql-trace-42",
      },
      body: JSON.stringify({
        query: `mutation { createChatCompletion(input: { model: "plain", messages: [{ role: USER, content: "hi" }] }) {
          ... on ChatCompletion { requestId } } }`,
      }),
    });
    expect(response.headers.get("x-request-id")).toBe("graphql-trace-42");
    const { data } = (await response.json()) as any;
    expect(healthy.requests.at(-1)!.headers["x-request-id"]).toBe("graphql-trace-42");
    expect(requestLine(data.createChatCompletion.requestId)).toMatchObject({
      source: "graphql",
      clientRequestId: "graphql-trace-42",
      keyPrefix: teamKey.prefix,
      status: "success",
    });
  });

  it("warns about a retry and logs the request with both attempts and the providers' ids", async () => {
    const response = await chat("group");
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id")!;
    const retry = lines().find((line) => line.event === "retry" && line.requestId === requestId);
    expect(retry).toMatchObject({
      level: 40,
      model: "group",
      errorCode: "PROVIDER_ERROR",
      upstreamStatus: 500,
      attempt: 1,
    });
    expect(requestLine(requestId)).toMatchObject({ attempts: 2, status: "success" });
    const row = await logRow();
    expect(row.attempts.map((attempt: any) => attempt.upstreamRequestId)).toEqual([
      "req_broken_upstream",
      expect.stringMatching(/^req_mock_\d+$/),
    ]);
  });

  it("warns about a fallback and, after repeated failures, a cooldown", async () => {
    const response = await chat("primary");
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id")!;
    expect(
      lines().find((line) => line.event === "fallback" && line.requestId === requestId),
    ).toMatchObject({ level: 40, from: "primary", to: "backup", reason: "PROVIDER_ERROR" });
    // "primary" failed twice (its try and its retry): two failures within the window cool it down.
    expect(lines().find((line) => line.event === "cooldown")).toMatchObject({
      level: 40,
      until: expect.any(String),
    });
  });

  it("logs a failed request at info with its error code and the provider's status", async () => {
    const response = await chat("doomed", { headers: { "x-request-id": "failing-trace-9" } });
    expect(response.status).toBe(502);
    // The caller's id comes back on an error too; the row keeps the gateway's own.
    expect(response.headers.get("x-request-id")).toBe("failing-trace-9");
    const requestId = (await logRow()).id;
    expect(requestLine(requestId)).toMatchObject({
      clientRequestId: "failing-trace-9",
      level: 30,
      status: "error",
      errorCode: "PROVIDER_ERROR",
      httpStatus: 502,
      upstreamStatus: 500,
      upstreamRequestId: "req_broken_upstream",
    });
  });

  it("logs a resolver error masked for the caller at error level, with its stack", async () => {
    const database = gateway.app.database.prisma;
    await database.$executeRawUnsafe(`ALTER TABLE "AuditLog" RENAME TO "AuditLogAway"`);
    try {
      const { errors } = await gateway.graphql(
        `{ auditLogs(first: 1) { edges { node { id } } } }`,
        {},
        admin,
      );
      expect(errors?.[0].message).toBe("Unexpected error.");
    } finally {
      await database.$executeRawUnsafe(`ALTER TABLE "AuditLogAway" RENAME TO "AuditLog"`);
    }
    const logged = lines().find((line) => line.msg === "unexpected error in a GraphQL operation");
    expect(logged).toMatchObject({ level: 50, path: "auditLogs" });
    expect(logged!.err.stack).toMatch(/AuditLog/);
    expect(logged!.err.stack).toMatch(/\n\s+at /);
  });

  it("never writes a key, a provider credential or an authorization header", async () => {
    // A refused key and a key sent in the other accepted headers go through the same paths.
    expect((await chat("plain", { key: wrongKey })).status).toBe(401);
    await chat("doomed", { key: teamKey.secret });
    for (const header of ["x-api-key", "api-key"])
      await fetch(`${gateway.url}/v1/models`, { headers: { [header]: `${wrongKey}-${header}` } });
    await fetch(`${gateway.url}/v1/models`, { headers: { "x-api-key": teamKey.secret } });
    await gateway.graphql(`{ me { kind } }`, {}, { authorization: `Bearer ${wrongKey}` });
    await gateway.graphql(`{ teams { name } }`, {}, { authorization: `Bearer ${teamKey.secret}` });
    await gateway.app.logWriter.flush();
    const everything = `${captured}\n${consoleOutput.join("\n")}`;
    expect(lines().length).toBeGreaterThan(8);
    // The wrong keys sent in x-api-key and api-key start with wrongKey too.
    for (const secret of [masterKey, teamKey.secret, providerApiKey, wrongKey, "Bearer "])
      expect(everything).not.toContain(secret);
    // The key's public prefix is what names it.
    expect(captured).toContain(teamKey.prefix);
  });
});
