import { GatewayError } from "../../gateway/errors.ts";
import type {
  RequestLogRepository,
  SpendFilter,
  SpendGroupBy,
  SpendRow,
} from "../../storage/request-log-repository.ts";
import { mergeSpendRows } from "../../storage/spend-rollups.ts";
import { logsKeptFrom, splitSpendRange } from "./spend-ranges.ts";

export interface SpendServiceOptions {
  requestLogs: RequestLogRepository;
  now?: () => number;
  /** `retention.requestLogsDays`: logs before that are pruned, so part-days there cannot be read. */
  requestLogsDays?: number;
}

/**
 * Spend totals and the request log, read from the database (written by the batched log writer).
 * Spend comes from the daily rollups for whole UTC days and from the logs for part-days, so a
 * month at ten million logs is still a few hundred rows and pruned logs change no total.
 */
export function createSpendService({
  requestLogs,
  now = Date.now,
  requestLogsDays = 90,
}: SpendServiceOptions) {
  async function spend(groupBy: SpendGroupBy, filter: SpendFilter = {}): Promise<SpendRow[]> {
    const { days, partial } = splitSpendRange(filter.from, filter.to);
    const keptFrom = logsKeptFrom(now(), requestLogsDays);
    for (const range of partial)
      if (range.from < keptFrom) {
        const param = range.from === filter.from ? "from" : "to";
        throw new GatewayError(
          "BAD_REQUEST",
          `Spend before ${keptFrom.toISOString()} is kept per UTC day only (request logs older than retention.requestLogsDays = ${requestLogsDays} are pruned): give \`${param}\` at midnight UTC.`,
          { param },
        );
      }
    const lists = await Promise.all([
      days ? requestLogs.spendFromDays(groupBy, { teamId: filter.teamId, ...days }) : [],
      ...partial.map((range) =>
        requestLogs.spendFromLogs(groupBy, { teamId: filter.teamId, ...range }),
      ),
    ]);
    return mergeSpendRows(...lists);
  }

  return {
    spend,
    listRequestLogs: requestLogs.list,
    /** The stored prompts and answers of these requests (none unless `logging.storeBodies`). */
    findBodies: requestLogs.findBodies,
  };
}
