import { describe, expect, it } from "vitest";
import { createAuthFailureThrottle } from "../../server/modules/audit/auth-failure-throttle.ts";

describe("auth.failure audit throttle", () => {
  it("writes a few rows per source a minute, then the next row says how many were left out", () => {
    let clockMs = 0;
    const throttle = createAuthFailureThrottle({ perSourcePerMinute: 2, now: () => clockMs });
    const decisions = Array.from({ length: 5 }, () => throttle.admit("sk-sb-abc"));
    expect(decisions.map((decision) => decision.record)).toEqual([true, true, false, false, false]);
    expect(throttle.admit("sk-sb-other")).toEqual({ record: true, suppressedBefore: 0 });
    clockMs = 60_000;
    expect(throttle.admit("sk-sb-abc")).toEqual({ record: true, suppressedBefore: 3 });
    expect(throttle.counts()).toEqual({ failures: 7, suppressed: 3 });
  });

  it("caps rows from every source together, so ever-new keys cannot grow the log", () => {
    let clockMs = 0;
    const throttle = createAuthFailureThrottle({
      totalPerMinute: 10,
      maxSources: 50,
      now: () => clockMs,
    });
    const recorded = Array.from({ length: 1_000 }, (_, index) =>
      throttle.admit(`key-${index}`),
    ).filter((decision) => decision.record);
    expect(recorded).toHaveLength(10);
    expect(throttle.sourceCount()).toBe(50);
    clockMs = 60_000;
    expect(throttle.admit("key-new").record).toBe(true);
    expect(throttle.counts()).toEqual({ failures: 1_001, suppressed: 990 });
  });
});
