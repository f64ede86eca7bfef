import { UpstreamError } from "./errors.ts";

export interface AttemptTimeoutOptions {
  /** The request's signal (its total deadline and the caller): aborting it aborts the attempt with its own reason. */
  signal: AbortSignal;
  /** The provider, for the error. */
  provider: string;
  /** `router.attemptTimeoutMs`. */
  timeoutMs: number;
}

/**
 * Runs one non-streaming upstream attempt (`router.attemptTimeoutMs`, issue 14.7) under its own
 * signal: past `timeoutMs` the attempt is aborted — which closes its socket — and fails with a
 * retryable `timeout` UpstreamError, so the attempt walk retries and falls back as after a 5xx.
 * The request's deadline still bounds the whole walk: whichever fires first wins.
 * Streams have their own timers (stream-watchdog.ts).
 */
export async function withAttemptTimeout<Value>(
  { signal: requestSignal, provider, timeoutMs }: AttemptTimeoutOptions,
  call: (signal: AbortSignal) => Promise<Value>,
): Promise<Value> {
  const controller = new AbortController();
  const onRequestAbort = () => controller.abort(requestSignal.reason);
  const timer = setTimeout(
    () =>
      controller.abort(
        new UpstreamError({
          provider,
          kind: "timeout",
          message: `${provider} did not answer within ${timeoutMs} ms (router.attemptTimeoutMs).`,
        }),
      ),
    timeoutMs,
  );
  // The upstream socket keeps the process alive while a call is open; the timer need not.
  timer.unref();
  if (requestSignal.aborted) onRequestAbort();
  else requestSignal.addEventListener("abort", onRequestAbort, { once: true });
  try {
    return await call(controller.signal);
  } catch (error) {
    // Whatever the adapter made of the abort, the attempt timed out: say so, retryably.
    if (controller.signal.aborted && !requestSignal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
    requestSignal.removeEventListener("abort", onRequestAbort);
  }
}
