/*
 * Teams and keys changed on one instance reach every other within a second (DESIGN §6: "revocation
 * takes effect within a second on every instance"). Each instance holds every team and key in
 * memory (modules/keys/key-directory.ts); after a local change commits, this publishes which row
 * changed on a Redis channel, and every other instance reads that row back from the shared
 * database. Only ids travel through Redis, never rows or hashes: the database stays the one
 * source of truth. Pub/sub loses what is published while a subscriber is away, so the whole
 * directory is also reloaded every `resyncIntervalMs` and each time the subscription is back.
 */
import { randomUUID } from "node:crypto";
import type { DirectoryChange, KeyDirectory } from "../../modules/keys/key-directory.ts";
import type { PrismaClient } from "../db.ts";
import type { RedisConnection } from "./redis-connection.ts";
import { keepSubscribed } from "./redis-subscription.ts";

/** The channel every instance publishes directory changes on, after the connection's key prefix. */
export const directoryChannelName = "directory";

interface DirectoryInvalidation {
  instanceId: string;
  kind: DirectoryChange["kind"];
  id: string;
}

export interface KeySyncOptions {
  connection: RedisConnection;
  directory: KeyDirectory;
  prisma: PrismaClient;
  /** Tells this instance's own messages apart (it already has the change). */
  instanceId?: string;
  /** The safety net: every team and key is reloaded this often. */
  resyncIntervalMs?: number;
  /** Told about failures (Redis or the database); nothing here throws into a request. */
  onProblem?: (message: string, error: unknown) => void;
}

export interface KeySync {
  /** Unsubscribes, stops the timer and waits for reads in flight. */
  stop(): Promise<void>;
}

/**
 * Starts sharing directory changes; call after the directory is loaded. Returns at once: the
 * subscription is made in the background (and a resync follows it, for changes made meanwhile).
 */
export function startKeySync({
  connection,
  directory,
  prisma,
  instanceId = randomUUID(),
  resyncIntervalMs = 30_000,
  onProblem = () => {},
}: KeySyncOptions): KeySync {
  const directoryChannel = connection.keyPrefix + directoryChannelName;
  const reads = new Set<Promise<void>>();
  let stopped = false;
  let resyncing: Promise<void> | undefined;

  /*
   * A row read from the database may be older than a put that landed while the read was in
   * flight (a local revocation committed just after a full reload began): such a put wins. Every
   * put advances `generation`; while reads are in flight, each row's last put is remembered.
   */
  let generation = 0;
  const changedAt = new Map<string, number>();
  const rowKey = (kind: DirectoryChange["kind"], id: string) => `${kind}:${id}`;
  const changedSince = (kind: DirectoryChange["kind"], id: string, readAt: number) =>
    (changedAt.get(rowKey(kind, id)) ?? Number.NEGATIVE_INFINITY) > readAt;

  const stopListening = directory.onChange((change) => {
    generation += 1;
    const id = change.kind === "team" ? change.team.id : change.key.id;
    if (reads.size > 0) changedAt.set(rowKey(change.kind, id), generation);
    if (change.origin === "local") publish({ instanceId, kind: change.kind, id });
  });

  function publish(invalidation: DirectoryInvalidation): void {
    connection.commands
      .publish(directoryChannel, JSON.stringify(invalidation))
      .catch((error) =>
        onProblem(
          `announcing a change of ${invalidation.kind} ${invalidation.id} to other instances failed; they pick it up at their next resync`,
          error,
        ),
      );
  }

  /** Runs a database read, tracked so `stop()` can wait for it and its generation guard holds. */
  function read(what: string, body: (readAt: number) => Promise<void>): Promise<void> {
    const readAt = generation;
    const running = body(readAt)
      .catch((error) => onProblem(`${what} failed`, error))
      .finally(() => {
        reads.delete(running);
        if (reads.size === 0) changedAt.clear();
      });
    reads.add(running);
    return running;
  }

  function reloadRow(kind: DirectoryChange["kind"], id: string): void {
    void read(`reloading ${kind} ${id} changed on another instance`, async (readAt) => {
      if (kind === "team") {
        const team = await prisma.team.findUnique({ where: { id } });
        // Teams and keys are never deleted (keys are revoked), so a missing row is one not yet visible.
        if (team && !stopped && !changedSince(kind, id, readAt)) directory.putTeam(team, "storage");
      } else {
        const key = await prisma.apiKey.findUnique({ where: { id } });
        if (key && !stopped && !changedSince(kind, id, readAt)) directory.putKey(key, "storage");
      }
    });
  }

  /** Reloads every team and key; one at a time (a resync asked for while one runs joins it). */
  function resync(reason: string): Promise<void> {
    resyncing ??= read(`reloading every team and key (${reason})`, async (readAt) => {
      const [teams, keys] = await Promise.all([prisma.team.findMany(), prisma.apiKey.findMany()]);
      if (stopped) return;
      for (const team of teams)
        if (!changedSince("team", team.id, readAt)) directory.putTeam(team, "storage");
      for (const key of keys)
        if (!changedSince("apiKey", key.id, readAt)) directory.putKey(key, "storage");
    }).finally(() => (resyncing = undefined));
    return resyncing;
  }

  function onMessage(_channel: string, message: string): void {
    const invalidation = JSON.parse(message) as Partial<DirectoryInvalidation>;
    if (invalidation.instanceId === instanceId || stopped) return;
    if (
      (invalidation.kind !== "team" && invalidation.kind !== "apiKey") ||
      typeof invalidation.id !== "string"
    )
      throw new Error(`not a directory change: ${message.slice(0, 200)}`);
    reloadRow(invalidation.kind, invalidation.id);
  }

  const subscription = keepSubscribed({
    subscriber: connection.subscriber,
    channels: [directoryChannel],
    onMessage,
    // Changes announced before the subscription took effect (or during an outage) were missed.
    onSubscribed: () => void resync("subscribed to changes"),
    onProblem,
  });
  const timer = setInterval(() => void resync("periodic"), resyncIntervalMs);
  timer.unref();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stopListening();
      await Promise.all([subscription.stop(), ...reads]);
    },
  };
}
