import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createRequestDeadline } from "../../server/gateway/request-deadline.ts";
import { createStreamWatchdog } from "../../server/gateway/stream-watchdog.ts";

describe("stream watchdog", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function watch(
    requestSignal = new AbortController().signal,
    deadline = createRequestDeadline({ caller: { signal: requestSignal }, timeoutMs: 60_000 }),
  ) {
    return createStreamWatchdog({
      deadline,
      provider: "anthropic",
      firstChunkTimeoutMs: 1_000,
      idleTimeoutMs: 300,
    });
  }

  it("aborts with a retryable timeout when no first chunk arrives in time", () => {
    const watchdog = watch();
    vi.advanceTimersByTime(999);
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watchdog.signal.reason).toBeInstanceOf(UpstreamError);
    expect(watchdog.signal.reason).toMatchObject({
      kind: "timeout",
      isRetryable: true,
      status: 504,
      message: "anthropic sent no first chunk within 1000 ms (router.firstTokenTimeoutMs).",
    });
  });

  it("after the first chunk, counts only the time spent waiting on the provider", () => {
    const watchdog = watch();
    vi.advanceTimersByTime(900);
    watchdog.chunkArrived();
    // The caller takes its time with the chunk: not the provider's silence.
    vi.advanceTimersByTime(5_000);
    expect(watchdog.signal.aborted).toBe(false);
    watchdog.waitingForChunk();
    vi.advanceTimersByTime(299);
    watchdog.chunkArrived();
    watchdog.waitingForChunk();
    vi.advanceTimersByTime(299);
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watchdog.signal.reason).toMatchObject({
      kind: "timeout",
      message:
        "anthropic sent nothing for 300 ms in the middle of the stream (router.streamIdleTimeoutMs).",
    });
  });

  it("passes the request's own abort on with its reason, and stays quiet once cleared", () => {
    const request = new AbortController();
    const aborted = watch(request.signal);
    const reason = new Error("caller left");
    request.abort(reason);
    expect(aborted.signal.reason).toBe(reason);

    const cleared = watch();
    cleared.clear();
    vi.advanceTimersByTime(10_000);
    expect(cleared.signal.aborted).toBe(false);
    // Unhooked from the caller too.
    const left = new AbortController();
    const unhooked = watch(left.signal);
    unhooked.clear();
    left.abort(reason);
    expect(unhooked.signal.aborted).toBe(false);
  });

  it("ends at the deadline when it comes before the attempt's own timeout, even while the caller holds the stream", () => {
    const signal = new AbortController().signal;
    const deadline = createRequestDeadline({ caller: { signal }, timeoutMs: 1_500 });
    const watchdog = watch(signal, deadline);
    vi.advanceTimersByTime(900);
    watchdog.chunkArrived();
    // Idle timer (300 ms) first, while the deadline is 600 ms away.
    watchdog.waitingForChunk();
    vi.advanceTimersByTime(250);
    watchdog.chunkArrived();
    watchdog.waitingForChunk();
    vi.advanceTimersByTime(250);
    watchdog.chunkArrived();
    // 100 ms left: the deadline's timer now, and the caller holding the stream does not stop it.
    watchdog.waitingForChunk();
    watchdog.chunkArrived();
    vi.advanceTimersByTime(99);
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watchdog.signal.reason).toBeInstanceOf(DOMException);
    expect(watchdog.signal.reason).toMatchObject({ name: "TimeoutError" });
    expect(deadline.remainingMs()).toBe(0);
  });

  it("aborts at once when the caller has already gone or the deadline is already up", () => {
    const request = new AbortController();
    const reason = new Error("caller left");
    request.abort(reason);
    expect(watch(request.signal).signal.reason).toBe(reason);

    const signal = new AbortController().signal;
    const deadline = createRequestDeadline({ caller: { signal }, timeoutMs: 100 });
    vi.advanceTimersByTime(100);
    expect(watch(signal, deadline).signal.reason).toMatchObject({ name: "TimeoutError" });
  });
});
