import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatCount, formatPercent, type ModelShare } from "../lib/chart-data";
import { formatUsd, formatUsdAxisTick } from "../lib/money";
import { chartColors } from "./chart-colors";
import { DataTable } from "./data-table";

const longestAxisName = 22;

function ModelTooltip({ model }: { model: ModelShare | undefined }) {
  if (!model) return null;
  return (
    <div className="chart-tooltip">
      <strong>{model.name}</strong>
      <div>
        {formatUsd(model.costUsd)} ({formatPercent(model.share)})
      </div>
      <div>{formatCount(model.requests)} requests</div>
    </div>
  );
}

/**
 * Spend by model as horizontal bars (long model names stay readable), with the same numbers in a
 * table below for exact reading and for screen readers.
 */
export function SpendByModelChart({
  models,
  testId,
  title,
  period,
}: {
  models: readonly ModelShare[];
  testId: string;
  title: string;
  period: string;
}) {
  const height = 48 + models.length * 36;
  return (
    <section className="card chart-card" aria-label={title} data-testid={testId}>
      <h2 className="card-title">
        {title} <span className="small-print">{period}</span>
      </h2>
      <div className="chart-area" style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart
            data={[...models]}
            layout="vertical"
            margin={{ top: 4, right: 16, bottom: 0, left: 0 }}
          >
            <CartesianGrid horizontal={false} stroke={chartColors.grid} />
            <XAxis
              type="number"
              tickFormatter={formatUsdAxisTick}
              tickLine={false}
              axisLine={{ stroke: chartColors.grid }}
              tick={{ fill: chartColors.axis, fontSize: 12 }}
            />
            <YAxis
              type="category"
              dataKey="name"
              width={150}
              tickLine={false}
              axisLine={false}
              tick={{ fill: chartColors.axis, fontSize: 12 }}
              tickFormatter={(name: string) =>
                name.length > longestAxisName ? `${name.slice(0, longestAxisName - 1)}…` : name
              }
            />
            <Tooltip
              cursor={{ fill: chartColors.cursor }}
              content={({ payload }) => (
                <ModelTooltip model={payload?.[0]?.payload as ModelShare | undefined} />
              )}
            />
            <Bar dataKey="cost" name="Spend" radius={[0, 3, 3, 0]} isAnimationActive={false}>
              {models.map((model) => (
                <Cell
                  key={model.name}
                  fill={model.isOther ? chartColors.barMuted : chartColors.bar}
                />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <DataTable
        caption={`${title}, ${period}`}
        rows={models}
        rowKey={(model) => model.name}
        rowTestId="model-spend-row"
        columns={[
          { header: "Model", cell: (model) => model.name },
          { header: "Requests", align: "end", cell: (model) => formatCount(model.requests) },
          { header: "Spend", align: "end", cell: (model) => formatUsd(model.costUsd) },
          { header: "Share", align: "end", cell: (model) => formatPercent(model.share) },
        ]}
      />
    </section>
  );
}
