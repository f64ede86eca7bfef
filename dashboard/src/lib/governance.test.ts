import { describe, expect, it } from "vitest";
import {
  emptyGovernanceForm,
  formatBudgetLimit,
  formatExpiry,
  formatLimits,
  formatModelList,
  governanceFormOf,
  governanceInputOf,
  keyStatus,
  parseModelList,
} from "./governance";

describe("governanceInputOf", () => {
  it("turns typed values into the gateway's input", () => {
    const { input, errors } = governanceInputOf({
      name: " Research ",
      models: "gpt-4o, claude-sonnet ,, gpt-4o",
      budgetLimitUsd: "100.50",
      budgetPeriod: "WEEKLY",
      rpm: "60",
      tpm: "",
      maxParallel: "4",
    });
    expect(errors).toEqual({});
    expect(input).toEqual({
      name: "Research",
      models: ["gpt-4o", "claude-sonnet"],
      budget: { limitUsd: "100.50", period: "WEEKLY" },
      limits: { rpm: 60, tpm: null, maxParallel: 4 },
    });
  });

  it("sends null for what is left empty (every model, no budget, no limits)", () => {
    const { input, errors } = governanceInputOf({ ...emptyGovernanceForm, name: "Ops" });
    expect(errors).toEqual({});
    expect(input).toEqual({ name: "Ops", models: null, budget: null, limits: null });
  });

  it("names the fields it cannot read, by the API's param names", () => {
    const { errors } = governanceInputOf({
      ...emptyGovernanceForm,
      budgetLimitUsd: "ten",
      rpm: "0",
      tpm: "1.5",
      maxParallel: "-2",
    });
    expect(Object.keys(errors).sort()).toEqual([
      "budget.limitUsd",
      "limits.maxParallel",
      "limits.rpm",
      "limits.tpm",
      "name",
    ]);
    expect(errors.name).toBe("Give it a name.");
  });
});

describe("form values from settings", () => {
  it("round-trips a team's settings", () => {
    const values = governanceFormOf({
      name: "Ops",
      models: ["a", "b"],
      budget: { limitUsd: "5", period: "DAILY" },
      limits: { rpm: null, tpm: 1000, maxParallel: null },
    });
    expect(values).toEqual({
      name: "Ops",
      models: "a, b",
      budgetLimitUsd: "5",
      budgetPeriod: "DAILY",
      rpm: "",
      tpm: "1000",
      maxParallel: "",
    });
    expect(governanceInputOf(values).input).toEqual({
      name: "Ops",
      models: ["a", "b"],
      budget: { limitUsd: "5", period: "DAILY" },
      limits: { rpm: null, tpm: 1000, maxParallel: null },
    });
  });

  it("parses model lists", () => {
    expect(parseModelList("  ")).toBeNull();
  });
});

describe("formatting settings", () => {
  it("shows budgets, limits and model lists", () => {
    expect(formatBudgetLimit({ limitUsd: "100", period: "MONTHLY" })).toBe("$100.00 / month");
    expect(formatBudgetLimit({ limitUsd: "0.5", period: "NONE" })).toBe("$0.50 (no reset)");
    expect(formatBudgetLimit(null)).toBe("No budget");
    expect(formatLimits({ rpm: 60, tpm: 100000, maxParallel: 4 })).toBe(
      "60 rpm · 100,000 tpm · 4 parallel",
    );
    expect(formatLimits({ rpm: null, tpm: null, maxParallel: null })).toBe("No limits");
    expect(formatModelList(null)).toBe("Every model");
    expect(formatModelList(["a", "b"])).toBe("a, b");
  });

  it("tells a key's status, revoked before expired", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    expect(keyStatus({ revokedAt: null, expiresAt: null }, now)).toBe("active");
    expect(keyStatus({ revokedAt: null, expiresAt: "2026-12-05T11:59:59Z" }, now)).toBe("expired");
    expect(
      keyStatus({ revokedAt: "2026-12-01T00:00:00Z", expiresAt: "2026-12-02T00:00:00Z" }, now),
    ).toBe("revoked");
    expect(formatExpiry(null)).toBe("Never");
    expect(formatExpiry("2026-12-31T23:00:00Z", { timeZone: "UTC" })).toBe(
      "Dec 31, 2026, 11:00 PM",
    );
  });
});
