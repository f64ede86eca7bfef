import { describe, expect, it } from "vitest";
import { logsKeptFrom, splitSpendRange } from "../../server/modules/spend/spend-ranges.ts";

const at = (iso: string) => new Date(iso);

describe("splitting a spend range into whole UTC days (rollups) and part-days (logs)", () => {
  it("reads midnight-to-midnight ranges, and open ones, from the rollups alone", () => {
    expect(splitSpendRange(at("2026-06-01T00:00:00Z"), at("2026-06-03T00:00:00Z"))).toEqual({
      days: { fromDay: "2026-06-01", toDay: "2026-06-03" },
      partial: [],
    });
    expect(splitSpendRange()).toEqual({
      days: { fromDay: undefined, toDay: undefined },
      partial: [],
    });
    expect(splitSpendRange(at("2026-06-01T00:00:00Z"))).toEqual({
      days: { fromDay: "2026-06-01", toDay: undefined },
      partial: [],
    });
  });

  it("reads the edges of a range that does not start or end at midnight from the logs", () => {
    expect(splitSpendRange(at("2026-06-01T06:00:00Z"), at("2026-06-03T12:00:00Z"))).toEqual({
      days: { fromDay: "2026-06-02", toDay: "2026-06-03" },
      partial: [
        { from: at("2026-06-01T06:00:00Z"), to: at("2026-06-02T00:00:00Z") },
        { from: at("2026-06-03T00:00:00Z"), to: at("2026-06-03T12:00:00Z") },
      ],
    });
    // Only part-days, no whole day between them.
    expect(splitSpendRange(at("2026-06-01T06:00:00Z"), at("2026-06-02T12:00:00Z"))).toEqual({
      days: undefined,
      partial: [
        { from: at("2026-06-01T06:00:00Z"), to: at("2026-06-02T00:00:00Z") },
        { from: at("2026-06-02T00:00:00Z"), to: at("2026-06-02T12:00:00Z") },
      ],
    });
    expect(splitSpendRange(undefined, at("2026-06-02T12:00:00Z"))).toEqual({
      days: { fromDay: undefined, toDay: "2026-06-02" },
      partial: [{ from: at("2026-06-02T00:00:00Z"), to: at("2026-06-02T12:00:00Z") }],
    });
  });

  it("keeps a range inside one day whole, and an empty or reversed range empty", () => {
    const within = { from: at("2026-06-01T06:00:00Z"), to: at("2026-06-01T07:00:00Z") };
    expect(splitSpendRange(within.from, within.to)).toEqual({ partial: [within] });
    expect(splitSpendRange(within.to, within.from)).toEqual({ partial: [] });
    expect(splitSpendRange(within.from, within.from)).toEqual({ partial: [] });
  });

  it("keeps logs from midnight UTC `days` days before today", () => {
    expect(logsKeptFrom(Date.parse("2026-06-12T12:00:00Z"), 7)).toEqual(at("2026-06-05T00:00:00Z"));
    expect(logsKeptFrom(Date.parse("2026-06-12T00:00:00Z"), 1)).toEqual(at("2026-06-11T00:00:00Z"));
  });
});
