import { UpstreamError } from "./errors.ts";

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
  /** Stops the timer and unhooks the request's signal; call once the attempt has ended. */
  clear(): void;
}

export interface StreamWatchdogOptions {
  /** The request's signal (deadline and caller). */
  signal: AbortSignal;
  /** The provider, for the error. */
  provider: string;
  firstChunkTimeoutMs: number;
  idleTimeoutMs: number;
}

export function createStreamWatchdog({
  signal: requestSignal,
  provider,
  firstChunkTimeoutMs,
  idleTimeoutMs,
}: StreamWatchdogOptions): StreamWatchdog {
  const controller = new AbortController();
  let waitingForFirstChunk = true;
  let waiting = true;
  const onRequestAbort = () => {
    clearTimeout(timer);
    controller.abort(requestSignal.reason);
  };
  const expire = () => {
    // Fired while the caller, not the provider, held the stream: nothing to blame.
    if (!waiting) return;
    requestSignal.removeEventListener("abort", onRequestAbort);
    const message = waitingForFirstChunk
      ? `${provider} sent no first chunk within ${firstChunkTimeoutMs} ms (router.firstTokenTimeoutMs).`
      : `${provider} sent nothing for ${idleTimeoutMs} ms in the middle of the stream (router.streamIdleTimeoutMs).`;
    controller.abort(new UpstreamError({ provider, kind: "timeout", message }));
  };
  let timer = setTimeout(expire, firstChunkTimeoutMs);
  // The upstream socket keeps the process alive while a call is open; the timer need not.
  timer.unref();
  if (requestSignal.aborted) onRequestAbort();
  else requestSignal.addEventListener("abort", onRequestAbort, { once: true });

  return {
    signal: controller.signal,
    chunkArrived() {
      waiting = false;
      if (!waitingForFirstChunk || controller.signal.aborted) return;
      waitingForFirstChunk = false;
      clearTimeout(timer);
      timer = setTimeout(expire, idleTimeoutMs);
      timer.unref();
    },
    waitingForChunk() {
      if (controller.signal.aborted) return;
      waiting = true;
      // refresh() re-arms the same timer (even one that already fired): no allocation per chunk.
      timer.refresh();
    },
    clear() {
      clearTimeout(timer);
      requestSignal.removeEventListener("abort", onRequestAbort);
    },
  };
}
