import { useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { useNotices } from "../../app/notices";
import { useSignedInSession } from "../../app/session";
import { useGatewayQuery } from "../../app/use-gateway-query";
import { useNow } from "../../app/use-now";
import { DataTable } from "../../components/data-table";
import { EmptyState } from "../../components/empty-state";
import { ErrorState } from "../../components/error-state";
import { LoadingState } from "../../components/loading-state";
import { Modal } from "../../components/modal";
import { PageHeader } from "../../components/page-header";
import { preloadCharts, SpendByModelChart, SpendPerDayChart } from "../../components/lazy-charts";
import { StatCard } from "../../components/stat-card";
import { StatusBadge } from "../../components/status-badge";
import { TeamPageDocument, type DashboardApiKeyFragment } from "../../generated/graphql";
import {
  dailySpendSeries,
  errorRate,
  formatCount,
  formatPercent,
  spendTotals,
  topModelsBySpend,
} from "../../lib/chart-data";
import {
  formatBudgetLimit,
  formatExpiry,
  formatLimits,
  formatModelList,
  keyStatus,
} from "../../lib/governance";
import { formatUsd, usdToNano } from "../../lib/money";
import { formatDateTime, formatRelative, spendWindows } from "../../lib/time";
import { TeamForm } from "./team-form";

/** Keys shown on the team page; the Keys page pages through the rest. */
const keysShown = 10;

/** One team: its budget, spend per UTC day and per model, its first keys; the admin can edit it. */
export function TeamPage() {
  const { id = "" } = useParams();
  const { isAdmin } = useSignedInSession();
  const { push } = useNotices();
  const now = useNow();
  const windows = spendWindows(now);
  const [editing, setEditing] = useState(false);
  // One more key than shown says whether there are more.
  preloadCharts();
  const query = useGatewayQuery(
    TeamPageDocument,
    {
      id,
      last30DaysFrom: windows.lastDaysFrom,
      monthFrom: windows.monthFrom,
      keysFirst: keysShown + 1,
      withKeys: isAdmin,
    },
    { refetchInterval: 15_000 },
  );

  const shaped = useMemo(() => {
    if (!query.data) return undefined;
    return {
      series: dailySpendSeries(query.data.spendPerDay, {
        now: new Date(`${windows.today}T12:00:00Z`),
      }),
      models: topModelsBySpend(query.data.spendPerModel, { limit: 8 }),
      last30Days: spendTotals(query.data.spendPerModel),
    };
  }, [query.data, windows.today]);

  if (query.isPending) return <LoadingState label="Loading the team…" />;
  if (query.isError)
    return (
      <ErrorState
        error={query.error}
        title="Could not load this team"
        onRetry={() => void query.refetch()}
      />
    );
  const { team, apiKeys } = query.data;
  if (!team || !shaped) {
    return (
      <>
        <PageHeader title="Team not found" />
        <EmptyState
          title="There is no team with this id (or your key may not see it)."
          action={<Link to="/teams">Back to the teams</Link>}
        />
      </>
    );
  }
  const budget = team.budget;
  const keys = apiKeys ?? [];

  return (
    <>
      <PageHeader
        title={team.name}
        description={
          <>
            <Link to="/teams">Teams</Link> · created {formatDateTime(team.createdAt)}
          </>
        }
        actions={
          isAdmin && (
            <button type="button" className="button-primary" onClick={() => setEditing(true)}>
              Edit team
            </button>
          )
        }
      />
      <div className="stat-grid">
        <StatCard
          testId="team-spent"
          label={budget ? "Spent this budget period" : "Spent this month"}
          value={formatUsd(budget ? budget.spentUsd : team.monthSpend.costUsd)}
          detail={
            budget
              ? `of ${formatBudgetLimit(budget)}${usdToNano(budget.reservedUsd) !== 0n ? ` · ${formatUsd(budget.reservedUsd)} held for requests in flight` : ""}`
              : "no budget"
          }
        />
        <StatCard
          testId="team-remaining"
          label="Remaining"
          value={budget ? formatUsd(budget.remainingUsd) : "—"}
          detail={
            budget
              ? budget.resetsAt
                ? `resets ${formatRelative(budget.resetsAt, now)} · ${formatDateTime(budget.resetsAt)}`
                : "never resets (no period)"
              : "no budget"
          }
        />
        <StatCard
          testId="team-month"
          label="This month"
          value={formatUsd(team.monthSpend.costUsd)}
          detail={`${formatCount(team.monthSpend.requests)} requests (UTC month)`}
        />
        <StatCard
          testId="team-error-rate"
          label="Error rate, 30 days"
          value={formatPercent(errorRate(shaped.last30Days))}
          detail={`${formatCount(shaped.last30Days.errors)} of ${formatCount(shaped.last30Days.requests)} requests`}
        />
      </div>
      <dl className="settings-list card">
        <div>
          <dt>Models</dt>
          <dd>{formatModelList(team.models)}</dd>
        </div>
        <div>
          <dt>Limits</dt>
          <dd>{formatLimits(team.limits)}</dd>
        </div>
        <div>
          <dt>Budget</dt>
          <dd>{formatBudgetLimit(budget)}</dd>
        </div>
      </dl>
      <div className="chart-grid">
        <SpendPerDayChart points={shaped.series} testId="chart-team-spend-per-day" />
        {shaped.models.length > 0 ? (
          <SpendByModelChart
            models={shaped.models}
            testId="chart-team-spend-per-model"
            title="Spend per model"
            period="last 30 days (UTC)"
          />
        ) : (
          <section className="card chart-card" data-testid="chart-team-spend-per-model">
            <h2 className="card-title">Spend per model</h2>
            <p className="muted">No requests in the last 30 days.</p>
          </section>
        )}
      </div>
      <section className="card card-flush" aria-labelledby="team-keys-title">
        <div className="card-header">
          <h2 className="card-title" id="team-keys-title">
            Keys
          </h2>
          {isAdmin && (
            <Link to={`/keys?team=${encodeURIComponent(team.id)}`}>
              {keys.length > keysShown
                ? "See all of them in the key list"
                : "Manage in the key list"}
            </Link>
          )}
        </div>
        {isAdmin ? (
          <DataTable<DashboardApiKeyFragment>
            caption={`Keys of ${team.name}`}
            rows={keys.slice(0, keysShown)}
            rowKey={(key) => key.id}
            rowTestId="team-key-row"
            empty={
              <EmptyState title="This team has no keys yet.">
                Create one on the Keys page.
              </EmptyState>
            }
            columns={[
              { header: "Name", cell: (key) => key.name },
              { header: "Prefix", cell: (key) => <code>{key.prefix}</code> },
              { header: "Budget", cell: (key) => formatBudgetLimit(key.budget) },
              { header: "Expires", cell: (key) => formatExpiry(key.expiresAt) },
              { header: "Status", cell: (key) => <StatusBadge status={keyStatus(key, now)} /> },
            ]}
          />
        ) : (
          <p className="muted card-padding">Keys are managed by the admin.</p>
        )}
      </section>
      {editing && (
        <Modal title={`Edit team ${team.name}`} onClose={() => setEditing(false)} wide>
          <TeamForm
            team={team}
            onCancel={() => setEditing(false)}
            onDone={(saved) => {
              setEditing(false);
              push({ tone: "success", message: `Team “${saved.name}” saved.`, timeoutMs: 6000 });
            }}
          />
        </Modal>
      )}
    </>
  );
}
