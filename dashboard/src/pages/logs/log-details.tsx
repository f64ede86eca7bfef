import type { ReactNode } from "react";
import { Modal } from "../../components/modal";
import { formatCount } from "../../lib/chart-data";
import { formatUsd } from "../../lib/money";
import { formatDateTime } from "../../lib/time";
import { formatMilliseconds } from "../models/model-format";
import { attemptTable } from "./attempts";
import { KeyName, RequestStatusBadge, TeamName, type LogEntry } from "./log-table";

function Fact({
  label,
  children,
  wide = false,
}: {
  label: string;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <div className={wide ? "fact fact-wide" : "fact"}>
      <dt>{label}</dt>
      <dd>{children ?? <span className="muted">—</span>}</dd>
    </div>
  );
}

function orDash(value: string | number | null | undefined): ReactNode {
  return value === null || value === undefined || value === "" ? (
    <span className="muted">—</span>
  ) : (
    value
  );
}

function Attempts({ attempts }: { attempts: unknown }) {
  const table = attemptTable(attempts);
  if (table.rows.length === 0) {
    return (
      <p className="muted" data-testid="log-attempts">
        No upstream attempt is recorded for this request (it was refused before routing, or answered
        from the cache).
      </p>
    );
  }
  return (
    <div className="table-scroll attempts-scroll" data-testid="log-attempts">
      <table className="data-table attempts-table">
        <caption className="visually-hidden">
          Upstream attempts, in the order they were tried
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            {table.columns.map((column) => (
              <th key={column.key} scope="col">
                {column.heading}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.number} data-testid="log-attempt">
              <td>{row.number}</td>
              {table.columns.map((column) => (
                <td key={column.key}>
                  {column.key === "status" && row.status ? (
                    <span
                      className={`badge badge-attempt badge-attempt-${row.status.toLowerCase()}`}
                    >
                      {row.cells[column.key]}
                    </span>
                  ) : (
                    row.cells[column.key] || <span className="muted">—</span>
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Metadata({ metadata }: { metadata: unknown }) {
  if (
    metadata === null ||
    metadata === undefined ||
    (typeof metadata === "object" && Object.keys(metadata).length === 0)
  )
    return <p className="muted">None.</p>;
  return <pre className="json-block">{JSON.stringify(metadata, null, 2)}</pre>;
}

/** Everything the gateway logged about one request, its error and its upstream attempts. */
export function LogDetails({ entry, onClose }: { entry: LogEntry; onClose(): void }) {
  const failed =
    (entry.status !== "SUCCESS" && entry.status !== "CACHE_HIT") ||
    entry.errorCode ||
    entry.errorMessage;
  return (
    <Modal title={`Request to ${entry.requestedModel}`} onClose={onClose} testId="log-details" wide>
      <div className="log-details">
        <p className="log-details-summary">
          <RequestStatusBadge status={entry.status} errorCode={entry.errorCode} />{" "}
          <span title={entry.createdAt}>{formatDateTime(entry.createdAt)}</span>
        </p>
        {failed && (
          <section className="log-error" aria-label="Error" data-testid="log-error">
            <dl className="facts">
              <Fact label="Error code">{orDash(entry.errorCode)}</Fact>
              <Fact label="HTTP status">{orDash(entry.httpStatus)}</Fact>
            </dl>
            {entry.errorMessage && <p className="error-message">{entry.errorMessage}</p>}
          </section>
        )}
        <dl className="facts">
          <Fact label="Request id" wide>
            <code className="wrap-anywhere">{entry.id}</code>
          </Fact>
          <Fact label="Requested model">{entry.requestedModel}</Fact>
          <Fact label="Served by model">{orDash(entry.model)}</Fact>
          <Fact label="Provider">{orDash(entry.provider)}</Fact>
          <Fact label="Deployment">{orDash(entry.deployment)}</Fact>
          <Fact label="Team">
            <TeamName entry={entry} />
          </Fact>
          <Fact label="Key">
            <KeyName entry={entry} />
          </Fact>
          <Fact label="Source">{entry.source}</Fact>
          <Fact label="Stream">{entry.stream ? "Yes" : "No"}</Fact>
          {!failed && <Fact label="HTTP status">{orDash(entry.httpStatus)}</Fact>}
          <Fact label="Cost">
            {formatUsd(entry.costUsd)}
            {entry.usageEstimated && <span className="cell-detail">estimated</span>}
          </Fact>
          <Fact label="Prompt tokens">{formatCount(entry.promptTokens)}</Fact>
          <Fact label="Completion tokens">{formatCount(entry.completionTokens)}</Fact>
          <Fact label="Cached tokens">{formatCount(entry.cachedTokens)}</Fact>
          <Fact label="Reasoning tokens">{formatCount(entry.reasoningTokens)}</Fact>
          <Fact label="Usage">
            {entry.usageEstimated
              ? "Estimated (the provider reported none)"
              : "Reported by the provider"}
          </Fact>
          <Fact label="Latency">{formatMilliseconds(entry.latencyMs)}</Fact>
          <Fact label="Time to first token">{formatMilliseconds(entry.timeToFirstTokenMs)}</Fact>
        </dl>
        <h3 className="details-heading">Attempts</h3>
        <Attempts attempts={entry.attempts} />
        <h3 className="details-heading">Metadata</h3>
        <Metadata metadata={entry.metadata} />
        <p className="small-print">
          The gateway logs what a request did, never its prompt or completion text.
        </p>
      </div>
    </Modal>
  );
}
