import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "graphql-ws";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-budgets-test";
/*
 * Prices that make the arithmetic visible: 1000 USD per million tokens in and out. The mock
 * answers with 12 + 7 = 19 tokens, so every successful request costs exactly 0.019 USD. A
 * request for "hi" with max_tokens 10 reserves (7 × 2 + 10) × 0.001 = 0.024 USD.
 */
const pricing = { inputPerMillion: 1000, outputPerMillion: 1000 };
const costPerRequest = 19_000_000n; // nano-USD

async function asAdmin<Data = any>(
  gateway: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Data> {
  const { data, errors } = await gateway.graphql<Data>(query, variables, {
    authorization: `Bearer ${masterKey}`,
  });
  if (!data) throw new Error(JSON.stringify(errors));
  return data;
}

async function teamWithKey(
  gateway: TestApp,
  team: Record<string, unknown>,
): Promise<{ teamId: string; secret: string; keyId: string }> {
  const { createTeam } = await asAdmin(
    gateway,
    `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
    { input: team },
  );
  const { createApiKey } = await asAdmin(
    gateway,
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`,
    { input: { teamId: createTeam.id, name: "service" } },
  );
  return { teamId: createTeam.id, secret: createApiKey.secret, keyId: createApiKey.apiKey.id };
}

function chat(gateway: TestApp, secret: string) {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 10,
    }),
  });
}

async function teamBudget(gateway: TestApp, teamId: string) {
  return (
    await asAdmin(
      gateway,
      `{ team(id: "${teamId}") { budget { limitUsd period spentUsd reservedUsd remainingUsd periodStart resetsAt } } }`,
    )
  ).team.budget;
}

describe("budgets that cannot be overspent", () => {
  let upstream: MockUpstream;
  let directory: string;
  let clock = Date.parse("2026-06-30T22:00:00Z");

  const start = (reuse = true) =>
    startTestApp(
      { models: [mockModel(upstream.baseUrl, "gpt-4o-mini", { pricing })], auth: { masterKey } },
      { now: () => clock },
      reuse ? { directory } : {},
    );

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-budgets-"));
  });
  afterAll(async () => {
    await upstream?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("100 parallel requests against a budget for about 10: spend stays within the limit, every request is logged once, none double-charged", async () => {
    const gateway = await start(false);
    try {
      const { teamId, secret } = await teamWithKey(gateway, {
        name: "crowd",
        budget: { limitUsd: "0.24", period: "NONE" },
      });
      const statuses = await Promise.all(
        Array.from({ length: 100 }, async () => (await chat(gateway, secret)).status),
      );
      const succeeded = statuses.filter((status) => status === 200).length;
      const refused = statuses.filter((status) => status === 429).length;
      expect(succeeded + refused).toBe(100);
      expect(succeeded).toBeGreaterThanOrEqual(10);
      expect(BigInt(succeeded) * costPerRequest).toBeLessThanOrEqual(240_000_000n);

      const budget = await teamBudget(gateway, teamId);
      expect(budget).toMatchObject({
        limitUsd: "0.24",
        period: "NONE",
        reservedUsd: "0",
        resetsAt: null,
      });
      expect(budget.spentUsd).toBe(formatNano(BigInt(succeeded) * costPerRequest));

      await gateway.app.logWriter.flush();
      const spend = await asAdmin(
        gateway,
        `{ spend(groupBy: TEAM, teamId: "${teamId}") { requests costUsd } }`,
      );
      expect(spend.spend).toEqual([
        { requests: 100, costUsd: formatNano(BigInt(succeeded) * costPerRequest) },
      ]);
      const logs = await asAdmin(
        gateway,
        `{ requestLogs(first: 100, filter: { teamId: "${teamId}", status: ERROR }) { edges { node { errorCode httpStatus costUsd } } } }`,
      );
      expect(logs.requestLogs.edges).toHaveLength(refused);
      expect(
        logs.requestLogs.edges.every(
          ({ node }: { node: Record<string, unknown> }) =>
            node.errorCode === "BUDGET_EXCEEDED" && node.httpStatus === 429 && node.costUsd === "0",
        ),
      ).toBe(true);
      console.info(
        `budget concurrency: ${succeeded} of 100 succeeded, ${refused} refused; spent ${budget.spentUsd} of 0.24 USD`,
      );
    } finally {
      await gateway.stop();
    }
  });

  it("a refused request says which budget, REST 429 budget_exceeded and BudgetExceededError on GraphQL", async () => {
    const gateway = await start(false);
    try {
      const { secret } = await teamWithKey(gateway, {
        name: "tiny",
        budget: { limitUsd: "0.01", period: "MONTHLY" },
      });
      const refused = await chat(gateway, secret);
      expect(refused.status).toBe(429);
      expect((await refused.json()).error).toMatchObject({
        type: "budget_exceeded",
        code: "budget_exceeded",
        message: expect.stringContaining("Budget exceeded for team 'tiny'"),
      });
      const { data } = await gateway.graphql<any>(
        `mutation { createChatCompletion(input: { model: "gpt-4o-mini", messages: [{ role: USER, content: "hi" }], maxTokens: 10 }) { __typename ... on Error { code message } } }`,
        {},
        { authorization: `Bearer ${secret}` },
      );
      expect(data.createChatCompletion).toMatchObject({
        __typename: "BudgetExceededError",
        code: "BUDGET_EXCEEDED",
      });
    } finally {
      await gateway.stop();
    }
  });

  it("survives a restart: spend 90% of a daily budget, stop, start on the same database — the same remaining budget, enforced; it resets the next UTC day", async () => {
    let gateway = await start();
    const { teamId, secret } = await teamWithKey(gateway, {
      name: "restarting",
      budget: { limitUsd: "0.2", period: "DAILY" },
    });
    for (let index = 0; index < 9; index += 1)
      expect((await chat(gateway, secret)).status).toBe(200);
    // 9 × 0.019 = 0.171 spent; 0.029 left, more than a reservation of 0.024 needs.
    const before = await teamBudget(gateway, teamId);
    expect(before).toMatchObject({
      spentUsd: "0.171",
      remainingUsd: "0.029",
      periodStart: "2026-06-30T00:00:00.000Z",
      resetsAt: "2026-07-01T00:00:00.000Z",
    });
    await gateway.stop();

    gateway = await start();
    try {
      expect(await teamBudget(gateway, teamId)).toEqual(before);
      expect((await chat(gateway, secret)).status).toBe(200);
      const refused = await chat(gateway, secret);
      expect(refused.status).toBe(429);
      expect(await teamBudget(gateway, teamId)).toMatchObject({
        spentUsd: "0.19",
        remainingUsd: "0.01",
      });

      clock = Date.parse("2026-07-01T00:00:01Z");
      expect(await teamBudget(gateway, teamId)).toMatchObject({
        spentUsd: "0",
        remainingUsd: "0.2",
        periodStart: "2026-07-01T00:00:00.000Z",
        resetsAt: "2026-07-02T00:00:00.000Z",
      });
      expect((await chat(gateway, secret)).status).toBe(200);
    } finally {
      await gateway.stop();
    }
  });

  it("passing 80% of a budget is announced once per period on budgetThresholdReached and in the audit log", async () => {
    const gateway = await start(false);
    try {
      const { teamId, secret } = await teamWithKey(gateway, {
        name: "watched",
        budget: { limitUsd: "0.1", period: "MONTHLY" },
      });
      // The team's own key listens for its team's alerts over graphql-ws.
      const socket = createClient({
        url: gateway.graphqlUrl.replace("http", "ws"),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${secret}` },
      });
      const alerts: unknown[] = [];
      const subscribed = new Promise<void>((resolve) =>
        socket.on("connected", () => setTimeout(resolve, 50)),
      );
      const stopListening = socket.subscribe(
        {
          query:
            "subscription { budgetThresholdReached { scope scopeId label spentUsd limitUsd fraction } }",
        },
        { next: (result) => alerts.push(result.data), error: () => {}, complete: () => {} },
      );
      await subscribed;
      // 4 × 0.019 = 0.076 (76%), the 5th makes 0.095 (95%): the threshold is crossed once.
      for (let index = 0; index < 5; index += 1)
        expect((await chat(gateway, secret)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(alerts).toEqual([
        {
          budgetThresholdReached: {
            scope: "team",
            scopeId: teamId,
            label: "team 'watched'",
            spentUsd: "0.095",
            limitUsd: "0.1",
            fraction: 0.8,
          },
        },
      ]);
      stopListening();
      await socket.dispose();
      const entries = await asAdmin(
        gateway,
        `{ auditLogs(filter: { action: "budget.threshold" }) { edges { node { actor targetType targetId after } } } }`,
      );
      expect(entries.auditLogs.edges).toEqual([
        {
          node: {
            actor: "gateway",
            targetType: "team",
            targetId: teamId,
            after: expect.objectContaining({
              label: "team 'watched'",
              spentUsd: "0.095",
              limitUsd: "0.1",
              period: "MONTHLY",
            }),
          },
        },
      ]);
    } finally {
      await gateway.stop();
    }
  });
});

function formatNano(nanoUsd: bigint): string {
  const whole = nanoUsd / 1_000_000_000n;
  const fraction = (nanoUsd % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}
