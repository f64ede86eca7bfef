import { BudgetProgress } from "../../components/budget-progress";
import type { DashboardBudgetFragment } from "../../generated/graphql";
import { formatUsd } from "../../lib/money";
import { formatDateTime, formatRelative } from "../../lib/time";

/** Spent in the budget's current period, with a bar against the limit. */
export function SpentCell({
  budget,
  label,
}: {
  budget: DashboardBudgetFragment | null;
  label: string;
}) {
  if (!budget) return <span className="muted">—</span>;
  return (
    <div className="spent-cell">
      <span>{formatUsd(budget.spentUsd)}</span>
      <BudgetProgress
        spentUsd={budget.spentUsd}
        limitUsd={budget.limitUsd}
        label={`${label}: budget spent`}
      />
    </div>
  );
}

/** When the budget starts over, in the viewer's zone and relative ("in 3 days"). */
export function ResetCell({ budget, now }: { budget: DashboardBudgetFragment | null; now: Date }) {
  if (!budget) return <span className="muted">—</span>;
  if (!budget.resetsAt) return <span className="muted">Never (no period)</span>;
  return (
    <time dateTime={budget.resetsAt} title={formatDateTime(budget.resetsAt)}>
      {formatRelative(budget.resetsAt, now)}
      <span className="cell-detail">{formatDateTime(budget.resetsAt)}</span>
    </time>
  );
}
