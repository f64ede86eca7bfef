import { useState } from "react";
import { Link } from "react-router";
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
import { TeamsPageDocument, type TeamsPageQuery } from "../../generated/graphql";
import { formatCount } from "../../lib/chart-data";
import { formatBudgetLimit, formatLimits, formatModelList } from "../../lib/governance";
import { formatUsd } from "../../lib/money";
import { spendWindows } from "../../lib/time";
import { ResetCell, SpentCell } from "./budget-cells";
import { TeamForm } from "./team-form";

type TeamRow = TeamsPageQuery["teams"][number];

/** Every team (a team key: its own) with budget, spent, remaining, reset time and this month's spend. */
export function TeamsPage() {
  const { isAdmin } = useSignedInSession();
  const { push } = useNotices();
  const now = useNow();
  const { monthFrom } = spendWindows(now);
  const query = useGatewayQuery(TeamsPageDocument, { monthFrom }, { refetchInterval: 30_000 });
  const [creating, setCreating] = useState(false);

  const newTeamButton = isAdmin ? (
    <button type="button" className="button-primary" onClick={() => setCreating(true)}>
      New team
    </button>
  ) : undefined;

  return (
    <>
      <PageHeader
        title="Teams"
        description={
          isAdmin
            ? "Budgets, spend and limits of every team. Budget periods are UTC."
            : "Your team's budget, spend and limits. Budget periods are UTC."
        }
        actions={newTeamButton}
      />
      {query.isPending ? (
        <LoadingState label="Loading teams…" />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          title="Could not load the teams"
          onRetry={() => void query.refetch()}
        />
      ) : (
        <div className="card card-flush">
          <DataTable<TeamRow>
            caption="Teams"
            rows={query.data.teams}
            rowKey={(team) => team.id}
            rowTestId="team-row"
            empty={
              <EmptyState title="No teams yet" testId="teams-empty">
                A team groups API keys under one budget, allowed models and rate limits.
                {isAdmin ? " Create one with “New team”." : ""}
              </EmptyState>
            }
            columns={[
              {
                header: "Name",
                cell: (team) => (
                  <Link to={`/teams/${encodeURIComponent(team.id)}`}>{team.name}</Link>
                ),
              },
              { header: "Budget", cell: (team) => formatBudgetLimit(team.budget) },
              {
                header: "Spent",
                cell: (team) => <SpentCell budget={team.budget} label={team.name} />,
              },
              {
                header: "Remaining",
                align: "end",
                cell: (team) =>
                  team.budget ? (
                    formatUsd(team.budget.remainingUsd)
                  ) : (
                    <span className="muted">—</span>
                  ),
              },
              { header: "Resets", cell: (team) => <ResetCell budget={team.budget} now={now} /> },
              {
                header: "This month",
                align: "end",
                cell: (team) => (
                  <>
                    {formatUsd(team.monthSpend.costUsd)}
                    <span className="cell-detail">
                      {formatCount(team.monthSpend.requests)} requests
                    </span>
                  </>
                ),
              },
              { header: "Models", className: "wrap", cell: (team) => formatModelList(team.models) },
              { header: "Limits", cell: (team) => formatLimits(team.limits) },
            ]}
          />
        </div>
      )}
      {creating && (
        <Modal title="New team" onClose={() => setCreating(false)} wide>
          <TeamForm
            onCancel={() => setCreating(false)}
            onDone={(team) => {
              setCreating(false);
              push({ tone: "success", message: `Team “${team.name}” created.`, timeoutMs: 6000 });
            }}
          />
        </Modal>
      )}
    </>
  );
}
