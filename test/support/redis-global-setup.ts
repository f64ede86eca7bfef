// vitest globalSetup for the "redis" project: one redis-server for the whole run; each test app
// keeps its keys and channels apart under its own key prefix.
import type { TestProject } from "vitest/node";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

let server: RedisServer | undefined;

export async function setup(project: TestProject) {
  server = await startRedis();
  project.provide("redisUrl", server.url);
}

export async function teardown() {
  await server?.stop();
}
