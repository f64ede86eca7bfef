import { useCallback, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { useSignedInSession } from "../app/session";
import { useGatewayQuery } from "../app/use-gateway-query";
import { PageHeader } from "../components/page-header";
import { LogFilterChoicesDocument, LogKeyChoicesDocument } from "../generated/graphql";
import { LiveTail } from "./logs/live-tail";
import { LogDetails } from "./logs/log-details";
import { logFiltersToSearch, parseLogFilters, type LogFilters } from "./logs/log-filters";
import { LogHistory } from "./logs/log-history";
import type { LogEntry } from "./logs/log-table";
import "./filters.css";
import "./logs/logs.css";

/**
 * Requests as they finish (the requestLogged subscription) above their filtered, paginated
 * history (client.requestLogs, one request per page). The filters live in the URL; the Team and Model
 * choices come in one small request (LogFilterChoices), a chosen team's keys in another
 * (LogKeyChoices, admin only). A row of either opens its details and attempts.
 */
export function LogsPage() {
  const { isAdmin } = useSignedInSession();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => parseLogFilters(searchParams), [searchParams]);
  const [selected, setSelected] = useState<LogEntry>();

  const choicesQuery = useGatewayQuery(LogFilterChoicesDocument, {}, { staleTime: 60_000 });
  const keysQuery = useGatewayQuery(
    LogKeyChoicesDocument,
    { teamId: filters.teamId ?? "" },
    { enabled: isAdmin && Boolean(filters.teamId), staleTime: 60_000 },
  );

  const choices = choicesQuery.data && {
    teams: choicesQuery.data.teams,
    models: choicesQuery.data.models,
    keys: keysQuery.data?.apiKeys,
    keysLoading: keysQuery.isFetching && !keysQuery.data,
  };

  // When the live feed saw requests finish (capped), so the history can say it is behind.
  const [liveArrivals, setLiveArrivals] = useState<readonly number[]>([]);
  const onLiveEntries = useCallback(
    (entries: readonly LogEntry[]) =>
      setLiveArrivals((arrivals) => [...arrivals, ...entries.map(() => Date.now())].slice(-200)),
    [],
  );

  // A team key's teams are its own (me.name is the key's name, not the team's).
  const ownTeam = isAdmin ? undefined : choicesQuery.data?.teams[0];

  const setFilters = useCallback(
    (next: LogFilters) => setSearchParams(logFiltersToSearch(next)),
    [setSearchParams],
  );

  return (
    <>
      <PageHeader
        title="Logs"
        description={
          isAdmin
            ? "Every team's requests as they finish, and their history. Open a request to see its attempts."
            : `Your team's requests${ownTeam ? ` (${ownTeam.name})` : ""} as they finish, and their history. Open a request to see its attempts.`
        }
      />
      <LiveTail onOpen={setSelected} onEntries={onLiveEntries} />
      <LogHistory
        filters={filters}
        onFiltersChange={setFilters}
        isAdmin={isAdmin}
        choices={choices}
        onOpen={setSelected}
        liveArrivals={liveArrivals}
      />
      {selected && <LogDetails entry={selected} onClose={() => setSelected(undefined)} />}
    </>
  );
}
