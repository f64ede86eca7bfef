import { describe, expect, it } from "vitest";
import { auditDiff, countChanges, nanoUsdNote } from "./audit-diff";

describe("auditDiff", () => {
  it("lists a team update field by field, nested fields by path", () => {
    const before = {
      name: "search",
      models: ["gpt-4o", "claude"],
      budget: { limitUsd: "10", period: "MONTHLY" },
      limits: { rpm: 60 },
    };
    const after = {
      name: "search",
      models: ["gpt-4o"],
      budget: { limitUsd: "25", period: "MONTHLY" },
      limits: { rpm: 60, tpm: 1000 },
    };
    expect(auditDiff(before, after)).toEqual([
      { path: "name", kind: "unchanged", before: '"search"', after: '"search"' },
      { path: "models", kind: "changed", before: '["gpt-4o","claude"]', after: '["gpt-4o"]' },
      { path: "budget.limitUsd", kind: "changed", before: '"10"', after: '"25"' },
      { path: "budget.period", kind: "unchanged", before: '"MONTHLY"', after: '"MONTHLY"' },
      { path: "limits.rpm", kind: "unchanged", before: "60", after: "60" },
      { path: "limits.tpm", kind: "added", after: "1000" },
    ]);
  });

  it("shows fields that went away, and a field that became null or an object", () => {
    expect(
      auditDiff(
        { budget: { limitUsd: "5" }, note: "x", models: null },
        { budget: null, models: { only: ["a"] } },
      ),
    ).toEqual([
      { path: "budget", kind: "changed", before: '{"limitUsd":"5"}', after: "null" },
      { path: "models", kind: "changed", before: "null", after: '{"only":["a"]}' },
      { path: "note", kind: "removed", before: '"x"' },
    ]);
  });

  it("makes every field added for a creation and removed for a deletion", () => {
    expect(auditDiff(null, { id: "k1", budget: { limitUsd: "1" }, revokedAt: null })).toEqual([
      { path: "id", kind: "added", after: '"k1"' },
      { path: "budget.limitUsd", kind: "added", after: '"1"' },
      { path: "revokedAt", kind: "added", after: "null" },
    ]);
    expect(auditDiff({ id: "k1" }, undefined)).toEqual([
      { path: "id", kind: "removed", before: '"k1"' },
    ]);
    expect(auditDiff(null, null)).toEqual([]);
  });

  it("compares snapshots that are not objects whole", () => {
    expect(auditDiff("on", "off")).toEqual([
      { path: "", kind: "changed", before: '"on"', after: '"off"' },
    ]);
    expect(auditDiff(null, ["a"])).toEqual([{ path: "", kind: "added", after: '["a"]' }]);
  });
});

describe("countChanges", () => {
  it("counts what is not unchanged", () => {
    expect(countChanges(auditDiff({ a: 1, b: 2, c: 3 }, { a: 1, b: 3, d: 4 }))).toBe(3);
  });
});

describe("nanoUsdNote", () => {
  it("reads nano-USD snapshot fields as dollars", () => {
    expect(nanoUsdNote("budget.limitNanoUsd", '"2000000"')).toBe("$0.002");
    expect(nanoUsdNote("spentNanoUsd", "12500000000")).toBe("$12.50");
  });

  it("leaves other fields and other values alone", () => {
    expect(nanoUsdNote("budget.limitUsd", '"2"')).toBeUndefined();
    expect(nanoUsdNote("budget.limitNanoUsd", "null")).toBeUndefined();
    expect(nanoUsdNote("budget.limitNanoUsd", undefined)).toBeUndefined();
  });
});
