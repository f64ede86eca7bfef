import { describe, expect, it } from "vitest";
import { createRequestDeadline } from "../../server/gateway/request-deadline.ts";

describe("createRequestDeadline", () => {
  it("aborts with the caller's own reason when the caller goes away", () => {
    const caller = new AbortController();
    const deadline = createRequestDeadline({ callerSignal: caller.signal, timeoutMs: 60_000 });
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
      createRequestDeadline({ callerSignal: caller.signal, timeoutMs: 60_000 }).signal.reason,
    ).toBe("gone");
  });

  it("fires nothing after clear()", async () => {
    const caller = new AbortController();
    const deadline = createRequestDeadline({ callerSignal: caller.signal, timeoutMs: 20 });
    deadline.clear();
    caller.abort();
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(deadline.signal.aborted).toBe(false);
  });
});
