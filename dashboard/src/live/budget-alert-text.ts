/*
 * A budgetThresholdReached alert in words: "Team 'search' passed 80% of its monthly budget:
 * $8.10 of $10.00 spent (81%)". The gateway sends one per budget and period, when the spend
 * crosses 80% of the limit; its label already says whose budget it is ("team 'search'",
 * "API key 'ci'"), and its `fraction` is the threshold crossed (0.8), not the share spent.
 */
import type { BudgetAlert } from "@switchboard/client";
import { formatUsdOf, usdToNano } from "../lib/money";

const periodWords: Record<string, string> = {
  DAILY: "daily ",
  WEEKLY: "weekly ",
  MONTHLY: "monthly ",
  NONE: "",
};

type AlertFacts = Pick<
  BudgetAlert,
  "scope" | "scopeId" | "label" | "period" | "periodStart" | "spentUsd" | "limitUsd" | "fraction"
>;

/** "team 'search'" → "Team 'search'". */
function capitalised(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** Whole percent, never rounded up past what was spent (0.999 is 99%, not 100%). */
function percentOf(fraction: number): string {
  return `${Math.floor(fraction * 100 + 1e-9)}%`;
}

/** The share of the limit spent, exactly (from the decimal strings); undefined when it cannot be said. */
function spentFraction(spentUsd: string, limitUsd: string): number | undefined {
  try {
    const limit = usdToNano(limitUsd);
    return limit > 0n ? Number((usdToNano(spentUsd) * 1_000_000n) / limit) / 1_000_000 : undefined;
  } catch {
    return undefined;
  }
}

/** The alert's sentence, for the notice. */
export function describeBudgetAlert(alert: AlertFacts): string {
  const period = periodWords[alert.period] ?? `${alert.period.toLowerCase()} `;
  const label = capitalised(
    alert.label.trim() || `${alert.scope === "apiKey" ? "API key" : "Team"} ${alert.scopeId}`,
  );
  const spent = spentFraction(alert.spentUsd, alert.limitUsd);
  const reached =
    spent !== undefined && spent >= 1 ? "reached 100%" : `passed ${percentOf(alert.fraction)}`;
  return `${label} ${reached} of its ${period}budget: ${formatUsdOf(alert.spentUsd, alert.limitUsd)} spent${spent === undefined ? "" : ` (${percentOf(spent)})`}.`;
}

/** One notice per budget and period: a repeated alert replaces its notice instead of stacking. */
export function budgetAlertNoticeId(
  alert: Pick<AlertFacts, "scope" | "scopeId" | "periodStart">,
): string {
  return `budget-alert-${alert.scope}-${alert.scopeId}-${alert.periodStart}`;
}
