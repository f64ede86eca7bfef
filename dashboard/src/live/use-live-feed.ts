import { SwitchboardError } from "@switchboard/client";
import { useEffect, useRef, useState } from "react";
import { rejectedKeyMessage, useSignedInSession } from "../app/session";
import { retryDelayMs, shouldRetryFeed } from "./retry-delay";

/**
 * Where a feed stands. The client's subscriptions say nothing when their socket opens, so a feed
 * counts as live once it has delivered something, or has run for `connectGraceMs` without failing
 * (a refused or unreachable socket fails well within that on a gateway's loopback or LAN).
 */
export type FeedStatus =
  | { state: "connecting" }
  | { state: "live" }
  | { state: "retrying"; error: SwitchboardError; retryAt: number }
  | { state: "stopped"; error: SwitchboardError };

const connectGraceMs = 1500;

function asSwitchboardError(error: unknown): SwitchboardError {
  if (error instanceof SwitchboardError) return error;
  return new SwitchboardError(
    error instanceof Error ? error.message : String(error),
    "NETWORK_ERROR",
    { cause: error },
  );
}

/**
 * Runs a subscription from the signed-in client while the component is mounted (and `enabled`),
 * handing each result to `onItem`; starts it again with `key` (e.g. a team filter). A dropped
 * connection is retried with a growing wait; a refused key signs out; a forbidden feed stops.
 * Unmounting aborts it (the gateway ends the subscription).
 */
export function useLiveFeed<Item>({
  open,
  onItem,
  key,
  enabled = true,
}: {
  open: (signal: AbortSignal) => AsyncIterable<Item>;
  onItem: (item: Item) => void;
  key: string;
  enabled?: boolean;
}): { status: FeedStatus; restart(): void } {
  const { signOut } = useSignedInSession();
  const [status, setStatus] = useState<FeedStatus>({ state: "connecting" });
  const [restarts, setRestarts] = useState(0);
  // The latest callbacks, without restarting the feed whenever the page renders.
  const openRef = useRef(open);
  const onItemRef = useRef(onItem);
  const signOutRef = useRef(signOut);
  openRef.current = open;
  onItemRef.current = onItem;
  signOutRef.current = signOut;

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let failures = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    async function run(): Promise<void> {
      setStatus({ state: "connecting" });
      const graceTimer = setTimeout(() => {
        failures = 0;
        setStatus((current) => (current.state === "connecting" ? { state: "live" } : current));
      }, connectGraceMs);
      try {
        for await (const item of openRef.current(controller.signal)) {
          failures = 0;
          setStatus((current) => (current.state === "live" ? current : { state: "live" }));
          onItemRef.current(item);
        }
        throw new SwitchboardError("The gateway ended the feed.", "NETWORK_ERROR");
      } catch (caught) {
        if (controller.signal.aborted) return;
        const error = asSwitchboardError(caught);
        if (error.code === "UNAUTHENTICATED") {
          signOutRef.current(rejectedKeyMessage);
          return;
        }
        if (!shouldRetryFeed(error.code)) {
          setStatus({ state: "stopped", error });
          return;
        }
        failures += 1;
        const delay = retryDelayMs(failures);
        setStatus({ state: "retrying", error, retryAt: Date.now() + delay });
        retryTimer = setTimeout(() => void run(), delay);
      } finally {
        clearTimeout(graceTimer);
      }
    }

    void run();
    return () => {
      controller.abort();
      clearTimeout(retryTimer);
    };
  }, [key, enabled, restarts]);

  return { status, restart: () => setRestarts((count) => count + 1) };
}
