import { describe, expect, it } from "vitest";
import { withAttemptTimeout } from "../../server/gateway/attempt-timeout.ts";
import { UpstreamError } from "../../server/gateway/errors.ts";
import { createRequestDeadline } from "../../server/gateway/request-deadline.ts";

/** An upstream call that never answers: it fails with its signal's reason once aborted. */
const hangingCall = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
  );

describe("createRequestDeadline", () => {
  it("aborts with the caller's own reason when the caller goes away", () => {
    const caller = new AbortController();
    const deadline = createRequestDeadline({
      caller: { signal: caller.signal },
      timeoutMs: 60_000,
    });
    const reason = new Error("client closed");
    caller.abort(reason);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.signal.reason).toBe(reason);
    deadline.clear();
  });

  it("aborts with a TimeoutError when the time is up", async () => {
    const deadline = createRequestDeadline({ timeoutMs: 20 });
    await new Promise((resolve) => deadline.signal.addEventListener("abort", resolve));
    expect(deadline.signal.reason).toMatchObject({ name: "TimeoutError" });
  });

  it("is already aborted when the caller already was", () => {
    const caller = new AbortController();
    caller.abort("gone");
    expect(
      createRequestDeadline({ caller: { signal: caller.signal }, timeoutMs: 60_000 }).signal.reason,
    ).toBe("gone");
  });

  it("fires nothing after clear()", async () => {
    const caller = new AbortController();
    const deadline = createRequestDeadline({ caller: { signal: caller.signal }, timeoutMs: 20 });
    deadline.clear();
    caller.abort();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadline.signal.aborted).toBe(false);
  });
});

describe("createRequestDeadline's signal, made when first asked for", () => {
  it("is already aborted with a TimeoutError when first asked for after the time is up", async () => {
    const deadline = createRequestDeadline({ timeoutMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(deadline.remainingMs()).toBe(0);
    expect(deadline.signal.reason).toMatchObject({ name: "TimeoutError" });
  });

  it("aborts at once when expire() says a timer for the rest of the time fired", () => {
    const deadline = createRequestDeadline({ timeoutMs: 60_000 });
    const signal = deadline.signal;
    expect(signal.aborted).toBe(false);
    deadline.expire();
    expect(signal.reason).toMatchObject({ name: "TimeoutError" });
    expect(deadline.remainingMs()).toBe(0);
  });
});

describe("withAttemptTimeout within a request's deadline", () => {
  it("fails retryably with the attempt timeout when it comes first", async () => {
    const deadline = createRequestDeadline({ timeoutMs: 60_000 });
    const attempt = withAttemptTimeout(
      { deadline, provider: "openai", timeoutMs: 20 },
      hangingCall,
    );
    await expect(attempt).rejects.toBeInstanceOf(UpstreamError);
    await expect(attempt).rejects.toMatchObject({
      message: expect.stringContaining("attemptTimeoutMs"),
    });
    expect(deadline.signal.aborted).toBe(false);
    deadline.clear();
  });

  it("ends with the deadline's TimeoutError when the deadline comes first, and the deadline is up", async () => {
    const deadline = createRequestDeadline({ timeoutMs: 20 });
    const attempt = withAttemptTimeout(
      { deadline, provider: "openai", timeoutMs: 60_000 },
      hangingCall,
    );
    await expect(attempt).rejects.toMatchObject({ name: "TimeoutError" });
    // A walk that now asks whether to retry sees the request's time is up.
    expect(deadline.signal.aborted).toBe(true);
  });

  it("ends with the caller's reason when the caller leaves", async () => {
    const caller = new AbortController();
    const deadline = createRequestDeadline({
      caller: { signal: caller.signal },
      timeoutMs: 60_000,
    });
    const attempt = withAttemptTimeout(
      { deadline, provider: "openai", timeoutMs: 60_000 },
      hangingCall,
    );
    const reason = new Error("client closed");
    caller.abort(reason);
    await expect(attempt).rejects.toBe(reason);
    deadline.clear();
  });
});
