import type { Prisma } from "../generated/sqlite/client.ts";
import type { PrismaClient } from "./db.ts";
import type { RequestLogEntry } from "./log-writer.ts";

/** Filters shared by the request log listing and spend queries. */
export interface RequestLogFilter {
  model?: string;
  provider?: string;
  status?: RequestLogEntry["status"];
  teamId?: string;
  apiKeyId?: string;
  from?: Date;
  to?: Date;
}

export type SpendGroupBy = "TEAM" | "API_KEY" | "MODEL" | "PROVIDER" | "DAY";

export interface SpendRow {
  key: string | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costNanoUsd: bigint;
}

const groupColumn = {
  TEAM: "teamId",
  API_KEY: "apiKeyId",
  MODEL: "requestedModel",
  PROVIDER: "provider",
  DAY: "day",
} as const;

/** Reads and writes RequestLog rows; the only code that knows their table shape. */
export function createRequestLogRepository(prisma: PrismaClient) {
  function whereFor(filter: RequestLogFilter = {}) {
    return {
      requestedModel: filter.model,
      provider: filter.provider,
      status: filter.status,
      teamId: filter.teamId,
      apiKeyId: filter.apiKeyId,
      createdAt: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
    };
  }

  /** One insert for a whole batch (called by the log writer, never per request). */
  async function insertMany(entries: RequestLogEntry[]): Promise<void> {
    await prisma.requestLog.createMany({
      data: entries.map((entry) => ({
        ...entry,
        day: entry.createdAt.toISOString().slice(0, 10),
        attempts: entry.attempts as Prisma.InputJsonValue,
        metadata: entry.metadata as Prisma.InputJsonValue | undefined,
      })),
    });
  }

  /**
   * Newest first, continuing after the row `after` (cursor = row id). `inverted` walks the
   * other way from `before` (backwards pagination); the connection helper re-reverses it.
   */
  async function list({ filter, limit, after, before, inverted = false }: { filter?: RequestLogFilter; limit: number; after?: string; before?: string; inverted?: boolean }) {
    const direction = inverted ? "asc" : "desc";
    const cursorId = inverted ? before : after;
    return prisma.requestLog.findMany({
      where: whereFor(filter),
      orderBy: [{ createdAt: direction }, { id: direction }],
      take: limit,
      ...(cursorId ? { cursor: { id: cursorId }, skip: 1 } : {}),
    });
  }

  async function spend(groupBy: SpendGroupBy, filter?: RequestLogFilter): Promise<SpendRow[]> {
    const column = groupColumn[groupBy];
    // Prisma types groupBy per literal column; the column varies at run time, the shape does not.
    const groups = await prisma.requestLog.groupBy({
      by: [column] as ["requestedModel"],
      where: whereFor(filter),
      _sum: { costNanoUsd: true, promptTokens: true, completionTokens: true },
      _count: { _all: true },
    });
    return groups
      .map((group) => ({
        key: (group as Record<string, unknown>)[column] as string | null,
        requests: group._count._all,
        promptTokens: group._sum.promptTokens ?? 0,
        completionTokens: group._sum.completionTokens ?? 0,
        costNanoUsd: group._sum.costNanoUsd ?? 0n,
      }))
      .sort((left, right) => (left.key ?? "").localeCompare(right.key ?? ""));
  }

  return { insertMany, list, spend };
}

export type RequestLogRepository = ReturnType<typeof createRequestLogRepository>;
export type RequestLogRow = Awaited<ReturnType<RequestLogRepository["list"]>>[number];
