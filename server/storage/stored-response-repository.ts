import type { PrismaClient } from "./db.ts";
import { storableJson } from "./sql-values.ts";

/*
 * Responses API answers kept for `previous_response_id`, GET and DELETE /v1/responses/{id}
 * (`store: true`). Each belongs to the team whose key made it (none for the master key); a
 * lookup names the team it may see, so another team's id is simply not found.
 */

export interface StoredResponse {
  id: string;
  createdAt: Date;
  teamId?: string;
  apiKeyId?: string;
  requestId: string;
  model: string;
  /** The whole conversation the response answered, as input items. */
  input: unknown[];
  /** The Response object as answered. */
  response: Record<string, unknown>;
}

/** Who looks: a team key sees its team's responses; the master key (teamId undefined) those without a team. */
export interface StoredResponseScope {
  teamId?: string;
}

export function createStoredResponseRepository(prisma: PrismaClient) {
  /** Keeps one response (JSON made storable on both databases: no NUL characters). */
  async function save(stored: StoredResponse): Promise<void> {
    const output = Array.isArray(stored.response.output)
      ? (stored.response.output as Array<{ id?: unknown }>)
      : [];
    // Output item ids, unique within the response (an id the upstream repeated is indexed once).
    const itemIds = [
      ...new Set(output.flatMap((item) => (typeof item.id === "string" ? [item.id] : []))),
    ];
    const createResponse = prisma.storedResponse.create({
      data: {
        id: stored.id,
        createdAt: stored.createdAt,
        teamId: stored.teamId ?? null,
        apiKeyId: stored.apiKeyId ?? null,
        requestId: stored.requestId,
        model: stored.model,
        input: JSON.parse(storableJson(stored.input)),
        response: JSON.parse(storableJson(stored.response)),
      },
    });
    const createItems = prisma.storedResponseItem.createMany({
      data: itemIds.map((id) => ({
        id,
        responseId: stored.id,
        teamId: stored.teamId ?? null,
        createdAt: stored.createdAt,
      })),
    });
    await prisma.$transaction([createResponse, createItems]);
  }

  /**
   * The output item with this id from the newest stored response `scope` may see that has it
   * (what an `item_reference` input item names); undefined when there is none.
   */
  async function findItem(
    itemId: string,
    scope: StoredResponseScope,
  ): Promise<Record<string, unknown> | undefined> {
    const index = await prisma.storedResponseItem.findFirst({
      where: { id: itemId, teamId: scope.teamId ?? null },
      orderBy: { createdAt: "desc" },
    });
    if (!index) return undefined;
    const stored = await find(index.responseId, scope);
    const output = (stored?.response.output ?? []) as Array<Record<string, unknown>>;
    return output.find((item) => item.id === itemId);
  }

  /** The response with this id if `scope` may see it. */
  async function find(id: string, scope: StoredResponseScope): Promise<StoredResponse | undefined> {
    const row = await prisma.storedResponse.findFirst({
      where: { id, teamId: scope.teamId ?? null },
    });
    if (!row) return undefined;
    return {
      id: row.id,
      createdAt: row.createdAt,
      teamId: row.teamId ?? undefined,
      apiKeyId: row.apiKeyId ?? undefined,
      requestId: row.requestId,
      model: row.model,
      input: row.input as unknown[],
      response: row.response as Record<string, unknown>,
    };
  }

  /** Deletes it if `scope` may see it; whether it was there. */
  async function remove(id: string, scope: StoredResponseScope): Promise<boolean> {
    const where = { teamId: scope.teamId ?? null };
    const [{ count }] = await prisma.$transaction([
      prisma.storedResponse.deleteMany({ where: { id, ...where } }),
      prisma.storedResponseItem.deleteMany({ where: { responseId: id, ...where } }),
    ]);
    return count > 0;
  }

  return { save, find, findItem, remove };
}

export type StoredResponseRepository = ReturnType<typeof createStoredResponseRepository>;
