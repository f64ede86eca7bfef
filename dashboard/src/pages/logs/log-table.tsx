import type { ReactNode } from "react";
import { useNow } from "../../app/use-now";
import type { RequestLogFieldsFragment, RequestStatus } from "@switchboard/client";
import { formatCount } from "../../lib/chart-data";
import { formatUsd } from "../../lib/money";
import { formatDateTime } from "../../lib/time";
import { formatMilliseconds } from "../models/model-format";
import { formatLogTime } from "./log-format";

/** A request log as the Logs page shows it (history rows and live feed entries have this shape). */
export type LogEntry = RequestLogFieldsFragment;

const statusLabels: Record<RequestStatus, string> = {
  SUCCESS: "Success",
  ERROR: "Error",
  CANCELLED: "Cancelled",
  CACHE_HIT: "Cache hit",
};

/** A request's status as a coloured word (the word carries it; the colour only helps). */
export function RequestStatusBadge({
  status,
  errorCode,
}: {
  status: RequestStatus;
  errorCode?: string | null;
}) {
  return (
    <span
      className={`badge badge-request-${status.toLowerCase()}`}
      data-testid="request-status"
      data-status={status}
      title={errorCode ?? undefined}
    >
      {statusLabels[status] ?? status}
    </span>
  );
}

/** "1a2b3c4d…" for an id the page has no name for (the full id on hover). */
export function ShortId({ id }: { id: string }) {
  return (
    <code className="short-id" title={id}>
      {id.length > 12 ? `${id.slice(0, 10)}…` : id}
    </code>
  );
}

/** The request's team by name (the gateway names it on each row); its id when the team is gone. */
export function TeamName({ entry }: { entry: LogEntry }) {
  if (!entry.teamId) return <span className="muted">—</span>;
  return entry.team ? (
    <span title={entry.teamId}>{entry.team.name}</span>
  ) : (
    <ShortId id={entry.teamId} />
  );
}

/** The request's key by name, its visible prefix on hover. */
export function KeyName({ entry }: { entry: LogEntry }) {
  if (!entry.apiKeyId)
    return (
      <span className="muted" title="No team key: the master key, or authentication off">
        —
      </span>
    );
  return entry.apiKey ? (
    <span title={`${entry.apiKey.prefix}… (${entry.apiKeyId})`}>{entry.apiKey.name}</span>
  ) : (
    <ShortId id={entry.apiKeyId} />
  );
}

export function Tokens({ entry }: { entry: LogEntry }) {
  return (
    <>
      {formatCount(entry.promptTokens)} / {formatCount(entry.completionTokens)}
      {entry.usageEstimated && (
        <abbr
          className="estimated"
          title="The provider reported no usage: tokens and cost are estimates"
        >
          {" "}
          est.
        </abbr>
      )}
    </>
  );
}

interface LogColumn {
  header: ReactNode;
  align?: "end";
  cell(entry: LogEntry, context: { now: Date; open(): void }): ReactNode;
}

const columns: readonly LogColumn[] = [
  {
    header: "Time",
    cell: (entry, { now, open }) => (
      <button
        type="button"
        className="row-open"
        onClick={(event) => {
          event.stopPropagation();
          open();
        }}
        title={`${formatDateTime(entry.createdAt)}: show this request's details and attempts`}
      >
        {formatLogTime(entry.createdAt, { now })}
      </button>
    ),
  },
  {
    header: "Status",
    cell: (entry) => <RequestStatusBadge status={entry.status} errorCode={entry.errorCode} />,
  },
  { header: "Model", cell: (entry) => <span className="log-model">{entry.requestedModel}</span> },
  {
    header: "Provider / deployment",
    cell: (entry) =>
      entry.provider || entry.deployment ? (
        <>
          {entry.provider ?? "—"}
          {entry.deployment && <span className="cell-detail">{entry.deployment}</span>}
        </>
      ) : (
        <span className="muted">—</span>
      ),
  },
  { header: "Team", cell: (entry) => <TeamName entry={entry} /> },
  { header: "Key", cell: (entry) => <KeyName entry={entry} /> },
  {
    header: <span title="Prompt / completion tokens">Tokens</span>,
    align: "end",
    cell: (entry) => <Tokens entry={entry} />,
  },
  { header: "Cost", align: "end", cell: (entry) => formatUsd(entry.costUsd) },
  { header: "Latency", align: "end", cell: (entry) => formatMilliseconds(entry.latencyMs) },
  {
    header: <abbr title="Time to first token (streams)">TTFT</abbr>,
    align: "end",
    cell: (entry) => formatMilliseconds(entry.timeToFirstTokenMs),
  },
  { header: "Source", cell: (entry) => entry.source },
  { header: "Stream", cell: (entry) => (entry.stream ? "Yes" : "No") },
];

/**
 * Request logs as a table; a click on a row (or its time, by keyboard) opens its details.
 * Used by both the live tail and the history, so they read the same.
 */
export function LogTable({
  caption,
  rows,
  rowTestId,
  onOpen,
}: {
  caption: string;
  rows: readonly LogEntry[];
  rowTestId: string;
  onOpen(entry: LogEntry): void;
}) {
  const now = useNow();
  return (
    <div className="table-scroll">
      <table className="data-table log-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column, index) => (
              <th
                key={index}
                scope="col"
                className={column.align === "end" ? "align-end" : undefined}
              >
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((entry) => (
            <tr
              key={entry.id}
              data-testid={rowTestId}
              data-log-id={entry.id}
              className={`log-row log-row-${entry.status.toLowerCase()}`}
              onClick={() => onOpen(entry)}
            >
              {columns.map((column, index) => (
                <td key={index} className={column.align === "end" ? "align-end" : undefined}>
                  {column.cell(entry, { now, open: () => onOpen(entry) })}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
