import { keepPreviousData } from "@tanstack/react-query";
import { Fragment, useId, useMemo, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";
import { useSignedInSession } from "../app/session";
import { useClientQuery } from "../app/use-gateway-query";
import { EmptyState } from "../components/empty-state";
import { ErrorState } from "../components/error-state";
import { LoadingState } from "../components/loading-state";
import { PageHeader } from "../components/page-header";
import { Pager } from "../components/pager";
import type { AuditLogsQuery } from "@switchboard/client";
import { formatDateTime, localInputToIso } from "../lib/time";
import { auditDiff, countChanges, nanoUsdNote, type DiffLine } from "./audit/audit-diff";
import {
  auditFiltersToSearch,
  knownAuditActions,
  parseAuditFilters,
  toAuditLogFilter,
  type AuditFilters,
} from "./audit/audit-filters";
import { isoToLocalInput } from "./logs/log-filters";
import "./filters.css";
import "./audit/audit.css";
import { useCursorPages } from "../app/use-cursor-pages";

type AuditEntry = AuditLogsQuery["auditLogs"]["edges"][number]["node"];

const pageSize = 50;
const columnCount = 5;

const diffKindLabels: Record<DiffLine["kind"], string> = {
  added: "added",
  removed: "removed",
  changed: "changed",
  unchanged: "unchanged",
};

/** One side of a changed field, as JSON; nano-USD amounts also in dollars. */
function DiffValue({ path, value }: { path: string; value: string | undefined }) {
  if (value === undefined) return <span className="muted">—</span>;
  const dollars = nanoUsdNote(path, value);
  return (
    <>
      <code className="diff-value">{value}</code>
      {dollars && <span className="diff-note"> = {dollars}</span>}
    </>
  );
}

/** The entry's before and after, field by field, side by side. */
function AuditDiff({ entry }: { entry: AuditEntry }) {
  const lines = auditDiff(entry.before, entry.after);
  const [showUnchanged, setShowUnchanged] = useState(false);
  const unchanged = lines.length - countChanges(lines);
  const shown = showUnchanged ? lines : lines.filter((line) => line.kind !== "unchanged");
  if (lines.length === 0)
    return <p className="muted audit-diff-none">No before or after recorded.</p>;
  return (
    <div className="audit-diff" data-testid="audit-diff">
      <table className="audit-diff-table">
        <caption className="visually-hidden">
          Changes of {entry.action} on {entry.targetType} {entry.targetId}
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((line) => (
            <tr
              key={`${line.kind}:${line.path}`}
              className={`diff-${line.kind}`}
              data-kind={line.kind}
            >
              <th scope="row">
                <code>{line.path || "(value)"}</code>{" "}
                <span className="visually-hidden">{diffKindLabels[line.kind]}</span>
              </th>
              <td>
                <DiffValue path={line.path} value={line.before} />
              </td>
              <td>
                <DiffValue path={line.path} value={line.after} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {unchanged > 0 && (
        <button
          type="button"
          className="button-quiet"
          onClick={() => setShowUnchanged((value) => !value)}
        >
          {showUnchanged ? "Hide" : "Show"} {unchanged} unchanged{" "}
          {unchanged === 1 ? "field" : "fields"}
        </button>
      )}
    </div>
  );
}

function AuditRows({ entry }: { entry: AuditEntry }) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const changes = countChanges(auditDiff(entry.before, entry.after));
  return (
    <Fragment>
      <tr
        data-testid="audit-row"
        data-action={entry.action}
        className={open ? "audit-row audit-row-open" : "audit-row"}
      >
        <td>
          <span title={entry.at}>{formatDateTime(entry.at)}</span>
        </td>
        <td>
          {entry.actor.length > 24 ? (
            <code title={entry.actor}>{`${entry.actor.slice(0, 22)}…`}</code>
          ) : (
            entry.actor
          )}
        </td>
        <td>
          <code className="audit-action">{entry.action}</code>
        </td>
        <td>
          {entry.targetType || entry.targetId ? (
            <>
              {entry.targetType ?? "—"}
              {entry.targetId && <code className="cell-detail">{entry.targetId}</code>}
            </>
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="align-end">
          <button
            type="button"
            className="button-secondary audit-toggle"
            aria-expanded={open}
            aria-controls={detailsId}
            onClick={() => setOpen((value) => !value)}
          >
            {open ? "Hide changes" : changes > 0 ? `Show changes (${changes})` : "Show details"}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="audit-details-row" id={detailsId}>
          <td colSpan={columnCount}>
            <AuditDiff entry={entry} />
          </td>
        </tr>
      )}
    </Fragment>
  );
}

/** The filter form: applied on submit, so typing an id does not send a request per keystroke. */
function AuditFilterForm({
  filters,
  onApply,
}: {
  filters: AuditFilters;
  onApply(next: AuditFilters): void;
}) {
  const [draft, setDraft] = useState(() => ({
    action: filters.action ?? "",
    targetId: filters.targetId ?? "",
    from: isoToLocalInput(filters.from),
    to: isoToLocalInput(filters.to),
  }));
  const ids = { action: useId(), actions: useId(), targetId: useId(), from: useId(), to: useId() };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      action: draft.action.trim() || undefined,
      targetId: draft.targetId.trim() || undefined,
      from: localInputToIso(draft.from),
      to: localInputToIso(draft.to),
    });
  };
  const anyFilter = Boolean(filters.action || filters.targetId || filters.from || filters.to);
  return (
    <form className="audit-filters" aria-label="Filter the audit trail" onSubmit={submit}>
      <div className="filter-field">
        <label htmlFor={ids.action}>Action</label>
        <input
          id={ids.action}
          list={ids.actions}
          value={draft.action}
          onChange={(event) => setDraft({ ...draft, action: event.target.value })}
          placeholder="Any action"
          data-testid="filter-action"
        />
        <datalist id={ids.actions}>
          {knownAuditActions.map((action) => (
            <option key={action} value={action} />
          ))}
        </datalist>
      </div>
      <div className="filter-field">
        <label htmlFor={ids.targetId}>Target id</label>
        <input
          id={ids.targetId}
          value={draft.targetId}
          onChange={(event) => setDraft({ ...draft, targetId: event.target.value })}
          placeholder="A team's or key's id"
          data-testid="filter-target"
        />
      </div>
      <div className="filter-field">
        <label htmlFor={ids.from}>From</label>
        <input
          id={ids.from}
          type="datetime-local"
          value={draft.from}
          onChange={(event) => setDraft({ ...draft, from: event.target.value })}
          data-testid="filter-from"
        />
      </div>
      <div className="filter-field">
        <label htmlFor={ids.to}>To</label>
        <input
          id={ids.to}
          type="datetime-local"
          value={draft.to}
          onChange={(event) => setDraft({ ...draft, to: event.target.value })}
          data-testid="filter-to"
        />
      </div>
      <div className="filter-actions">
        <button type="submit" className="button-primary">
          Apply
        </button>
        <button
          type="button"
          className="button-quiet"
          onClick={() => onApply({})}
          disabled={!anyFilter}
        >
          Clear
        </button>
      </div>
    </form>
  );
}

/**
 * The audit trail (admin only), newest first, 50 a page (client.auditLogs: one request per page), with
 * its filters in the URL. Each entry opens to its before and after, field by field.
 */
export function AuditPage() {
  const { isAdmin } = useSignedInSession();
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => parseAuditFilters(searchParams), [searchParams]);
  const filterKey = auditFiltersToSearch(filters);
  const pages = useCursorPages(filterKey);
  const { after } = pages;
  const filter = useMemo(() => toAuditLogFilter(filters), [filters]);
  const query = useClientQuery(
    ["AuditLogs", { first: pageSize, after, filter }],
    (client, signal) => client.auditLogs({ first: pageSize, after, filter }, { signal }),
    { enabled: isAdmin, placeholderData: keepPreviousData },
  );

  if (!isAdmin) {
    return (
      <>
        <PageHeader title="Audit" />
        <EmptyState title="Only the admin can see the audit trail." testId="audit-admin-only">
          Sign in with the gateway's master key to see every admin change and failed sign-in.
        </EmptyState>
      </>
    );
  }

  const entries = query.data?.edges.map((edge) => edge.node) ?? [];
  const pageInfo = query.data?.pageInfo;
  const filtered = filterKey !== "";

  return (
    <>
      <PageHeader
        title="Audit"
        description="Every admin change, failed sign-in and budget alert, newest first. Secrets are never recorded."
      />
      <div className="card card-flush">
        {/* A new form when the URL's filters change (back, forward, Clear), so it shows them. */}
        <AuditFilterForm
          key={filterKey}
          filters={filters}
          onApply={(next) => setSearchParams(auditFiltersToSearch(next))}
        />
        {query.isPending ? (
          <LoadingState label="Loading the audit trail…" />
        ) : query.isError && !query.data ? (
          <div className="card-padding">
            <ErrorState
              error={query.error}
              title="Could not load the audit trail"
              onRetry={() => void query.refetch()}
            />
          </div>
        ) : entries.length === 0 ? (
          filtered ? (
            <div data-testid="audit-empty">
              <EmptyState
                title="No entries match these filters."
                testId="empty-state"
                action={
                  <button
                    type="button"
                    className="button-secondary"
                    onClick={() => setSearchParams("")}
                  >
                    Clear filters
                  </button>
                }
              />
            </div>
          ) : (
            <div data-testid="audit-empty">
              <EmptyState title="Nothing audited yet." testId="empty-state">
                Creating or changing a team, creating or revoking a key, a refused key and a budget
                passing 80% are all recorded here.
              </EmptyState>
            </div>
          )
        ) : (
          <>
            {query.isError && (
              <p className="inline-load-error" role="alert">
                Could not load this page: {query.error.message}
              </p>
            )}
            <div className="table-scroll">
              <table className="data-table audit-table">
                <caption className="visually-hidden">Audit trail, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Time</th>
                    <th scope="col">Actor</th>
                    <th scope="col">Action</th>
                    <th scope="col">Target</th>
                    <th scope="col" className="align-end">
                      <span className="visually-hidden">Changes</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <AuditRows key={entry.id} entry={entry} />
                  ))}
                </tbody>
              </table>
            </div>
          </>
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
      </div>
    </>
  );
}
