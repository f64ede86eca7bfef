import { usdToNano } from "../lib/money";

/**
 * How much of a budget is spent, as a bar. The fraction is computed from nano-USD integers so a
 * budget of $0.000001 still shows correctly; the bar turns amber past 80% (when the gateway alerts)
 * and red at the limit.
 */
export function BudgetProgress({
  spentUsd,
  limitUsd,
  label,
}: {
  spentUsd: string;
  limitUsd: string;
  label: string;
}) {
  const limit = usdToNano(limitUsd);
  const fraction =
    limit === 0n ? 1 : Math.min(1, Number((usdToNano(spentUsd) * 10_000n) / limit) / 10_000);
  const level = fraction >= 1 ? "over" : fraction >= 0.8 ? "near" : "ok";
  return (
    <div
      className={`budget-progress budget-${level}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
      aria-valuetext={`${Math.round(fraction * 100)}% of the budget spent`}
    >
      <div className="budget-progress-fill" style={{ width: `${fraction * 100}%` }} />
    </div>
  );
}
