import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DailySpendPoint } from "../lib/chart-data";
import { formatCount } from "../lib/chart-data";
import { formatUsd, formatUsdAxisTick, sumUsd } from "../lib/money";
import { chartColors } from "./chart-colors";

function DayTooltip({ point }: { point: DailySpendPoint | undefined }) {
  if (!point) return null;
  return (
    <div className="chart-tooltip">
      <strong>{point.label} (UTC)</strong>
      <div>{formatUsd(point.costUsd)}</div>
      <div>
        {formatCount(point.requests)} requests
        {point.errors > 0 ? `, ${formatCount(point.errors)} errors` : ""}
      </div>
    </div>
  );
}

/**
 * Spend per UTC day as bars (the gateway buckets by UTC day, like budgets). The exact amounts are
 * in the tooltip and the total under the chart; the bars are only for the shape.
 */
export function SpendPerDayChart({
  points,
  testId,
  title = "Spend per day",
}: {
  points: readonly DailySpendPoint[];
  testId: string;
  title?: string;
}) {
  const total = sumUsd(points.map((point) => point.costUsd));
  const requests = points.reduce((sum, point) => sum + point.requests, 0);
  return (
    <figure
      className="card chart-card"
      data-testid={testId}
      aria-label={`${title}, last ${points.length} UTC days: ${formatUsd(total)} in total`}
    >
      <figcaption className="card-title">
        {title} <span className="small-print">last {points.length} days, UTC days</span>
      </figcaption>
      <div className="chart-area" style={{ height: 240 }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={[...points]} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke={chartColors.grid} />
            <XAxis
              dataKey="label"
              tickLine={false}
              axisLine={{ stroke: chartColors.grid }}
              tick={{ fill: chartColors.axis, fontSize: 12 }}
              interval="preserveStartEnd"
              minTickGap={18}
            />
            <YAxis
              tickFormatter={formatUsdAxisTick}
              tickLine={false}
              axisLine={false}
              tick={{ fill: chartColors.axis, fontSize: 12 }}
              width={64}
              allowDecimals
            />
            <Tooltip
              cursor={{ fill: chartColors.cursor }}
              content={({ payload }) => (
                <DayTooltip point={payload?.[0]?.payload as DailySpendPoint | undefined} />
              )}
            />
            <Bar
              dataKey="cost"
              name="Spend"
              fill={chartColors.bar}
              radius={[3, 3, 0, 0]}
              isAnimationActive={false}
            />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <p className="chart-summary">
        {formatUsd(total)} over {points.length} days · {formatCount(requests)} requests
      </p>
    </figure>
  );
}
