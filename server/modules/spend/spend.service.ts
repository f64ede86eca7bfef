import type {
  RequestLogFilter,
  RequestLogRepository,
  SpendGroupBy,
} from "../../storage/request-log-repository.ts";

/** Spend totals and the request log, read from the database (written by the batched log writer). */
export function createSpendService({ requestLogs }: { requestLogs: RequestLogRepository }) {
  return {
    spend: (groupBy: SpendGroupBy, filter?: RequestLogFilter) => requestLogs.spend(groupBy, filter),
    listRequestLogs: requestLogs.list,
  };
}
