import type { ServerResponse } from "node:http";
import type { Database } from "../storage/db.ts";
import type { RedisConnection } from "../storage/redis/redis-connection.ts";
import { sendJson } from "./openai-errors.ts";

export interface ReadinessOptions {
  database: Pick<Database, "prisma">;
  /** Checked only when the config has `redis`. */
  redis?: Pick<RedisConnection, "commands" | "isReady">;
  /** True once stop() has begun: the load balancer should send nothing new. */
  isStopping(): boolean;
  /** How long one check may take before it counts as not answering. */
  checkTimeoutMs?: number;
}

type CheckResult = "ok" | string;

/**
 * `GET /ready` (issue 14.3): 200 `{ status: "ready", checks }` when the database answers a
 * trivial query and Redis (when configured) answers PING; otherwise — or once stopping — 503
 * `{ status: "not ready", checks }`, where each check is "ok" or what went wrong. `/health`
 * stays a pure liveness answer.
 */
export function createReadiness({
  database,
  redis,
  isStopping,
  checkTimeoutMs = 2_000,
}: ReadinessOptions) {
  async function check(run: () => Promise<unknown>): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${checkTimeoutMs} ms`)),
        checkTimeoutMs,
      );
    });
    try {
      await Promise.race([run(), timedOut]);
      return "ok";
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
  }

  return async function answerReadiness(response: ServerResponse): Promise<void> {
    const checks: Record<string, CheckResult> = {};
    if (isStopping()) checks.server = "stopping";
    const [databaseCheck, redisCheck] = await Promise.all([
      check(() => database.prisma.$queryRawUnsafe("SELECT 1")),
      redis &&
        (redis.isReady()
          ? check(() => redis.commands.ping())
          : Promise.resolve("not connected (reconnecting)")),
    ]);
    checks.database = databaseCheck;
    if (redisCheck !== undefined) checks.redis = redisCheck;
    const ready = Object.values(checks).every((result) => result === "ok");
    sendJson(
      response,
      ready ? 200 : 503,
      { status: ready ? "ready" : "not ready", checks },
      { "cache-control": "no-store" },
    );
  };
}
