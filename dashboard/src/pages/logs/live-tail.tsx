import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { useSignedInSession } from "../../app/session";
import { EmptyState } from "../../components/empty-state";
import { useLiveFeed, type FeedStatus } from "../../live/use-live-feed";
import {
  emptyLiveTail,
  liveTailLimit,
  liveTailReducer,
  type LiveTailAction,
  type LiveTailState,
} from "./live-tail-buffer";
import { LogTable, type LogEntry } from "./log-table";

/** How long arrivals gather before they are shown together. */
const flushMs = 200;

function reducer(
  state: LiveTailState<LogEntry>,
  action: LiveTailAction<LogEntry>,
): LiveTailState<LogEntry> {
  return liveTailReducer(state, action);
}

/** Seconds until `at`, ticking, for "reconnecting in 4 s". */
function useSecondsUntil(at: number | undefined): number | undefined {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === undefined) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === undefined ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Whether the feed is connected, in words and a coloured dot; a way to reconnect when it is not.
 * The state is announced to screen readers; the countdown to the next try is not (it ticks).
 */
function FeedIndicator({
  status,
  paused,
  onReconnect,
}: {
  status: FeedStatus;
  paused: boolean;
  onReconnect(): void;
}) {
  const seconds = useSecondsUntil(status.state === "retrying" ? status.retryAt : undefined);
  const text =
    status.state === "live"
      ? paused
        ? "Connected · paused"
        : "Connected · live"
      : status.state === "connecting"
        ? "Connecting…"
        : status.state === "retrying"
          ? "Disconnected from the gateway."
          : `Disconnected: ${status.error.message}`;
  return (
    <span
      className={`feed-status feed-${status.state}`}
      data-testid="live-status"
      data-state={status.state}
      title={"error" in status ? status.error.message : undefined}
    >
      <span className="feed-dot" aria-hidden="true" />
      <span role="status">{text}</span>
      {status.state === "retrying" && (
        <span aria-hidden="true">Reconnecting in {seconds ?? 0} s</span>
      )}
      {(status.state === "retrying" || status.state === "stopped") && (
        <button type="button" className="button-quiet" onClick={onReconnect}>
          Reconnect now
        </button>
      )}
    </span>
  );
}

/**
 * Requests as they finish, from the requestLogged subscription (a team key gets its own team's):
 * newest on top, the newest 100 kept. Pausing holds new arrivals aside until resumed.
 */
export function LiveTail({
  onOpen,
  onEntries,
}: {
  onOpen(entry: LogEntry): void;
  onEntries?(entries: readonly LogEntry[]): void;
}) {
  const { client, isAdmin } = useSignedInSession();
  const [state, dispatch] = useReducer(reducer, undefined, () => emptyLiveTail<LogEntry>());
  const open = useCallback((signal: AbortSignal) => client.watchRequests({}, { signal }), [client]);
  const onEntriesRef = useRef(onEntries);
  onEntriesRef.current = onEntries;
  // A busy gateway logs hundreds of requests a second: arrivals are shown in batches, a few
  // times a second, instead of re-rendering the table for each one.
  const batch = useRef<LogEntry[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const onItem = useCallback((entry: LogEntry) => {
    batch.current.push(entry);
    flushTimer.current ??= setTimeout(() => {
      flushTimer.current = undefined;
      const entries = batch.current;
      batch.current = [];
      dispatch({ type: "received", entries });
      onEntriesRef.current?.(entries);
    }, flushMs);
  }, []);
  useEffect(
    () => () => {
      clearTimeout(flushTimer.current);
      flushTimer.current = undefined;
    },
    [],
  );
  const feed = useLiveFeed({ open, onItem, key: "request-logs" });

  return (
    <section
      className="card card-flush live-tail"
      aria-labelledby="live-heading"
      data-testid="live-tail"
    >
      <div className="card-header">
        <div className="live-title">
          <h2 id="live-heading" className="card-title">
            Live
          </h2>
          <FeedIndicator status={feed.status} paused={state.paused} onReconnect={feed.restart} />
        </div>
        <div className="live-actions">
          {state.paused && state.pendingCount > 0 && (
            <span className="muted" data-testid="live-pending">
              {state.pendingCount} new while paused
            </span>
          )}
          <button
            type="button"
            className="button-secondary"
            onClick={() => dispatch({ type: state.paused ? "resume" : "pause" })}
            aria-pressed={state.paused}
          >
            {state.paused ? "Resume" : "Pause"}
          </button>
          <button
            type="button"
            className="button-secondary"
            onClick={() => dispatch({ type: "clear" })}
            disabled={state.rows.length === 0 && state.pendingCount === 0}
          >
            Clear
          </button>
        </div>
      </div>
      {state.rows.length === 0 ? (
        <EmptyState title="Waiting for requests…" testId="live-empty">
          {isAdmin ? "Requests of every team" : "Your team's requests"} appear here as they finish,
          without reloading (the newest {liveTailLimit} are kept).
        </EmptyState>
      ) : (
        <div className="live-scroll">
          <LogTable
            caption="Requests as they finish, newest first"
            rows={state.rows}
            rowTestId="live-log-row"
            onOpen={onOpen}
          />
        </div>
      )}
    </section>
  );
}
