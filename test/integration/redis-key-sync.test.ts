import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startRedis, type RedisServer } from "../../scripts/temporary-redis.ts";
import { createKeyDirectory, type ApiKeyRecord } from "../../server/modules/keys/key-directory.ts";
import { createKeysService, hashSecret } from "../../server/modules/keys/keys.service.ts";
import { createTeamsService } from "../../server/modules/teams/teams.service.ts";
import { createAuditLogRepository } from "../../server/storage/audit-log-repository.ts";
import { openDatabase, type Database } from "../../server/storage/db.ts";
import { connectRedis, type RedisConnection } from "../../server/storage/redis/redis-connection.ts";
import { directoryChannelName, startKeySync } from "../../server/storage/redis/redis-key-sync.ts";
import { testDatabaseUrl } from "../support/test-database.ts";
import { waitForSubscribers } from "../support/redis-subscribers.ts";

const admin = { id: "admin" };
/** DESIGN §6: a revocation takes effect on every instance within a second. */
const withinASecond = { timeout: 1_000, interval: 10 };

/*
 * Two gateway instances over one database, each with its own directory, services and Redis
 * connections: a change made through one instance's services reaches the other's directory
 * through Redis, and the resync after an outage picks up what was announced while it lasted.
 */
describe("key and team changes across instances (Redis)", () => {
  let redis: RedisServer;
  let directory: string;
  const instances: Array<{ connection: RedisConnection; stop(): Promise<void> }> = [];

  async function startInstance(name: string, databaseUrl: string, resyncIntervalMs = 600_000) {
    const database: Database = await openDatabase({ url: databaseUrl });
    const keyDirectory = createKeyDirectory();
    await keyDirectory.load(database.prisma);
    const audit = createAuditLogRepository(database.prisma);
    const services = {
      teams: createTeamsService({ prisma: database.prisma, directory: keyDirectory, audit }),
      keys: createKeysService({ prisma: database.prisma, directory: keyDirectory, audit }),
    };
    const connection: RedisConnection = connectRedis({ url: redis.url });
    const problems: string[] = [];
    const sync = startKeySync({
      connection,
      directory: keyDirectory,
      prisma: database.prisma,
      instanceId: name,
      resyncIntervalMs,
      onProblem: (message) => problems.push(message),
    });
    const revoked: string[] = [];
    services.keys.onRevoked((key) => revoked.push(key.id));
    const instance = {
      name,
      database,
      directory: keyDirectory,
      ...services,
      connection,
      sync,
      problems,
      revoked,
      async stop() {
        await sync.stop();
        await connection.close();
        await database.close();
      },
    };
    instances.push(instance);
    return instance;
  }

  const subscribers = (count: number) =>
    waitForSubscribers(
      instances[0].connection.commands,
      instances[0].connection.keyPrefix + directoryChannelName,
      count,
    );

  let first: Awaited<ReturnType<typeof startInstance>>;
  let second: Awaited<ReturnType<typeof startInstance>>;
  let databaseUrl: string;

  beforeAll(async () => {
    redis = await startRedis();
    directory = mkdtempSync(path.join(tmpdir(), "switchboard-key-sync-"));
    databaseUrl = await testDatabaseUrl(directory);
    first = await startInstance("first", databaseUrl);
    second = await startInstance("second", databaseUrl);
    await subscribers(2);
  });

  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await redis?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it("carries a new team, a new key, a team update and a revocation to the other instance within a second", async () => {
    const team = await first.teams.createTeam({ name: "search" }, admin);
    await vi.waitFor(
      () => expect(second.directory.team(team.id)?.name).toBe("search"),
      withinASecond,
    );

    const { apiKey, secret } = await first.keys.createApiKey(
      { teamId: team.id, name: "ci" },
      admin,
    );
    await vi.waitFor(
      () => expect(second.directory.findKeyByHash(hashSecret(secret))?.id).toBe(apiKey.id),
      withinASecond,
    );

    // Changes go both ways: the second instance's update reaches the first.
    await second.teams.updateTeam(team.id, { limits: { rpm: 7 } }, admin);
    await vi.waitFor(() => expect(first.directory.team(team.id)?.rpmLimit).toBe(7), withinASecond);

    await first.keys.revokeApiKey(apiKey.id, admin);
    await vi.waitFor(
      () =>
        expect(second.directory.findKeyByHash(hashSecret(secret))?.revokedAt).toBeInstanceOf(Date),
      withinASecond,
    );
    // The other instance's revocation listeners (its open graphql-ws sockets) hear of it too, once.
    expect(second.revoked).toEqual([apiKey.id]);
    expect(first.revoked).toEqual([apiKey.id]);
    expect([...first.problems, ...second.problems]).toEqual([]);
  });

  it("picks up a change announced while Redis was down once the subscription is back", async () => {
    const team = await first.teams.createTeam({ name: "outage" }, admin);
    const { apiKey } = await first.keys.createApiKey({ teamId: team.id, name: "lost" }, admin);
    await vi.waitFor(() => expect(second.directory.key(apiKey.id)).toBeDefined(), withinASecond);

    await redis.kill();
    await vi.waitFor(() => expect(first.connection.isReady()).toBe(false));
    // The change commits and applies here; announcing it fails, which is reported, not thrown.
    const revoked = await first.keys.revokeApiKey(apiKey.id, admin);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    await vi.waitFor(() =>
      expect(first.problems.join("\n")).toMatch(/announcing a change of apiKey/),
    );
    expect(second.directory.key(apiKey.id)?.revokedAt).toBeNull();

    await redis.restart();
    // Reconnecting takes up to a second (the retry strategy), the resync a moment more.
    await vi.waitFor(
      () => expect(second.directory.key(apiKey.id)?.revokedAt).toBeInstanceOf(Date),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    expect(second.revoked).toContain(apiKey.id);
    await subscribers(2);

    // And announcements flow again afterwards.
    await first.teams.updateTeam(team.id, { limits: { maxParallel: 3 } }, admin);
    await vi.waitFor(
      () => expect(second.directory.team(team.id)?.maxParallel).toBe(3),
      withinASecond,
    );
  });

  it("reloads every team and key periodically, which catches changes never announced", async () => {
    const third = await startInstance("third", databaseUrl, 200);
    await subscribers(3);
    const team = await first.teams.createTeam({ name: "periodic" }, admin);
    await vi.waitFor(() => expect(second.directory.team(team.id)).toBeDefined(), withinASecond);
    // Written to the database behind every instance's back (a restore, a manual fix).
    await first.database.prisma.team.update({ where: { id: team.id }, data: { tpmLimit: 123 } });
    await vi.waitFor(() => expect(third.directory.team(team.id)?.tpmLimit).toBe(123), {
      timeout: 2_000,
      interval: 20,
    });
    expect(second.directory.team(team.id)?.tpmLimit).toBeNull();
    await third.stop();
    instances.splice(instances.indexOf(third), 1);
    await subscribers(2);
  });

  it("keeps a local change made while a resync was reading, rather than the older row it read", async () => {
    const team = await first.teams.createTeam({ name: "race" }, admin);
    const { apiKey } = await first.keys.createApiKey({ teamId: team.id, name: "racing" }, admin);
    await vi.waitFor(() => expect(second.directory.key(apiKey.id)).toBeDefined(), withinASecond);
    const stale = second.directory.key(apiKey.id)!;

    // A resync on a slow database: its rows are read before the revocation commits.
    const prisma = second.database.prisma;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let readStarted!: () => void;
    const reading = new Promise<void>((resolve) => (readStarted = resolve));
    const slowDirectory = createKeyDirectory();
    slowDirectory.putKey(stale, "storage");
    const slowPrisma = {
      team: { findMany: () => prisma.team.findMany() },
      apiKey: {
        findMany: async () => {
          const rows = await prisma.apiKey.findMany();
          readStarted();
          await released;
          return rows;
        },
      },
    } as unknown as typeof prisma;
    const connection = connectRedis({ url: redis.url });
    const sync = startKeySync({ connection, directory: slowDirectory, prisma: slowPrisma });
    try {
      await reading;
      const revokedAt = new Date();
      slowDirectory.putKey({ ...stale, revokedAt } satisfies ApiKeyRecord);
      release();
      await vi.waitFor(() => expect(slowDirectory.team(team.id)).toBeDefined());
      expect(slowDirectory.key(apiKey.id)?.revokedAt).toEqual(revokedAt);
    } finally {
      release();
      await sync.stop();
      await connection.close();
    }
  });

  it("stops cleanly: unsubscribed, and changes no longer applied", async () => {
    const database = await openDatabase({ url: databaseUrl });
    const keyDirectory = createKeyDirectory();
    const connection = connectRedis({ url: redis.url });
    const sync = startKeySync({ connection, directory: keyDirectory, prisma: database.prisma });
    await subscribers(3);
    await sync.stop();
    await subscribers(2);
    const team = await first.teams.createTeam({ name: "after-stop" }, admin);
    await vi.waitFor(() => expect(second.directory.team(team.id)).toBeDefined(), withinASecond);
    expect(keyDirectory.team(team.id)).toBeUndefined();
    await connection.close();
    await database.close();
  });
});
