import { UpstreamError } from "./errors.ts";
import type { RequestDeadline } from "./request-deadline.ts";

export interface AttemptTimeoutOptions {
  /**
   * The request's deadline (its total timeout and the caller): either ends the attempt with its
   * own reason.
   */
  deadline: RequestDeadline;
  /** The provider, for the error. */
  provider: string;
  /** `router.attemptTimeoutMs`. */
  timeoutMs: number;
}

/**
 * Runs one non-streaming upstream attempt (`router.attemptTimeoutMs`, issue 14.7) under its own
 * signal: past `timeoutMs` the attempt is aborted — which closes its socket — and fails with a
 * retryable `timeout` UpstreamError, so the attempt walk retries and falls back as after a 5xx.
 * The request's deadline still bounds the attempt: its one timer is set for whichever limit
 * comes first, and the caller leaving aborts it at once — with the deadline's own reasons, so
 * neither is retried. Streams have their own timers (stream-watchdog.ts).
 */
export async function withAttemptTimeout<Value>(
  { deadline, provider, timeoutMs }: AttemptTimeoutOptions,
  call: (signal: AbortSignal) => Promise<Value>,
): Promise<Value> {
  const controller = new AbortController();
  const remainingMs = deadline.remainingMs();
  // Made only if the timer fires: an Error captures a stack trace, too dear for every attempt.
  let attemptTimeout: UpstreamError | undefined;
  const timer = setTimeout(
    () => {
      if (timeoutMs < remainingMs) {
        attemptTimeout = new UpstreamError({
          provider,
          kind: "timeout",
          message: `${provider} did not answer within ${timeoutMs} ms (router.attemptTimeoutMs).`,
        });
        return controller.abort(attemptTimeout);
      }
      deadline.expire();
      controller.abort(deadline.timeoutError());
    },
    Math.min(timeoutMs, remainingMs),
  );
  // The upstream socket keeps the process alive while a call is open; the timer need not.
  timer.unref();
  const unhookCaller = deadline.abortOnEnd(controller);
  try {
    return await call(controller.signal);
  } catch (error) {
    // Whatever the adapter made of the abort, the attempt timed out: say so, retryably.
    if (attemptTimeout && controller.signal.reason === attemptTimeout) throw attemptTimeout;
    throw error;
  } finally {
    clearTimeout(timer);
    unhookCaller();
  }
}
