/*
 * Deployment cooldowns shared by every instance (DESIGN §3 `router.cooldown`, §7): when failures
 * take a deployment out on one instance, the others stop sending it traffic too, instead of each
 * paying its own failures to learn the same thing. A cooldown is published for the instances
 * running now (channel `switchboard:cooldowns`) and stored as `switchboard:cooldown:<deploymentId>`
 * (both after the connection's key prefix, `switchboard:` by default) with the cooldown's own expiry
 * for those that start (or reconnect) while it lasts. Only the remaining time travels — a
 * message carries it, a key's TTL holds it — so the instances' clocks need not agree.
 */
import { randomUUID } from "node:crypto";
import type { DeploymentHealth } from "../../gateway/deployment-health.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { keepSubscribed } from "./redis-subscription.ts";

/** After the connection's key prefix (which ioredis adds to keys, but not to channels). */
export const cooldownChannelName = "cooldowns";
export const cooldownKeyPrefix = "cooldown:";

interface CooldownMessage {
  instanceId: string;
  deploymentId: string;
  remainingMs: number;
}

/** Sets the key unless a cooldown at least as long is stored already (one key: Cluster-safe). */
const storeLongerCooldown = `
if redis.call('PTTL', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

export interface SharedCooldownsOptions {
  connection: RedisConnection;
  health: DeploymentHealth;
  /** The configured deployments' ids (the same on every instance); others' messages about any other id are ignored. */
  deploymentIds: string[];
  instanceId?: string;
  /** The health's clock. */
  now?: () => number;
  /** Told about Redis failures; a cooldown then stays on this instance only. */
  onProblem?: (message: string, error: unknown) => void;
  /** How soon loading the stored cooldowns is tried again after it failed. */
  retryMs?: number;
}

/** Shares `health`'s cooldowns through Redis until `stop()`. */
export function shareCooldowns({
  connection,
  health,
  deploymentIds,
  instanceId = randomUUID(),
  now = Date.now,
  onProblem = () => {},
  retryMs = 1_000,
}: SharedCooldownsOptions): { stop(): Promise<void> } {
  const { commands } = connection;
  const cooldownChannel = connection.keyPrefix + cooldownChannelName;
  const known = new Set(deploymentIds);
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;

  const stopListening = health.onCooldown((deploymentId, untilMs) => {
    const remainingMs = Math.ceil(untilMs - now());
    if (stopped || remainingMs <= 0) return;
    const message: CooldownMessage = { instanceId, deploymentId, remainingMs };
    Promise.all([
      commands.eval(
        storeLongerCooldown,
        1,
        cooldownKeyPrefix + deploymentId,
        String(untilMs),
        String(remainingMs),
      ),
      commands.publish(cooldownChannel, JSON.stringify(message)),
    ]).catch((error) =>
      onProblem(
        `sharing the cooldown of ${deploymentId} failed; it holds on this instance only`,
        error,
      ),
    );
  });

  /** Applies the cooldowns stored now: at first, and after every outage of the subscription. */
  function loadStored(): void {
    clearTimeout(retryTimer);
    commands.off("ready", loadStored);
    if (stopped) return;
    // The subscriber may be back before the command connection (each reconnects on its own).
    if (!connection.isReady()) {
      commands.once("ready", loadStored);
      return;
    }
    Promise.all(
      [...known].map(async (deploymentId) => {
        const remainingMs = await commands.pttl(cooldownKeyPrefix + deploymentId);
        if (remainingMs > 0 && !stopped) health.coolDownUntil(deploymentId, now() + remainingMs);
      }),
    ).catch((error) => {
      if (stopped) return;
      onProblem(`loading the shared cooldowns failed; retrying in ${retryMs} ms`, error);
      retryTimer = setTimeout(loadStored, retryMs);
      retryTimer.unref();
    });
  }

  function onMessage(_channel: string, text: string): void {
    const message = JSON.parse(text) as Partial<CooldownMessage>;
    if (message.instanceId === instanceId) return;
    if (typeof message.deploymentId !== "string" || typeof message.remainingMs !== "number")
      throw new Error(`not a cooldown: ${text.slice(0, 200)}`);
    if (known.has(message.deploymentId))
      health.coolDownUntil(message.deploymentId, now() + message.remainingMs);
  }

  const subscription = keepSubscribed({
    subscriber: connection.subscriber,
    channels: [cooldownChannel],
    onMessage,
    onSubscribed: loadStored,
    onProblem,
  });

  return {
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      commands.off("ready", loadStored);
      stopListening();
      await subscription.stop();
    },
  };
}
