/*
 * The dashboard's feeds (live logs, budget alerts) start again by themselves after a dropped
 * connection — unlike a completion stream, a feed loses nothing by being resubscribed — waiting
 * longer after each failure in a row. A refused key or a forbidden feed is final.
 */

/** Codes that the same subscription would get again. */
const finalCodes = new Set(["UNAUTHENTICATED", "FORBIDDEN", "BAD_REQUEST", "CANCELLED"]);

/** The wait before the `failures`-th attempt to start again (1-based): 1 s, 2 s, 4 s, … at most 30 s. */
export function retryDelayMs(
  failures: number,
  { baseMs = 1000, maxMs = 30_000 }: { baseMs?: number; maxMs?: number } = {},
): number {
  if (failures < 1) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

/** Whether a feed that failed with `code` should be started again. */
export function shouldRetryFeed(code: string | undefined): boolean {
  return !(code && finalCodes.has(code));
}
