/*
 * The live tail's rows: newest first, at most `limit` of them (the page stays light however long
 * it is left open). While paused, arrivals wait aside (at most `limit` again, counting the ones
 * that did not fit) and join the rows on resume, so the rows stand still to be read.
 */

export const liveTailLimit = 100;

export interface LiveTailState<Entry> {
  /** Shown, newest first. */
  rows: readonly Entry[];
  paused: boolean;
  /** Arrived while paused, newest first, not shown yet. */
  pending: readonly Entry[];
  /** How many arrived while paused in all (more than `pending` holds when over the limit). */
  pendingCount: number;
}

/** `received` takes the entries in the order they arrived (oldest first), e.g. a batch flushed a few times a second. */
export type LiveTailAction<Entry> =
  | { type: "received"; entries: readonly Entry[] }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "clear" };

export function emptyLiveTail<Entry>(): LiveTailState<Entry> {
  return { rows: [], paused: false, pending: [], pendingCount: 0 };
}

/** `entries` (newest first) on top of `rows`, replacing rows with their ids (a feed may repeat one), keeping `limit`. */
export function prependCapped<Entry extends { id: string }>(
  rows: readonly Entry[],
  entries: readonly Entry[],
  limit = liveTailLimit,
): Entry[] {
  const ids = new Set(entries.map((entry) => entry.id));
  return [...entries, ...rows.filter((row) => !ids.has(row.id))].slice(0, limit);
}

export function liveTailReducer<Entry extends { id: string }>(
  state: LiveTailState<Entry>,
  action: LiveTailAction<Entry>,
  limit = liveTailLimit,
): LiveTailState<Entry> {
  switch (action.type) {
    case "received": {
      if (action.entries.length === 0) return state;
      const newestFirst = [...action.entries].reverse();
      if (state.paused)
        return {
          ...state,
          pending: prependCapped(state.pending, newestFirst, limit),
          pendingCount: state.pendingCount + action.entries.length,
        };
      return { ...state, rows: prependCapped(state.rows, newestFirst, limit) };
    }
    case "pause":
      return state.paused ? state : { ...state, paused: true };
    case "resume":
      return {
        rows: prependCapped(state.rows, state.pending, limit),
        paused: false,
        pending: [],
        pendingCount: 0,
      };
    case "clear":
      return { ...state, rows: [], pending: [], pendingCount: 0 };
  }
}
