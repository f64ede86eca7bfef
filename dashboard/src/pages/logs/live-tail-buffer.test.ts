import { describe, expect, it } from "vitest";
import {
  emptyLiveTail,
  liveTailReducer,
  prependCapped,
  type LiveTailState,
} from "./live-tail-buffer";

type Entry = { id: string };
const entry = (id: string | number): Entry => ({ id: String(id) });
const ids = (rows: readonly Entry[]) => rows.map((row) => row.id);

describe("prependCapped", () => {
  it("puts new entries on top and keeps the newest `limit`", () => {
    expect(ids(prependCapped([entry(2), entry(1)], [entry(3)], 2))).toEqual(["3", "2"]);
    expect(ids(prependCapped([entry(1)], [entry(3), entry(2)], 5))).toEqual(["3", "2", "1"]);
  });

  it("does not show an entry twice", () => {
    expect(ids(prependCapped([entry(2), entry(1)], [entry(1)], 5))).toEqual(["1", "2"]);
  });
});

describe("liveTailReducer", () => {
  it("keeps the newest 100 rows by default", () => {
    let state: LiveTailState<Entry> = emptyLiveTail();
    for (let index = 1; index <= 150; index++)
      state = liveTailReducer(state, { type: "received", entries: [entry(index)] });
    expect(state.rows).toHaveLength(100);
    expect(state.rows[0]).toEqual(entry(150));
    expect(state.rows[99]).toEqual(entry(51));
  });

  it("holds arrivals aside while paused and shows them on resume", () => {
    let state = liveTailReducer(emptyLiveTail<Entry>(), { type: "received", entries: [entry(1)] });
    state = liveTailReducer(state, { type: "pause" });
    state = liveTailReducer(state, { type: "received", entries: [entry(2)] });
    state = liveTailReducer(state, { type: "received", entries: [entry(3)] });
    expect(ids(state.rows)).toEqual(["1"]);
    expect(ids(state.pending)).toEqual(["3", "2"]);
    expect(state.pendingCount).toBe(2);
    state = liveTailReducer(state, { type: "resume" });
    expect(state).toEqual({
      rows: [entry(3), entry(2), entry(1)],
      paused: false,
      pending: [],
      pendingCount: 0,
    });
  });

  it("caps what waits while paused but counts everything that arrived", () => {
    let state = liveTailReducer(emptyLiveTail<Entry>(), { type: "pause" });
    for (let index = 1; index <= 5; index++)
      state = liveTailReducer(state, { type: "received", entries: [entry(index)] }, 3);
    expect(ids(state.pending)).toEqual(["5", "4", "3"]);
    expect(state.pendingCount).toBe(5);
    state = liveTailReducer(state, { type: "resume" }, 3);
    expect(ids(state.rows)).toEqual(["5", "4", "3"]);
  });

  it("takes a batch in arrival order, the last to arrive on top", () => {
    let state = liveTailReducer(emptyLiveTail<Entry>(), {
      type: "received",
      entries: [entry(1), entry(2)],
    });
    state = liveTailReducer(
      state,
      { type: "received", entries: [entry(3), entry(4), entry(5)] },
      4,
    );
    expect(ids(state.rows)).toEqual(["5", "4", "3", "2"]);
    state = liveTailReducer(state, { type: "pause" });
    state = liveTailReducer(state, { type: "received", entries: [entry(6), entry(7)] }, 4);
    expect(ids(state.pending)).toEqual(["7", "6"]);
    expect(state.pendingCount).toBe(2);
    expect(liveTailReducer(state, { type: "received", entries: [] })).toBe(state);
  });

  it("clears the rows and what waits, staying paused or not", () => {
    let state = liveTailReducer(emptyLiveTail<Entry>(), { type: "received", entries: [entry(1)] });
    state = liveTailReducer(state, { type: "pause" });
    state = liveTailReducer(state, { type: "received", entries: [entry(2)] });
    expect(liveTailReducer(state, { type: "clear" })).toEqual({
      rows: [],
      paused: true,
      pending: [],
      pendingCount: 0,
    });
  });
});
