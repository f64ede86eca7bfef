import { describe, expect, it } from "vitest";
import { budgetAlertNoticeId, describeBudgetAlert } from "./budget-alert-text";

// As the gateway sends it: `fraction` is the threshold crossed, the amounts say how far past it.
const alert = {
  scope: "team",
  scopeId: "t1",
  label: "team 'search'",
  period: "MONTHLY",
  periodStart: "2026-12-01T00:00:00.000Z",
  spentUsd: "8.1",
  limitUsd: "10",
  fraction: 0.8,
};

describe("describeBudgetAlert", () => {
  it("says whose budget, which period and how much, in USD", () => {
    expect(describeBudgetAlert(alert)).toBe(
      "Team 'search' passed 80% of its monthly budget: $8.10 of $10.00 spent (81%).",
    );
  });

  it("words keys, other periods and small amounts", () => {
    expect(
      describeBudgetAlert({
        ...alert,
        scope: "apiKey",
        scopeId: "k1",
        label: "API key 'ci'",
        period: "DAILY",
        spentUsd: "0.0085",
        limitUsd: "0.01",
      }),
    ).toBe("API key 'ci' passed 80% of its daily budget: $0.0085 of $0.01 spent (85%).");
    // Never rounded up: 99.99% is not yet the whole budget.
    expect(describeBudgetAlert({ ...alert, period: "NONE", spentUsd: "9.999" })).toBe(
      "Team 'search' passed 80% of its budget: $10.00 of $10.00 spent (99%).",
    );
    expect(describeBudgetAlert({ ...alert, spentUsd: "0.001615", limitUsd: "0.002" })).toBe(
      "Team 'search' passed 80% of its monthly budget: $0.00162 of $0.002 spent (80%).",
    );
  });

  it("says when the whole budget is spent", () => {
    expect(describeBudgetAlert({ ...alert, period: "WEEKLY", spentUsd: "10.5" })).toBe(
      "Team 'search' reached 100% of its weekly budget: $10.50 of $10.00 spent (105%).",
    );
  });

  it("leaves the share out when the limit is zero or unreadable", () => {
    expect(describeBudgetAlert({ ...alert, limitUsd: "0", spentUsd: "0" })).toBe(
      "Team 'search' passed 80% of its monthly budget: $0.00 of $0.00 spent.",
    );
  });

  it("names the scope by id when the label is empty", () => {
    expect(describeBudgetAlert({ ...alert, label: " " })).toBe(
      "Team t1 passed 80% of its monthly budget: $8.10 of $10.00 spent (81%).",
    );
  });
});

describe("budgetAlertNoticeId", () => {
  it("is one per budget and period", () => {
    expect(budgetAlertNoticeId(alert)).toBe("budget-alert-team-t1-2026-12-01T00:00:00.000Z");
    expect(budgetAlertNoticeId({ ...alert, periodStart: "2027-01-01T00:00:00.000Z" })).not.toBe(
      budgetAlertNoticeId(alert),
    );
  });
});
