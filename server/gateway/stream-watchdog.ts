import { UpstreamError } from "./errors.ts";
import type { RequestDeadline } from "./request-deadline.ts";

/**
 * The two stream timeouts of one upstream attempt (issue 6, `router.firstTokenTimeoutMs` and
 * `router.streamIdleTimeoutMs`): no first chunk within the first, or a gap between chunks longer
 * than the second, aborts the attempt with a retryable `timeout` UpstreamError. Before the first
 * chunk that fails over like any retryable failure; after it the caller already has tokens, so
 * the stream ends with that error. The request's own deadline (and the caller leaving) aborts
 * the attempt too, with its own reason.
 *
 * Only time spent waiting on the provider counts: while the caller is still taking a chunk (a
 * slow reader holding the relay on backpressure) the idle timer does not run, so a slow caller
 * is never blamed on the provider.
 */
export interface StreamWatchdog {
  /** The signal to give the adapter for this attempt. */
  signal: AbortSignal;
  /** A chunk arrived: the first-chunk timer gives way to the idle timer, which waits for `waitingForChunk`. */
  chunkArrived(): void;
  /** The relay asks the provider for the next chunk: the idle timer starts over from now. */
  waitingForChunk(): void;
  /** Stops the timer and unhooks the caller; call once the attempt has ended. */
  clear(): void;
}

export interface StreamWatchdogOptions {
  /** The request's deadline: its time running out, or the caller leaving, aborts the attempt. */
  deadline: RequestDeadline;
  /** The provider, for the error. */
  provider: string;
  firstChunkTimeoutMs: number;
  idleTimeoutMs: number;
}

/**
 * One AbortController and one timer per attempt: the timer is armed for whichever comes first,
 * the attempt's own timeout or the deadline, and the caller leaving is hooked straight to the
 * controller (`abortOnEnd`). Listening on the deadline's signal instead cost the deadline a
 * controller, a timer and a listener of its own on every stream (issue 16).
 */
export function createStreamWatchdog({
  deadline,
  provider,
  firstChunkTimeoutMs,
  idleTimeoutMs,
}: StreamWatchdogOptions): StreamWatchdog {
  const controller = new AbortController();
  let waitingForFirstChunk = true;
  let waiting = true;
  let timer: NodeJS.Timeout | undefined;
  /** Whether the armed timer is the deadline's rather than the attempt's own timeout. */
  let armedForDeadline = false;
  const expire = () => {
    if (armedForDeadline) {
      // The deadline is absolute: it ends the attempt whoever holds the stream.
      unhookCaller();
      deadline.expire();
      controller.abort(deadline.timeoutError());
      return;
    }
    // Fired while the caller, not the provider, held the stream: nothing to blame.
    if (!waiting) return;
    unhookCaller();
    const message = waitingForFirstChunk
      ? `${provider} sent no first chunk within ${firstChunkTimeoutMs} ms (router.firstTokenTimeoutMs).`
      : `${provider} sent nothing for ${idleTimeoutMs} ms in the middle of the stream (router.streamIdleTimeoutMs).`;
    controller.abort(new UpstreamError({ provider, kind: "timeout", message }));
  };
  const arm = (timeoutMs: number) => {
    const remainingMs = deadline.remainingMs();
    armedForDeadline = remainingMs <= timeoutMs;
    timer = setTimeout(expire, armedForDeadline ? remainingMs : timeoutMs);
    // The upstream socket keeps the process alive while a call is open; the timer need not.
    timer.unref();
  };
  // Aborts at once if the caller has gone or the time is up.
  const unhookCaller = deadline.abortOnEnd(controller);
  if (!controller.signal.aborted) arm(firstChunkTimeoutMs);

  return {
    signal: controller.signal,
    chunkArrived() {
      waiting = false;
      if (!waitingForFirstChunk || controller.signal.aborted) return;
      waitingForFirstChunk = false;
      clearTimeout(timer);
      arm(idleTimeoutMs);
    },
    waitingForChunk() {
      if (controller.signal.aborted) return;
      waiting = true;
      // The deadline's timer stands as it was set.
      if (armedForDeadline) return;
      if (deadline.remainingMs() > idleTimeoutMs) {
        // refresh() re-arms the same timer (even one that already fired): no allocation per chunk.
        timer!.refresh();
        return;
      }
      clearTimeout(timer);
      arm(idleTimeoutMs);
    },
    clear() {
      clearTimeout(timer);
      unhookCaller();
    },
  };
}
