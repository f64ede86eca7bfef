import type { PrismaClient } from "./db.ts";

/** A client or the transaction an admin change runs in: audit entries are written inside it. */
export type PrismaTransaction = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

export interface AuditEntry {
  actor: string;
  action: string;
  targetType?: string;
  targetId?: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditLogFilter {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: Date;
  to?: Date;
}

export interface AuditLogRecord {
  id: string;
  at: Date;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
}

/**
 * The audit trail (DESIGN §6): written in the same transaction as the change it records;
 * listed newest first with an opaque cursor (the entry's id, ties broken by time).
 */
export function createAuditLogRepository(prisma: PrismaClient) {
  /** Writes one entry with `client` (the change's transaction, or the plain client for events such as auth failures). */
  async function record(
    client: PrismaTransaction | PrismaClient,
    entry: AuditEntry,
    at: Date,
  ): Promise<void> {
    await client.auditLog.create({
      data: { ...entry, at, before: toJson(entry.before), after: toJson(entry.after) },
    });
  }

  async function list({
    first,
    after,
    filter = {},
  }: {
    first: number;
    after?: string;
    filter?: AuditLogFilter;
  }): Promise<{ records: AuditLogRecord[]; hasNextPage: boolean }> {
    const where = {
      ...(filter.actor ? { actor: filter.actor } : {}),
      ...(filter.action ? { action: filter.action } : {}),
      ...(filter.targetType ? { targetType: filter.targetType } : {}),
      ...(filter.targetId ? { targetId: filter.targetId } : {}),
      ...(filter.from || filter.to
        ? {
            at: {
              ...(filter.from ? { gte: filter.from } : {}),
              ...(filter.to ? { lt: filter.to } : {}),
            },
          }
        : {}),
    };
    const rows = await prisma.auditLog.findMany({
      where,
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: first + 1,
      ...(after ? { cursor: { id: after }, skip: 1 } : {}),
    });
    return { records: rows.slice(0, first) as AuditLogRecord[], hasNextPage: rows.length > first };
  }

  return { record, list };
}

export type AuditLogRepository = ReturnType<typeof createAuditLogRepository>;

/** JSON for a snapshot: BigInt money becomes its decimal string, Dates ISO strings; undefined stays absent. */
function toJson(value: unknown): never {
  if (value === undefined) return undefined as never;
  return JSON.parse(
    JSON.stringify(value, (_key, item) => (typeof item === "bigint" ? item.toString() : item)),
  ) as never;
}
