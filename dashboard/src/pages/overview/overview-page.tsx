import { useMemo } from "react";
import { useSignedInSession } from "../../app/session";
import { useGatewayQuery } from "../../app/use-gateway-query";
import { useNow } from "../../app/use-now";
import { ErrorState } from "../../components/error-state";
import { GettingStarted } from "../../components/getting-started";
import { LoadingState } from "../../components/loading-state";
import { PageHeader } from "../../components/page-header";
import { preloadCharts, SpendByModelChart, SpendPerDayChart } from "../../components/lazy-charts";
import { StatCard } from "../../components/stat-card";
import { OverviewDocument } from "../../generated/graphql";
import {
  dailySpendSeries,
  errorRate,
  formatCount,
  formatPercent,
  spendTotals,
  topModelsBySpend,
} from "../../lib/chart-data";
import { formatUsd } from "../../lib/money";
import { spendWindows } from "../../lib/time";

const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * Spend today and this month, requests, error rate, spend per day and the top models, from one
 * GraphQL request (Overview) that the server aggregates; a team key gets its own team's numbers.
 */
export function OverviewPage() {
  const { isAdmin } = useSignedInSession();
  const now = useNow();
  const windows = spendWindows(now);
  preloadCharts();
  const query = useGatewayQuery(
    OverviewDocument,
    { last30DaysFrom: windows.lastDaysFrom, monthFrom: windows.monthFrom },
    { refetchInterval: 10_000 },
  );

  const shaped = useMemo(() => {
    if (!query.data) return undefined;
    const series = dailySpendSeries(query.data.spendPerDay, {
      now: new Date(`${windows.today}T12:00:00Z`),
    });
    return {
      series,
      today: series[series.length - 1],
      month: spendTotals(query.data.monthByModel),
      topModels: topModelsBySpend(query.data.monthByModel, { limit: 5 }),
      modelNames: query.data.models.map((model) => model.name),
      anyRequests:
        query.data.monthByModel.length > 0 ||
        query.data.spendPerDay.some((row) => row.requests > 0),
    };
  }, [query.data, windows.today]);

  return (
    <>
      <PageHeader
        title="Overview"
        description={
          isAdmin
            ? "Spend and traffic across every team."
            : "Spend and traffic of your team (the gateway counts only its requests for a team key)."
        }
      />
      {query.isPending ? (
        <LoadingState label="Loading spend…" />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          title="Could not load the overview"
          onRetry={() => void query.refetch()}
        />
      ) : shaped ? (
        <>
          {(shaped.modelNames.length === 0 || !shaped.anyRequests) && (
            <GettingStarted modelNames={shaped.modelNames} />
          )}
          <div className="stat-grid">
            <StatCard
              testId="stat-spend-today"
              label="Spend today"
              value={formatUsd(shaped.today?.costUsd ?? "0")}
              detail={`${formatCount(shaped.today?.requests ?? 0)} requests`}
            />
            <StatCard
              testId="stat-spend-month"
              label="Spend this month"
              value={formatUsd(shaped.month.costUsd)}
              detail={`since ${windows.monthFrom.slice(0, 10)}`}
            />
            <StatCard
              testId="stat-requests"
              label="Requests this month"
              value={formatCount(shaped.month.requests)}
              detail={`${formatCount(shaped.month.errors)} errors`}
            />
            <StatCard
              testId="stat-error-rate"
              label="Error rate this month"
              value={formatPercent(errorRate(shaped.month))}
              detail="requests that ended in an error"
            />
          </div>
          <p className="small-print">
            “Today” and “this month” are the current UTC day and UTC month, like budget periods.
            Other times are shown in your time zone ({viewerZone}).
          </p>
          <div className="chart-grid">
            <SpendPerDayChart points={shaped.series} testId="chart-spend-per-day" />
            {shaped.topModels.length > 0 ? (
              <SpendByModelChart
                models={shaped.topModels}
                testId="chart-top-models"
                title="Top models by spend"
                period="this month (UTC)"
              />
            ) : (
              <section className="card chart-card" data-testid="chart-top-models">
                <h2 className="card-title">Top models by spend</h2>
                <p className="muted">No requests this month yet.</p>
              </section>
            )}
          </div>
        </>
      ) : null}
    </>
  );
}
