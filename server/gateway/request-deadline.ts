/**
 * One AbortController per request that fires when the caller goes away or the configured
 * timeout passes. Cheaper than `AbortSignal.any([caller, AbortSignal.timeout(ms)])`, which the
 * benchmark measured at ~40 µs of CPU per request on Node 20 against ~1 µs for this.
 */
export interface RequestDeadline {
  signal: AbortSignal;
  /** Stops the timer and unhooks the caller's signal; call once the request has ended. */
  clear(): void;
}

export function createRequestDeadline({
  callerSignal,
  timeoutMs,
}: {
  callerSignal?: AbortSignal;
  timeoutMs: number;
}): RequestDeadline {
  const controller = new AbortController();
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException(`The provider did not answer within ${timeoutMs} ms.`, "TimeoutError"),
      ),
    timeoutMs,
  );
  // The upstream socket keeps the process alive while a call is open; the timer need not.
  timer.unref();
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}
