import { LRUCache } from "lru-cache";

export interface AuthFailureThrottleOptions {
  /** Audit rows per source per minute; failures past it are counted, not written. */
  perSourcePerMinute?: number;
  /** Audit rows per minute from every source together: bounds a flood of ever-new keys. */
  totalPerMinute?: number;
  /** Sources remembered (least recently seen forgotten first). */
  maxSources?: number;
  now?: () => number;
}

/** Whether to write this failure's audit row, and how many of the source's failures went unwritten since its last row. */
export type ThrottleDecision = { record: true; suppressedBefore: number } | { record: false };

interface SourceWindow {
  windowStartMs: number;
  rows: number;
  /** Failures not written since this source's last row. */
  suppressed: number;
}

const windowMs = 60_000;

/**
 * Keeps `auth.failure` audit rows from growing the database without bound (issue 14.4): at
 * most `perSourcePerMinute` rows per source and `totalPerMinute` in all, in fixed one-minute
 * windows. A source's next row says how many of its failures were left out before it, and
 * `counts()` has every failure for metrics, so nothing goes unseen — only unwritten.
 */
export function createAuthFailureThrottle({
  perSourcePerMinute = 5,
  totalPerMinute = 60,
  maxSources = 10_000,
  now = Date.now,
}: AuthFailureThrottleOptions = {}) {
  const sources = new LRUCache<string, SourceWindow>({ max: maxSources });
  let total: Omit<SourceWindow, "suppressed"> = { windowStartMs: -Infinity, rows: 0 };
  let failures = 0;
  let suppressedFailures = 0;

  return {
    /** Counts one failure from `source` and says whether its audit row is written. */
    admit(source: string): ThrottleDecision {
      const currentMs = now();
      failures += 1;
      if (currentMs - total.windowStartMs >= windowMs)
        total = { windowStartMs: currentMs, rows: 0 };
      let window = sources.get(source);
      if (!window)
        sources.set(source, (window = { windowStartMs: currentMs, rows: 0, suppressed: 0 }));
      if (currentMs - window.windowStartMs >= windowMs) {
        window.windowStartMs = currentMs;
        window.rows = 0;
      }
      if (window.rows >= perSourcePerMinute || total.rows >= totalPerMinute) {
        window.suppressed += 1;
        suppressedFailures += 1;
        return { record: false };
      }
      window.rows += 1;
      total.rows += 1;
      const suppressedBefore = window.suppressed;
      window.suppressed = 0;
      return { record: true, suppressedBefore };
    },
    /** Every failure seen, and those whose audit row was not written. */
    counts(): { failures: number; suppressed: number } {
      return { failures, suppressed: suppressedFailures };
    },
    /** Sources remembered right now (at most maxSources). */
    sourceCount(): number {
      return sources.size;
    },
  };
}

export type AuthFailureThrottle = ReturnType<typeof createAuthFailureThrottle>;
