import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createStreamWatchdog } from "../../server/gateway/stream-watchdog.ts";

describe("stream watchdog", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function watch(requestSignal = new AbortController().signal) {
    return createStreamWatchdog({
      signal: requestSignal,
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
  });
});
