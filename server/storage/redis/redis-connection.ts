/*
 * The gateway's connections to Redis (DESIGN §7, config `redis`): one for commands and scripts,
 * one for subscribing (a subscribed connection can run nothing else). Commands fail at once while
 * Redis is unreachable (no offline queue): a request must get a clear answer, not wait for a
 * reconnect. ioredis keeps reconnecting in the background, so the instance recovers without restart.
 */
import { createRequire } from "node:module";
import type { Redis } from "ioredis";

// Loaded when a config names Redis: ioredis is ~40 modules that a single instance never needs (issue 16, time to ready).
const require = createRequire(import.meta.url);
import { GatewayError } from "../../gateway/errors.ts";

export interface RedisConnection {
  /** For commands and scripts; every key gets `keyPrefix` (ioredis adds it, scripts' KEYS included). */
  readonly commands: Redis;
  /** Starts every key (added by the client) and every channel (added by whoever names one). */
  readonly keyPrefix: string;
  /** For SUBSCRIBE only. */
  readonly subscriber: Redis;
  /** Connected and answering (as far as the client knows). */
  isReady(): boolean;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  url: string;
  keyPrefix?: string;
  /** Told when the connection is lost and when it is back. */
  onStateChange?: (state: "lost" | "ready", error?: unknown) => void;
  /** A command that has not answered by then fails (and counts as Redis being unavailable). */
  commandTimeoutMs?: number;
}

export function connectRedis({
  url,
  keyPrefix = "switchboard:",
  onStateChange = () => {},
  commandTimeoutMs = 2_000,
}: RedisConnectionOptions): RedisConnection {
  const options = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2_000,
    // Reconnect forever, at most a second apart: the outage ends when Redis is back.
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
  };
  const { Redis } = require("ioredis") as typeof import("ioredis");
  const commands = new Redis(url, { ...options, keyPrefix, connectionName: "switchboard" });
  const subscriber = new Redis(url, {
    ...options,
    // Subscribing must survive a reconnect: ioredis re-subscribes, but only with a queue to hold the command.
    enableOfflineQueue: true,
    commandTimeout: undefined,
    connectionName: "switchboard-subscriber",
  });
  let lost = false;
  commands.on("ready", () => {
    if (!lost) return;
    lost = false;
    onStateChange("ready");
  });
  commands.on("error", (error) => {
    if (lost) return;
    lost = true;
    onStateChange("lost", error);
  });
  commands.on("close", () => {
    if (lost) return;
    lost = true;
    onStateChange("lost");
  });
  // The subscriber's own errors repeat the command connection's: it is reported there.
  subscriber.on("error", () => {});
  return {
    commands,
    keyPrefix,
    subscriber,
    isReady: () => commands.status === "ready",
    async close() {
      lost = true; // a deliberate close is no outage
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
      commands.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Redis failed under a request: the request is refused, never counted per instance on the quiet. */
export function redisUnavailable(cause: unknown): GatewayError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new GatewayError(
    "REDIS_UNAVAILABLE",
    `Redis, which holds the shared rate limits and budgets, is unavailable (${reason}); the request was not sent. Retry shortly.`,
    { cause, retryAfterMs: 1_000 },
  );
}

/**
 * Runs one Redis command for a request's limit or budget check: a connection failure becomes
 * REDIS_UNAVAILABLE (503); an error of the script's own logic stays what it is.
 */
export async function askRedis<Value>(command: () => Promise<Value>): Promise<Value> {
  try {
    return await command();
  } catch (error) {
    throw isRedisConnectionError(error) ? redisUnavailable(error) : error;
  }
}

/** Whether an error came from talking to Redis (connection, timeout) rather than from a script's logic. */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "ReplyError")
    return /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)/.test(error.message);
  return true;
}
