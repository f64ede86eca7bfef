import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeamWithKey, graphqlAs } from "../support/admin-calls.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-retention-test";
/** 12 + 7 tokens at 1000 USD per million tokens: every request costs 0.019 USD. */
const pricing = { inputPerMillion: 1000, outputPerMillion: 1000 };
const day = 86_400_000;

function chat(gateway: TestApp, secret: string, content = "hi") {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content }] }),
  });
}

const spendQuery = `query($from: DateTime) {
  byDay: spend(groupBy: DAY, from: $from) { key requests errors promptTokens completionTokens costUsd }
  byModel: spend(groupBy: MODEL, from: $from) { key requests costUsd }
  byTeam: spend(groupBy: TEAM) { key requests costUsd }
  byKey: spend(groupBy: API_KEY) { key requests costUsd }
  byProvider: spend(groupBy: PROVIDER) { key requests costUsd }
}`;

describe("retention: old request logs and bodies pruned, spend and budgets unchanged", () => {
  let upstream: MockUpstream;
  let directory: string;
  let clock = Date.parse("2026-06-01T12:00:00Z");
  const start = () =>
    startTestApp(
      {
        models: [mockModel(upstream.baseUrl, "gpt-4o-mini", { pricing })],
        auth: { masterKey },
        logging: { storeBodies: true },
        retention: { requestLogsDays: 7 },
      },
      { now: () => clock },
      { directory },
    );

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-retention-"));
  });
  afterAll(async () => {
    await upstream?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("prunes with an injected clock: pruned rows and bodies gone, spend totals and budgets unchanged", async () => {
    let gateway = await start();
    const team = await createTeamWithKey(gateway, masterKey, {
      name: "research",
      budget: { limitUsd: "100", period: "MONTHLY" },
    });
    const teamBudget = async () =>
      (
        await graphqlAs(
          gateway,
          masterKey,
          `{ team(id: "${team.teamId}") { budget { spentUsd remainingUsd } spend { requests costUsd } } }`,
        )
      ).team;
    const counts = async () => ({
      logs: await gateway.app.database.prisma.requestLog.count(),
      bodies: await gateway.app.database.prisma.requestBody.count(),
    });

    // Three requests on June 1 (outside a 7-day window by June 12), two on June 10 (inside).
    for (let index = 0; index < 3; index++)
      expect((await chat(gateway, team.secret)).status).toBe(200);
    clock = Date.parse("2026-06-10T09:00:00Z");
    for (let index = 0; index < 2; index++)
      expect((await chat(gateway, team.secret)).status).toBe(200);
    await gateway.app.logWriter.flush();
    const from = "2026-06-01T00:00:00.000Z";
    const spendBefore = await graphqlAs(gateway, masterKey, spendQuery, { from });
    const budgetBefore = await teamBudget();
    expect(spendBefore.byDay.map((row: any) => [row.key, row.requests, row.costUsd])).toEqual([
      ["2026-06-01", 3, "0.057"],
      ["2026-06-10", 2, "0.038"],
    ]);
    expect(budgetBefore.budget.spentUsd).toBe("0.095");
    expect(await counts()).toEqual({ logs: 5, bodies: 5 });

    clock = Date.parse("2026-06-12T12:00:00Z");
    expect(await gateway.app.pruneRequestLogs()).toEqual({
      logs: 3,
      bodies: 3,
      responses: 0,
      before: new Date("2026-06-05T00:00:00.000Z"),
    });
    expect(await counts()).toEqual({ logs: 2, bodies: 2 });
    const remaining = await graphqlAs(
      gateway,
      masterKey,
      `{ requestLogs(first: 10) { edges { node { createdAt body { prompt } } } } }`,
    );
    expect(remaining.requestLogs.edges.map((edge: any) => edge.node.createdAt)).toEqual([
      "2026-06-10T09:00:00.000Z",
      "2026-06-10T09:00:00.000Z",
    ]);
    expect(await graphqlAs(gateway, masterKey, spendQuery, { from })).toEqual(spendBefore);
    expect(await teamBudget()).toEqual(budgetBefore);

    // A restart rebuilds the budget from its counters, which pruning never touches.
    await gateway.stop();
    gateway = await start();
    expect(await teamBudget()).toEqual(budgetBefore);
    expect(await graphqlAs(gateway, masterKey, spendQuery, { from })).toEqual(spendBefore);
    // A second pass finds nothing more to delete.
    expect((await gateway.app.pruneRequestLogs()).logs).toBe(0);

    // Part-days are read from the logs: exact inside the window, refused before it.
    const partDay = await graphqlAs(
      gateway,
      masterKey,
      `{ spend(groupBy: DAY, from: "2026-06-10T08:00:00Z", to: "2026-06-10T10:00:00Z") { key requests } }`,
    );
    expect(partDay.spend).toEqual([{ key: "2026-06-10", requests: 2 }]);
    const refused = await gateway.graphql(
      `{ spend(groupBy: DAY, from: "2026-06-01T06:00:00Z") { key } }`,
      {},
      { authorization: `Bearer ${masterKey}` },
    );
    expect(refused.errors?.[0]).toMatchObject({
      message: expect.stringMatching(
        /Spend before 2026-06-05T00:00:00.000Z .*retention\.requestLogsDays = 7.*`from` at midnight UTC/,
      ),
      extensions: { code: "BAD_REQUEST" },
    });
    await gateway.stop();
  });
});

describe("stored bodies (logging.storeBodies)", () => {
  let upstream: MockUpstream;
  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
  });
  afterAll(async () => {
    await upstream?.stop();
  });

  const bodyQuery = `query($teamId: ID) { requestLogs(first: 10, filter: { teamId: $teamId }) {
    edges { node { teamId stream body { prompt answer } } } } }`;

  it("keeps prompt and answer with secrets redacted, readable by the admin and the owning team only", async () => {
    const gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl, "gpt-4o-mini", { pricing })],
      auth: { masterKey },
      logging: { storeBodies: true },
    });
    try {
      const owner = await createTeamWithKey(gateway, masterKey, { name: "owner" });
      const other = await createTeamWithKey(gateway, masterKey, { name: "other" });
      const leaky = `use sk-proj-abcdefghijklmnop1234, Authorization: Bearer eyJhbGciOi.payload.sig, the master ${masterKey}, the upstream's sk-upstream-test and AKIAIOSFODNN7EXAMPLE`;
      expect((await chat(gateway, owner.secret, leaky)).status).toBe(200);
      const streamed = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${other.secret}` },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          stream: true,
          messages: [{ role: "user", content: "stream please" }],
        }),
      });
      await streamed.text();
      await gateway.app.logWriter.flush();

      const asAdmin = await graphqlAs(gateway, masterKey, bodyQuery, { teamId: owner.teamId });
      const [logged] = asAdmin.requestLogs.edges.map((edge: any) => edge.node);
      const storedText = JSON.stringify(logged.body);
      for (const secret of [
        "sk-proj-abcdefghijklmnop1234",
        "eyJhbGciOi",
        masterKey,
        "sk-upstream-test",
        "AKIAIOSFODNN7EXAMPLE",
      ])
        expect(storedText).not.toContain(secret);
      expect(logged.body.prompt).toMatchObject({
        model: "gpt-4o-mini",
        messages: [
          {
            role: "user",
            content:
              "use [REDACTED], Authorization: Bearer [REDACTED], the master [REDACTED], the upstream's [REDACTED] and [REDACTED]",
          },
        ],
      });
      expect(logged.body.answer).toEqual([
        expect.objectContaining({
          message: expect.objectContaining({ content: "Hello from the mock upstream." }),
        }),
      ]);

      // The owning team reads its own body; another team cannot name it and sees only its own.
      const asOwner = await graphqlAs(gateway, owner.secret, bodyQuery);
      expect(asOwner.requestLogs.edges[0].node.body).toEqual(logged.body);
      const forbidden = await gateway.graphql(
        bodyQuery,
        { teamId: owner.teamId },
        {
          authorization: `Bearer ${other.secret}`,
        },
      );
      expect(forbidden.errors?.[0].extensions?.code).toBe("FORBIDDEN");
      const asOther = await graphqlAs(gateway, other.secret, bodyQuery);
      expect(asOther.requestLogs.edges).toHaveLength(1);
      const streamedLog = asOther.requestLogs.edges[0].node;
      expect(streamedLog).toMatchObject({ teamId: other.teamId, stream: true });
      expect(streamedLog.body.answer).toEqual([
        {
          index: 0,
          message: { role: "assistant", content: "Hello from the mock upstream." },
          finish_reason: "stop",
        },
      ]);
    } finally {
      await gateway.stop();
    }
  });

  it("keeps no body by default", async () => {
    const gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl, "gpt-4o-mini", { pricing })],
      auth: { masterKey },
    });
    try {
      const team = await createTeamWithKey(gateway, masterKey, { name: "quiet" });
      expect((await chat(gateway, team.secret, "secret plans")).status).toBe(200);
      await gateway.app.logWriter.flush();
      const logs = await graphqlAs(gateway, masterKey, bodyQuery);
      expect(logs.requestLogs.edges.map((edge: any) => edge.node.body)).toEqual([null]);
      expect(await gateway.app.database.prisma.requestBody.count()).toBe(0);
    } finally {
      await gateway.stop();
    }
  });
});
