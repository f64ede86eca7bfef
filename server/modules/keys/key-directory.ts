import type { PrismaClient } from "../../storage/db.ts";

/** A team as the gateway holds it in memory (the Prisma row). */
export type TeamRecord = Awaited<ReturnType<PrismaClient["team"]["findFirstOrThrow"]>>;
/** A key as held in memory: the row, hash included (it is the lookup key, never shown). */
export type ApiKeyRecord = Awaited<ReturnType<PrismaClient["apiKey"]["findFirstOrThrow"]>>;

/**
 * Where a put came from: "local" is a change this instance just committed (others must hear of
 * it); "storage" is a row read back from the database (at start, or another instance's change
 * arriving through the directory sync), which must not be announced again.
 */
export type ChangeOrigin = "local" | "storage";

/** One put into the directory, with what was there before (undefined for a new row). */
export type DirectoryChange =
  | { kind: "team"; team: TeamRecord; previous?: TeamRecord; origin: ChangeOrigin }
  | { kind: "apiKey"; key: ApiKeyRecord; previous?: ApiKeyRecord; origin: ChangeOrigin };

/**
 * Every team and key in memory, so authenticating a request costs no database round trip
 * (DESIGN §8). Loaded once at start; the teams and keys services put each change here right
 * after its transaction commits, so a revocation takes effect on the next request. Change
 * listeners carry those changes to the other instances (storage/redis/redis-key-sync.ts).
 */
export function createKeyDirectory() {
  const teams = new Map<string, TeamRecord>();
  const keysById = new Map<string, ApiKeyRecord>();
  const keysByHash = new Map<string, ApiKeyRecord>();
  const changeListeners = new Set<(change: DirectoryChange) => void>();

  function putTeam(team: TeamRecord, origin: ChangeOrigin = "local"): void {
    const previous = teams.get(team.id);
    teams.set(team.id, team);
    for (const listener of changeListeners) listener({ kind: "team", team, previous, origin });
  }

  function putKey(key: ApiKeyRecord, origin: ChangeOrigin = "local"): void {
    const previous = keysById.get(key.id);
    keysById.set(key.id, key);
    keysByHash.set(key.hash, key);
    for (const listener of changeListeners) listener({ kind: "apiKey", key, previous, origin });
  }

  /** Loads every team and key from storage (at start). */
  async function load(prisma: PrismaClient): Promise<void> {
    for (const team of await prisma.team.findMany()) putTeam(team, "storage");
    for (const key of await prisma.apiKey.findMany()) putKey(key, "storage");
  }

  /** Calls `listener` with every put from now on (synchronously, inside the put); returns the unsubscribe function. */
  function onChange(listener: (change: DirectoryChange) => void): () => void {
    changeListeners.add(listener);
    return () => changeListeners.delete(listener);
  }

  /**
   * Keys newest first (of one team, or all), `first` of them after the key `after`: what a
   * page of a key list shows, without handing the caller every key (there may be 10,000s).
   */
  function pageOfKeys({
    teamId,
    first,
    after,
  }: {
    teamId?: string;
    first?: number;
    after?: string;
  }): ApiKeyRecord[] {
    const keys = [...keysById.values()]
      .filter((key) => !teamId || key.teamId === teamId)
      .sort(newestFirst);
    const start = after === undefined ? 0 : keys.findIndex((key) => key.id === after) + 1;
    if (start === 0 && after !== undefined) return [];
    return keys.slice(start, first === undefined ? undefined : start + first);
  }

  return {
    load,
    putTeam,
    putKey,
    onChange,
    findKeyByHash: (hash: string) => keysByHash.get(hash),
    key: (id: string) => keysById.get(id),
    team: (id: string) => teams.get(id),
    teamByName: (name: string) => [...teams.values()].find((team) => team.name === name),
    teams: () =>
      [...teams.values()].sort(
        (left, right) => left.createdAt.getTime() - right.createdAt.getTime(),
      ),
    keysOfTeam: (teamId: string) =>
      [...keysById.values()]
        .filter((key) => key.teamId === teamId)
        .sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime()),
    pageOfKeys,
  };
}

function newestFirst(left: ApiKeyRecord, right: ApiKeyRecord): number {
  return (
    right.createdAt.getTime() - left.createdAt.getTime() ||
    (right.id < left.id ? -1 : right.id > left.id ? 1 : 0)
  );
}

export type KeyDirectory = ReturnType<typeof createKeyDirectory>;

/** A model allow-list column (JSON array of names, or null for every model) as a list. */
export function modelListOf(value: unknown): string[] | null {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : null;
}

/**
 * The models a key may use: its own list and its team's both apply (a key narrows its team's
 * list, never widens it); null when neither restricts.
 */
export function allowedModelsOf(key: ApiKeyRecord, team: TeamRecord | undefined): string[] | null {
  const own = modelListOf(key.models);
  const inherited = team ? modelListOf(team.models) : null;
  if (!own) return inherited;
  if (!inherited) return own;
  return own.filter((model) => inherited.includes(model));
}
