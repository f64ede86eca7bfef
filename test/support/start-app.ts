import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp, type App, type AppDependencies } from "../../server/app.ts";
import { inject } from "vitest";
import { configSchema } from "../../server/config.ts";
import { testDatabaseUrl } from "./test-database.ts";

export interface TestApp {
  app: App;
  /** http://127.0.0.1:<port> */
  url: string;
  graphqlUrl: string;
  directory: string;
  databaseUrl: string;
  /** Sends a GraphQL operation in-process through Yoga's fetch (no socket). */
  graphql<Data = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{
    data?: Data;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  }>;
  /** Flushes the log writer and returns the newest request log (the fields tests compare). */
  latestLog(): Promise<Record<string, unknown>>;
  /** Requests in flight on the first model's first deployment (back to 0 once a cancelled request has let go of it). */
  inFlight(): Promise<number>;
  stop(): Promise<void>;
}

const latestLogQuery = `{ requestLogs(first: 1) { edges { node {
  requestedModel status errorCode httpStatus stream source promptTokens completionTokens costUsd timeToFirstTokenMs
} } } }`;

/**
 * Builds the app in-process on port 0 with its own SQLite file in a temp directory
 * (DESIGN §10.7), or in `directory` when given. `config` is the YAML config as an object
 * (models, auth, router, ...).
 */
export async function startTestApp(
  config: Record<string, unknown> = {},
  dependencies: AppDependencies = {},
  { directory: reused }: { directory?: string } = {},
): Promise<TestApp> {
  // A directory given is reused (a restart on the same database) and kept on stop.
  const directory = reused ?? mkdtempSync(path.join(tmpdir(), "switchboard-test-"));
  const databaseUrl = await testDatabaseUrl(directory);
  // The "redis" project runs the governance suites again with limits and budgets in Redis.
  const redisUrl = process.env.SWITCHBOARD_TEST_REDIS ? inject("redisUrl") : undefined;
  const parsed = configSchema.parse({
    // Request lines and warnings would drown the test output; a test that reads logs sets its own.
    logging: { level: "error" },
    // Each app its own key prefix: apps of parallel test files share the one redis-server.
    ...(redisUrl ? { redis: { url: redisUrl, keyPrefix: `${path.basename(directory)}:` } } : {}),
    ...config,
    database: { url: databaseUrl },
    // Other server settings (corsOrigins) are kept; the address is always loopback, port 0.
    server: { ...(config.server as object | undefined), host: "127.0.0.1", port: 0 },
  });
  const app = await createApp(parsed, { shutdownGraceMs: 200, ...dependencies });
  const { url } = await app.start();
  const masterKey = parsed.auth.masterKey;
  const testApp: TestApp = {
    app,
    url,
    graphqlUrl: `${url}/graphql`,
    directory,
    databaseUrl,
    async graphql(query, variables, headers = {}) {
      const response = await app.fetch("http://switchboard.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async latestLog() {
      await app.logWriter.flush();
      const { data, errors } = await testApp.graphql<{
        requestLogs: { edges: Array<{ node: Record<string, unknown> }> };
      }>(latestLogQuery, {}, masterKey ? { authorization: `Bearer ${masterKey}` } : {});
      if (!data) throw new Error(`requestLogs failed: ${JSON.stringify(errors)}`);
      return data.requestLogs.edges[0].node;
    },
    async inFlight() {
      const { data } = await testApp.graphql<{
        models: Array<{ deployments: Array<{ inFlight: number }> }>;
      }>(
        `{ models { deployments { inFlight } } }`,
        {},
        masterKey ? { authorization: `Bearer ${masterKey}` } : {},
      );
      return data!.models[0].deployments[0].inFlight;
    },
    async stop() {
      await app.stop();
      if (!reused) rmSync(directory, { recursive: true, force: true });
    },
  };
  return testApp;
}

/** A model entry served by a mock upstream. */
export function mockModel(
  baseUrl: string,
  name = "gpt-4o-mini",
  extra: Record<string, unknown> = {},
) {
  return {
    name,
    provider: "openai",
    model: name,
    apiKey: "sk-upstream-test",
    apiBase: baseUrl,
    ...extra,
  };
}
