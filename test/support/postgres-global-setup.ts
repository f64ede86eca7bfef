// vitest globalSetup for the "postgresql" project: one PostgreSQL server for the whole run.
import type { TestProject } from "vitest/node";
import { startPostgres, type PostgresServer } from "../../scripts/temporary-postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

let server: PostgresServer | undefined;

export async function setup(project: TestProject) {
  const started = performance.now();
  server = await startPostgres();
  console.log(
    `PostgreSQL ${server.url()} (pid ${server.pid}) up in ${Math.round(performance.now() - started)} ms`,
  );
  project.provide("postgresUrl", server.url());
}

export async function teardown() {
  await server?.stop();
}
