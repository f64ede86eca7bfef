import { readFileSync } from "node:fs";
import path from "node:path";
import OpenAI from "openai";
import { WebSocket } from "ws";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSwitchboardClient } from "../../client/index.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-governance-test";
const admin = { authorization: `Bearer ${masterKey}` };
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/*
 * Teams, keys and the audit trail as an admin and a team use them: the master key is the admin,
 * a team key reaches completions, `me`, its own team, spend and logs and nothing else, a
 * revoked or expired key is refused everywhere, and every admin change is in the audit log
 * without any secret in it.
 */
describe("teams, keys, scopes and the audit log", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let clock = Date.parse("2026-03-10T12:00:00Z");
  let searchTeamId: string;
  let otherTeamId: string;
  let searchKey: { id: string; secret: string };

  async function graphql<Data = any>(
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = admin,
  ) {
    return gateway.graphql<Data>(query, variables, headers);
  }

  async function createTeam(input: Record<string, unknown>): Promise<string> {
    const { data, errors } = await graphql(
      `
        mutation ($input: CreateTeamInput!) {
          createTeam(input: $input) {
            id
            name
            models
          }
        }
      `,
      { input },
    );
    if (!data) throw new Error(JSON.stringify(errors));
    return data.createTeam.id;
  }

  async function createKey(
    input: Record<string, unknown>,
  ): Promise<{ id: string; secret: string; prefix: string }> {
    const { data, errors } = await graphql(
      `
        mutation ($input: CreateApiKeyInput!) {
          createApiKey(input: $input) {
            secret
            apiKey {
              id
              prefix
              name
            }
          }
        }
      `,
      { input },
    );
    if (!data) throw new Error(JSON.stringify(errors));
    return {
      id: data.createApiKey.apiKey.id,
      secret: data.createApiKey.secret,
      prefix: data.createApiKey.apiKey.prefix,
    };
  }

  function chat(secret: string, model = "gpt-4o-mini") {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(secret) },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    });
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp(
      {
        models: [mockModel(upstream.baseUrl), mockModel(upstream.baseUrl, "gpt-4o")],
        auth: { masterKey },
      },
      { now: () => clock },
    );
    searchTeamId = await createTeam({ name: "search", models: ["gpt-4o-mini"] });
    otherTeamId = await createTeam({ name: "billing" });
    searchKey = await createKey({
      teamId: searchTeamId,
      name: "search backend",
      metadata: { owner: "ana" },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await upstream?.stop();
  });

  it("creates a key whose secret is shown once and stored only as a hash", async () => {
    expect(searchKey.secret).toMatch(/^sk-sb-[A-Za-z0-9_-]{43}$/);
    const { data } = await graphql(
      `{ apiKeys(teamId: "${searchTeamId}") { id name prefix teamId revokedAt } }`,
    );
    expect(data.apiKeys).toEqual([
      {
        id: searchKey.id,
        name: "search backend",
        prefix: searchKey.secret.slice(0, 12),
        teamId: searchTeamId,
        revokedAt: null,
      },
    ]);
    await gateway.app.logWriter.flush();
    // Everything stored anywhere: the SQLite file's bytes, or every row of every PostgreSQL table.
    const stored = gateway.databaseUrl.startsWith("file:")
      ? readFileSync(path.join(gateway.directory, "switchboard.db")).toString("latin1")
      : JSON.stringify(
          await Promise.all(
            ["Team", "ApiKey", "AuditLog", "RequestLog", "SpendCounter"].map((table) =>
              gateway.app.database.prisma.$queryRawUnsafe(`SELECT * FROM "${table}"`),
            ),
          ),
          (_key, value) => (typeof value === "bigint" ? String(value) : value),
        );
    expect(stored).not.toContain(searchKey.secret);
    expect(stored).not.toContain(searchKey.secret.slice(12));
  });

  it("lets a team key call completions for its models, logged under its team and key", async () => {
    const response = await chat(searchKey.secret);
    expect(response.status).toBe(200);
    await gateway.app.logWriter.flush();
    const logs = await graphql(`
      {
        requestLogs(first: 1) {
          edges {
            node {
              teamId
              apiKeyId
              status
              team {
                name
              }
              apiKey {
                name
                prefix
              }
            }
          }
        }
      }
    `);
    expect(logs.data.requestLogs.edges[0].node).toEqual({
      teamId: searchTeamId,
      apiKeyId: searchKey.id,
      status: "SUCCESS",
      team: { name: "search" },
      apiKey: { name: "search backend", prefix: searchKey.secret.slice(0, 12) },
    });
    // The key itself reads the same names on its own team's logs.
    const own = await graphql(
      `
        {
          requestLogs(first: 1) {
            edges {
              node {
                team {
                  name
                }
                apiKey {
                  name
                }
              }
            }
          }
        }
      `,
      {},
      bearer(searchKey.secret),
    );
    expect(own.data.requestLogs.edges[0].node).toEqual({
      team: { name: "search" },
      apiKey: { name: "search backend" },
    });
  });

  it("refuses a model outside the team's allow-list: 403 on REST, ModelNotAllowedError on GraphQL, nothing sent upstream", async () => {
    const before = upstream.requests.length;
    const response = await chat(searchKey.secret, "gpt-4o");
    expect(response.status).toBe(403);
    expect((await response.json()).error).toMatchObject({
      type: "permission_error",
      code: "model_not_allowed",
      param: "model",
    });
    const { data } = await graphql(
      `
        mutation {
          createChatCompletion(
            input: { model: "gpt-4o", messages: [{ role: USER, content: "hi" }] }
          ) {
            __typename
            ... on Error {
              code
              message
            }
          }
        }
      `,
      {},
      bearer(searchKey.secret),
    );
    expect(data.createChatCompletion).toMatchObject({
      __typename: "ModelNotAllowedError",
      code: "MODEL_NOT_ALLOWED",
    });
    expect(upstream.requests.length).toBe(before);
    const models = await new OpenAI({
      apiKey: searchKey.secret,
      baseURL: `${gateway.url}/v1`,
      maxRetries: 0,
    }).models.list();
    expect(models.data.map((model) => model.id)).toEqual(["gpt-4o-mini"]);
  });

  it("gives a team key me, its own team, spend and logs — and nothing else (FORBIDDEN)", async () => {
    const key = bearer(searchKey.secret);
    const me = await graphql(
      `{ me { kind teamId apiKeyId } teams { id } team(id: "${searchTeamId}") { name } }`,
      {},
      key,
    );
    expect(me.data).toEqual({
      me: { kind: "API_KEY", teamId: searchTeamId, apiKeyId: searchKey.id },
      teams: [{ id: searchTeamId }],
      team: { name: "search" },
    });
    const spend = await graphql(
      `
        {
          spend(groupBy: TEAM) {
            key
            requests
          }
        }
      `,
      {},
      key,
    );
    expect(spend.data.spend.map((row: { key: string }) => row.key)).toEqual([searchTeamId]);

    const forbidden = [
      `{ team(id: "${otherTeamId}") { name } }`,
      `{ spend(groupBy: MODEL, teamId: "${otherTeamId}") { key } }`,
      `{ auditLogs { edges { node { id } } } }`,
      `{ apiKeys { id } }`,
      `{ teams { apiKeys { id } } }`,
      `mutation { createApiKey(input: { teamId: "${searchTeamId}", name: "mine" }) { secret } }`,
      `mutation { createTeam(input: { name: "sneaky" }) { id } }`,
      `mutation { revokeApiKey(id: "${searchKey.id}") { id } }`,
    ];
    for (const query of forbidden) {
      const { errors } = await graphql(query, {}, key);
      expect(errors?.[0]?.extensions?.code, query).toBe("FORBIDDEN");
    }
    const { data } = await graphql(`
      {
        teams {
          name
        }
      }
    `);
    expect(data.teams.map((team: { name: string }) => team.name)).toEqual(["search", "billing"]);
  });

  it("batches Team.spend for every team of a response into one query (DataLoader)", async () => {
    await gateway.app.logWriter.flush();
    const spend = vi.spyOn(gateway.app.services.spend, "spend");
    try {
      const { data } = await graphql(`
        {
          teams {
            name
            spend {
              requests
              costUsd
            }
          }
        }
      `);
      expect(data.teams).toEqual([
        // One success (0.000006 USD) and the two refused gpt-4o calls (logged, free).
        { name: "search", spend: { requests: 3, costUsd: "0.000006" } },
        { name: "billing", spend: { requests: 0, costUsd: "0" } },
      ]);
      expect(spend).toHaveBeenCalledTimes(1);
    } finally {
      spend.mockRestore();
    }
  });

  it("rejects bad input with a clear error and changes nothing", async () => {
    const auditBefore = (
      await graphql(`
        {
          auditLogs(first: 500) {
            edges {
              node {
                id
              }
            }
          }
        }
      `)
    ).data.auditLogs.edges.length;
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      [
        `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
        { input: { name: "x", budget: { limitUsd: "-5" } } },
        /"input\.budget\.limitUsd".*cannot be negative/,
      ],
      [
        `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
        { input: { name: "  " } },
        /Invalid name: must not be empty/,
      ],
      [
        `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
        { input: { name: "search" } },
        /A team named 'search' already exists/,
      ],
      [
        `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
        { input: { name: "y", limits: { rpm: 0 } } },
        /Invalid limits\.rpm/,
      ],
      [
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
        { input: { teamId: "no-such-team", name: "k" } },
        /Unknown team 'no-such-team'/,
      ],
      [
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
        { input: { teamId: searchTeamId, name: "k", expiresAt: "2020-01-01T00:00:00Z" } },
        /expiresAt must be in the future/,
      ],
      [`mutation { revokeApiKey(id: "nope") { id } }`, {}, /Unknown API key 'nope'/],
    ];
    for (const [query, variables, message] of cases) {
      const { errors } = await graphql(query, variables);
      expect(errors?.[0]).toMatchObject({ extensions: { code: "BAD_REQUEST" } });
      expect(errors?.[0].message).toMatch(message);
    }
    const after = await graphql(`
      {
        teams {
          name
        }
        auditLogs(first: 500) {
          edges {
            node {
              id
            }
          }
        }
      }
    `);
    expect(after.data.teams.map((team: { name: string }) => team.name)).toEqual([
      "search",
      "billing",
    ]);
    expect(after.data.auditLogs.edges).toHaveLength(auditBefore);
  });

  it("refuses malformed, unknown, expired and revoked keys: 401 on REST, UNAUTHENTICATED on GraphQL, and records each attempt", async () => {
    const expiring = await createKey({
      teamId: otherTeamId,
      name: "temporary",
      expiresAt: new Date(clock + 60 * 60_000).toISOString(),
    });
    expect((await chat(expiring.secret)).status).toBe(200);
    clock += 2 * 60 * 60_000;
    const expired = await chat(expiring.secret);
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.message).toBe("This API key has expired.");

    for (const secret of ["not-a-key", "sk-sb-unknownunknownunknownunknownunknown1234567"]) {
      const response = await chat(secret);
      expect(response.status).toBe(401);
      expect((await response.json()).error).toMatchObject({
        type: "authentication_error",
        message: "Invalid API key.",
      });
    }
    const noHeader = await fetch(`${gateway.url}/v1/models`);
    expect(noHeader.status).toBe(401);
    const { errors } = await graphql(
      `
        {
          me {
            id
          }
        }
      `,
      {},
      bearer("sk-sb-bogus"),
    );
    expect(errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const overSse = await fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        ...bearer(expiring.secret),
      },
      body: JSON.stringify({ query: "subscription { requestLogged { id } }" }),
    });
    expect(overSse.status).toBe(401);
    expect(await overSse.text()).toContain("This API key has expired.");

    const failures = await graphql(`
      {
        auditLogs(first: 20, filter: { action: "auth.failure" }) {
          edges {
            node {
              actor
              action
              targetId
              after
            }
          }
        }
      }
    `);
    const entries = failures.data.auditLogs.edges.map((edge: { node: unknown }) => edge.node);
    expect(entries).toContainEqual({
      actor: "anonymous",
      action: "auth.failure",
      targetId: expiring.id,
      after: { source: "rest", reason: "expired", keyPrefix: expiring.prefix },
    });
    expect(entries).toContainEqual({
      actor: "anonymous",
      action: "auth.failure",
      targetId: null,
      after: { source: "rest", reason: "unknown", keyPrefix: "sk-sb-unknow" },
    });
    expect(entries).toContainEqual({
      actor: "anonymous",
      action: "auth.failure",
      targetId: null,
      after: { source: "graphql", reason: "unknown", keyPrefix: "sk-sb-bogus" },
    });
    expect(JSON.stringify(entries)).not.toContain(expiring.secret);
  });

  it("revoking a key refuses it at once, over REST, GraphQL and graphql-ws, and ends its open subscriptions", async () => {
    const key = await createKey({ teamId: searchTeamId, name: "to revoke" });
    const client = createSwitchboardClient({
      url: gateway.graphqlUrl,
      apiKey: key.secret,
      webSocketImpl: WebSocket,
    });
    const iterator = client
      .stream({ model: "gpt-4o-mini", messages: [{ role: "USER", content: "hi" }] })
      [Symbol.asyncIterator]();
    upstream.enqueue({ type: "slow-stream", chunkDelayMs: 30, chunks: 200 });
    expect((await iterator.next()).done).toBe(false);

    const { data } = await graphql(`mutation { revokeApiKey(id: "${key.id}") { id revokedAt } }`);
    expect(data.revokeApiKey.revokedAt).toBe(new Date(clock).toISOString());
    const ended = await (async () => {
      try {
        while (!(await iterator.next()).done);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(ended).toMatchObject({ code: "UNAUTHENTICATED" });
    await upstream.waitForClosedRequest();
    await client.close();

    expect((await chat(key.secret)).status).toBe(401);
    const { errors } = await graphql(
      `
        {
          me {
            id
          }
        }
      `,
      {},
      bearer(key.secret),
    );
    expect(errors?.[0]).toMatchObject({
      message: "This API key has been revoked.",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("records every admin change with actor, action, target, before and after — and no secret anywhere", async () => {
    await graphql(
      `mutation { updateTeam(id: "${otherTeamId}", input: { models: ["gpt-4o"], limits: { rpm: 100 }, budget: { limitUsd: "25", period: MONTHLY } }) { id limits { rpm } } }`,
    );
    const { data } = await graphql(`
      {
        auditLogs(first: 100) {
          edges {
            node {
              actor
              action
              targetType
              targetId
              before
              after
              at
            }
          }
        }
      }
    `);
    const entries = data.auditLogs.edges.map(
      (edge: { node: Record<string, unknown> }) => edge.node,
    );
    const admins = entries.filter((entry: { action: string }) => entry.action !== "auth.failure");
    expect(admins.map((entry: { action: string }) => entry.action)).toEqual([
      "team.update",
      "apiKey.revoke",
      "apiKey.create",
      "apiKey.create",
      "apiKey.create",
      "team.create",
      "team.create",
    ]);
    expect(admins.every((entry: { actor: string }) => entry.actor === "admin")).toBe(true);
    const update = admins[0];
    expect(update).toMatchObject({
      targetType: "team",
      targetId: otherTeamId,
      before: { name: "billing", models: null, budget: null, limits: { rpm: null } },
      after: {
        models: ["gpt-4o"],
        budget: { limitNanoUsd: "25000000000", period: "MONTHLY" },
        limits: { rpm: 100 },
      },
    });
    expect(admins[1]).toMatchObject({
      targetType: "apiKey",
      before: { revokedAt: null },
      after: { revokedAt: expect.any(String) },
    });
    expect(admins.at(-1)).toMatchObject({
      action: "team.create",
      before: null,
      after: { name: "search", models: ["gpt-4o-mini"] },
    });

    const created = await graphql(
      `{ auditLogs(first: 5, filter: { action: "apiKey.create", targetId: "${searchKey.id}" }) { edges { node { after } } } }`,
    );
    expect(created.data.auditLogs.edges).toEqual([
      {
        node: {
          after: expect.objectContaining({
            id: searchKey.id,
            prefix: searchKey.secret.slice(0, 12),
            metadata: { owner: "ana" },
          }),
        },
      },
    ]);
    expect(JSON.stringify(entries)).not.toContain(searchKey.secret);
    expect(JSON.stringify(entries)).not.toMatch(/"hash"/);

    const inRange = await graphql(`
      {
        auditLogs(filter: { from: "2026-01-01T00:00:00Z", to: "2026-03-10T12:00:00Z" }) {
          edges {
            node {
              action
            }
          }
        }
      }
    `);
    expect(inRange.data.auditLogs.edges).toEqual([]);
  });

  it("the typed client does the admin's work too", async () => {
    const client = createSwitchboardClient({ url: gateway.graphqlUrl, apiKey: masterKey });
    const team = await client.createTeam({
      name: "client-made",
      budget: { limitUsd: "5", period: "WEEKLY" },
      limits: { maxParallel: 4 },
    });
    expect(team).toMatchObject({
      name: "client-made",
      limits: { maxParallel: 4 },
      budget: { limitUsd: "5", period: "WEEKLY", spentUsd: "0", remainingUsd: "5" },
    });
    const created = await client.createApiKey({ teamId: team.id, name: "from the client" });
    expect(created.secret).toMatch(/^sk-sb-/);
    expect((await client.apiKeys(team.id)).map((key) => key.name)).toEqual(["from the client"]);
    expect((await client.revokeApiKey(created.apiKey.id)).revokedAt).not.toBeNull();
    const trail = await client.auditLogs({ first: 3, filter: { targetId: created.apiKey.id } });
    expect(trail.edges.map((edge) => edge.node.action)).toEqual(["apiKey.revoke", "apiKey.create"]);
    await gateway.graphql(
      `mutation { updateTeam(id: "${team.id}", input: { name: "client-made-2" }) { id } }`,
      {},
      admin,
    );
    expect((await client.teams()).map((each) => each.name)).toContain("client-made-2");
    await client.close();
  });

  it("pages through keys newest first, a page at a time, so a list of thousands is never sent whole", async () => {
    const teamId = await createTeam({ name: "paged" });
    for (const name of ["first", "second", "third"]) {
      await createKey({ teamId, name });
      clock += 1_000;
    }
    const page = async (variables: Record<string, unknown>) =>
      (
        await graphql(
          `
            query ($teamId: ID, $first: Int, $after: ID) {
              apiKeys(teamId: $teamId, first: $first, after: $after) {
                id
                name
              }
            }
          `,
          { teamId, ...variables },
        )
      ).data.apiKeys as Array<{ id: string; name: string }>;
    const firstPage = await page({ first: 2 });
    expect(firstPage.map((key) => key.name)).toEqual(["third", "second"]);
    expect((await page({ first: 2, after: firstPage[1].id })).map((key) => key.name)).toEqual([
      "first",
    ]);
    expect((await page({})).map((key) => key.name)).toEqual(["third", "second", "first"]);
    const tooMany = await graphql(`
      {
        apiKeys(first: 5000) {
          id
        }
      }
    `);
    expect(tooMany.errors?.[0]).toMatchObject({
      message: "first must be between 1 and 1000.",
      extensions: { code: "BAD_REQUEST", param: "first" },
    });
  });
});
