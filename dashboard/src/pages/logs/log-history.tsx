import { keepPreviousData } from "@tanstack/react-query";
import { useId, useMemo, type ReactNode } from "react";
import { useClientQuery } from "../../app/use-gateway-query";
import { EmptyState } from "../../components/empty-state";
import { ErrorState } from "../../components/error-state";
import { LoadingState } from "../../components/loading-state";
import { Pager } from "../../components/pager";
import type { RequestStatus } from "@switchboard/client";
import type { LogFilterChoicesQuery, LogKeyChoicesQuery } from "../../generated/graphql";
import { localInputToIso } from "../../lib/time";
import {
  hasLogFilters,
  isoToLocalInput,
  logFiltersToSearch,
  statusOptions,
  toRequestLogFilter,
  type LogFilters,
} from "./log-filters";
import { LogTable, type LogEntry } from "./log-table";
import { useCursorPages } from "../../app/use-cursor-pages";

export const historyPageSize = 50;
/** LogKeyChoices asks for this many of a team's keys (newest first). */
const keyChoicesLimit = 100;

interface FilterChoices {
  teams: LogFilterChoicesQuery["teams"];
  models: LogFilterChoicesQuery["models"];
  keys: LogKeyChoicesQuery["apiKeys"] | undefined;
  keysLoading: boolean;
}

/** A labelled control in the filter bar. */
function FilterField({ label, children }: { label: string; children(id: string): ReactNode }) {
  const id = useId();
  return (
    <div className="filter-field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

function FilterBar({
  filters,
  onChange,
  isAdmin,
  choices,
}: {
  filters: LogFilters;
  onChange(next: LogFilters): void;
  isAdmin: boolean;
  choices: FilterChoices | undefined;
}) {
  const update = (patch: Partial<LogFilters>) => onChange({ ...filters, ...patch });
  const modelNames = useMemo(() => {
    const names = new Set(choices?.models.map((model) => model.name));
    // A model named in a shared link stays choosable even when it is not configured any more.
    if (filters.model) names.add(filters.model);
    return [...names].sort((left, right) => left.localeCompare(right));
  }, [choices?.models, filters.model]);

  return (
    <form
      className="log-filters"
      aria-label="Filter the history"
      onSubmit={(event) => event.preventDefault()}
    >
      {isAdmin && (
        <FilterField label="Team">
          {(id) => (
            <select
              id={id}
              value={filters.teamId ?? ""}
              onChange={(event) =>
                update({ teamId: event.target.value || undefined, apiKeyId: undefined })
              }
              data-testid="filter-team"
            >
              <option value="">All teams</option>
              {filters.teamId && !choices?.teams.some((team) => team.id === filters.teamId) && (
                <option value={filters.teamId}>{filters.teamId}</option>
              )}
              {choices?.teams.map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
          )}
        </FilterField>
      )}
      {isAdmin && filters.teamId && (
        <FilterField label="Key">
          {(id) => (
            <select
              id={id}
              value={filters.apiKeyId ?? ""}
              onChange={(event) => update({ apiKeyId: event.target.value || undefined })}
              disabled={choices?.keysLoading}
              data-testid="filter-key"
            >
              <option value="">{choices?.keysLoading ? "Loading keys…" : "All keys"}</option>
              {filters.apiKeyId && !choices?.keys?.some((key) => key.id === filters.apiKeyId) && (
                <option value={filters.apiKeyId}>{filters.apiKeyId}</option>
              )}
              {choices?.keys?.map((key) => (
                <option key={key.id} value={key.id}>
                  {key.name} ({key.prefix}){key.revokedAt ? " · revoked" : ""}
                </option>
              ))}
              {choices?.keys?.length === keyChoicesLimit && (
                <option disabled value="-">
                  (the team's newest {keyChoicesLimit} keys)
                </option>
              )}
            </select>
          )}
        </FilterField>
      )}
      <FilterField label="Model">
        {(id) => (
          <select
            id={id}
            value={filters.model ?? ""}
            onChange={(event) => update({ model: event.target.value || undefined })}
            data-testid="filter-model"
          >
            <option value="">All models</option>
            {modelNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        )}
      </FilterField>
      <FilterField label="Status">
        {(id) => (
          <select
            id={id}
            value={filters.status ?? ""}
            onChange={(event) =>
              update({ status: (event.target.value || undefined) as RequestStatus | undefined })
            }
            data-testid="filter-status"
          >
            <option value="">All</option>
            {statusOptions.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </FilterField>
      <FilterField label="From">
        {(id) => (
          <input
            id={id}
            type="datetime-local"
            value={isoToLocalInput(filters.from)}
            onChange={(event) => update({ from: localInputToIso(event.target.value) })}
            data-testid="filter-from"
          />
        )}
      </FilterField>
      <FilterField label="To">
        {(id) => (
          <input
            id={id}
            type="datetime-local"
            value={isoToLocalInput(filters.to)}
            onChange={(event) => update({ to: localInputToIso(event.target.value) })}
            data-testid="filter-to"
          />
        )}
      </FilterField>
      <div className="filter-actions">
        <button
          type="button"
          className="button-quiet"
          onClick={() => onChange({})}
          disabled={!hasLogFilters(filters)}
        >
          Clear filters
        </button>
      </div>
    </form>
  );
}

/**
 * Past requests, newest first, 50 a page (client.requestLogs: one request per page), filtered by what the
 * URL says. Next follows the page's end cursor; Previous walks back a stack of them, which starts
 * over whenever the filters change.
 */
export function LogHistory({
  filters,
  onFiltersChange,
  isAdmin,
  choices,
  onOpen,
  liveArrivals,
}: {
  filters: LogFilters;
  onFiltersChange(next: LogFilters): void;
  isAdmin: boolean;
  choices: FilterChoices | undefined;
  onOpen(entry: LogEntry): void;
  liveArrivals: readonly number[];
}) {
  const filterKey = logFiltersToSearch(filters);
  const pages = useCursorPages(filterKey);
  const { after } = pages;
  const filter = useMemo(() => toRequestLogFilter(filters, { isAdmin }), [filters, isAdmin]);
  const query = useClientQuery(
    ["RequestLogs", { first: historyPageSize, after, filter }],
    (client, signal) => client.requestLogs({ first: historyPageSize, after, filter }, { signal }),
    { placeholderData: keepPreviousData },
  );
  const rows = useMemo(() => query.data?.edges.map((edge) => edge.node) ?? [], [query.data]);
  const pageInfo = query.data?.pageInfo;
  const filtered = hasLogFilters(filters);
  // Requests the live feed saw finish after this page was loaded: the first page is then behind.
  const newSinceLoad =
    pages.page === 1 && query.dataUpdatedAt
      ? liveArrivals.filter((at) => at > query.dataUpdatedAt).length
      : 0;

  return (
    <section
      className="card card-flush log-history"
      aria-labelledby="history-heading"
      data-testid="log-history"
    >
      <div className="card-header">
        <h2 id="history-heading" className="card-title">
          History
        </h2>
        <div className="live-actions">
          {query.isFetching && !query.isPending ? (
            <span className="muted">Loading…</span>
          ) : (
            newSinceLoad > 0 && (
              <span className="muted" data-testid="history-behind">
                {newSinceLoad} {newSinceLoad === 1 ? "request" : "requests"} finished since this
                page loaded
              </span>
            )
          )}
          <button
            type="button"
            className={newSinceLoad > 0 ? "button-primary" : "button-secondary"}
            onClick={() => void query.refetch()}
            disabled={query.isFetching}
          >
            Refresh
          </button>
        </div>
      </div>
      <FilterBar filters={filters} onChange={onFiltersChange} isAdmin={isAdmin} choices={choices} />
      {query.isPending ? (
        <LoadingState label="Loading requests…" />
      ) : query.isError && !query.data ? (
        <div className="card-padding">
          <ErrorState
            error={query.error}
            title="Could not load the request history"
            onRetry={() => void query.refetch()}
          />
        </div>
      ) : (
        <>
          {query.isError && (
            <p className="inline-load-error" role="alert">
              Could not load this page: {query.error.message}
            </p>
          )}
          {rows.length === 0 ? (
            filtered ? (
              <EmptyState
                title="No requests match these filters."
                testId="log-history-empty"
                action={
                  <button
                    type="button"
                    className="button-secondary"
                    onClick={() => onFiltersChange({})}
                  >
                    Clear filters
                  </button>
                }
              />
            ) : (
              <EmptyState title="No requests logged yet." testId="log-history-empty">
                Every request through the gateway (REST, GraphQL or the SDK) is logged with its
                tokens, cost and attempts — never its text. New ones also show in Live above.
              </EmptyState>
            )
          ) : (
            <LogTable
              caption="Request history, newest first"
              rows={rows}
              rowTestId="log-row"
              onOpen={onOpen}
            />
          )}
          {(pages.hasPrevious || pageInfo?.hasNextPage) && (
            <Pager
              page={pages.page}
              hasPrevious={pages.hasPrevious}
              hasNext={Boolean(pageInfo?.hasNextPage && pageInfo.endCursor)}
              busy={query.isFetching}
              onPrevious={pages.previous}
              onNext={() => pages.next(pageInfo?.endCursor)}
            />
          )}
        </>
      )}
    </section>
  );
}
