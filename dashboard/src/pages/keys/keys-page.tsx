import { keepPreviousData, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useNotices } from "../../app/notices";
import { useSignedInSession } from "../../app/session";
import { operationName, useGatewayQuery } from "../../app/use-gateway-query";
import { useNow } from "../../app/use-now";
import { ConfirmDialog } from "../../components/confirm-dialog";
import { DataTable } from "../../components/data-table";
import { EmptyState } from "../../components/empty-state";
import { ErrorState } from "../../components/error-state";
import { LoadingState } from "../../components/loading-state";
import { Modal } from "../../components/modal";
import { PageHeader } from "../../components/page-header";
import { Pager } from "../../components/pager";
import { StatusBadge } from "../../components/status-badge";
import {
  KeysPageDocument,
  type DashboardApiKeyFragment,
  type KeysPageQuery,
} from "../../generated/graphql";
import { formErrorsOf } from "../../lib/field-errors";
import {
  formatBudgetLimit,
  formatExpiry,
  formatLimits,
  formatModelList,
  keyStatus,
} from "../../lib/governance";
import { formatDateTime } from "../../lib/time";
import { KeyForm } from "./key-form";
import { NewKeySecret } from "./new-key-secret";
import { useCursorPages } from "../../app/use-cursor-pages";

const pageSize = 25;

type CreatedKey = { secret: string; apiKey: { name: string } };

/**
 * Keys a page at a time (newest first, 25 per page; the cursor is the last key's id, and a stack
 * of them walks back), filtered by team through `?team=`. Creating shows the secret once;
 * revoking asks first.
 */
export function KeysPage() {
  const { isAdmin, client } = useSignedInSession();
  const { push } = useNotices();
  const queryClient = useQueryClient();
  const now = useNow();
  const [searchParams, setSearchParams] = useSearchParams();
  const teamFilter = searchParams.get("team") ?? "";
  const pages = useCursorPages(teamFilter);
  const { after } = pages;
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedKey>();
  const [revoking, setRevoking] = useState<DashboardApiKeyFragment>();
  const filterId = useId();

  const query = useGatewayQuery(
    KeysPageDocument,
    { teamId: teamFilter || undefined, first: pageSize + 1, after },
    { enabled: isAdmin, placeholderData: keepPreviousData },
  );
  const teamNames = useMemo(
    () => new Map(query.data?.teams.map((team) => [team.id, team.name])),
    [query.data?.teams],
  );
  const rows = query.data?.apiKeys.slice(0, pageSize) ?? [];
  const hasNext = (query.data?.apiKeys.length ?? 0) > pageSize;

  const revoke = useMutation({
    mutationFn: (key: DashboardApiKeyFragment) => client.revokeApiKey(key.id),
    onSuccess: async (revoked) => {
      // Show it revoked at once, then refetch whatever else depends on it.
      queryClient.setQueriesData<KeysPageQuery>(
        { queryKey: [operationName(KeysPageDocument)] },
        (data) =>
          data && {
            ...data,
            apiKeys: data.apiKeys.map((key) =>
              key.id === revoked.id ? { ...key, revokedAt: revoked.revokedAt } : key,
            ),
          },
      );
      setRevoking(undefined);
      push({
        tone: "success",
        message: `Key “${revoked.name}” revoked: requests with it are refused from now on.`,
        timeoutMs: 6000,
      });
      await queryClient.invalidateQueries();
    },
  });

  if (!isAdmin) {
    return (
      <>
        <PageHeader title="Keys" />
        <EmptyState title="Only the admin manages keys.">
          Sign in with the gateway's master key to create or revoke keys.
        </EmptyState>
      </>
    );
  }

  function setTeamFilter(teamId: string) {
    setSearchParams(teamId ? { team: teamId } : {});
  }

  return (
    <>
      <PageHeader
        title="Keys"
        description="API keys of every team, newest first. A key's secret is shown once, when it is created."
        actions={
          <button
            type="button"
            className="button-primary"
            onClick={() => setCreating(true)}
            disabled={!query.data}
          >
            New key
          </button>
        }
      />
      <div className="toolbar">
        {/* Not labelled "Team": the New key form's "Team" select must be the only field of that name. */}
        <label className="inline-field" htmlFor={filterId}>
          Show keys of
        </label>
        <select
          id={filterId}
          value={teamFilter}
          onChange={(event) => setTeamFilter(event.target.value)}
          data-testid="keys-team-filter"
        >
          <option value="">All teams</option>
          {query.data?.teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
        {query.isFetching && !query.isPending && <span className="muted">Refreshing…</span>}
      </div>
      {query.isPending ? (
        <LoadingState label="Loading keys…" />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          title="Could not load the keys"
          onRetry={() => void query.refetch()}
        />
      ) : (
        <div className="card card-flush">
          <DataTable<DashboardApiKeyFragment>
            caption="API keys"
            rows={rows}
            rowKey={(key) => key.id}
            rowTestId="key-row"
            empty={
              <EmptyState
                title={teamFilter ? "This team has no keys yet." : "No keys yet."}
                testId="keys-empty"
              >
                {query.data.teams.length === 0 ? (
                  <>
                    Keys belong to a team: <Link to="/teams">create a team</Link> first.
                  </>
                ) : (
                  "Create one with “New key”."
                )}
              </EmptyState>
            }
            columns={[
              { header: "Name", cell: (key) => key.name },
              { header: "Prefix", cell: (key) => <code>{key.prefix}</code> },
              {
                header: "Team",
                cell: (key) => (
                  <Link to={`/teams/${encodeURIComponent(key.teamId)}`}>
                    {teamNames.get(key.teamId) ?? key.teamId}
                  </Link>
                ),
              },
              {
                header: "Models",
                className: "wrap",
                cell: (key) => formatModelList(key.models, "Team's"),
              },
              { header: "Budget", cell: (key) => formatBudgetLimit(key.budget) },
              { header: "Limits", cell: (key) => formatLimits(key.limits) },
              { header: "Expires", cell: (key) => formatExpiry(key.expiresAt) },
              { header: "Created", cell: (key) => formatDateTime(key.createdAt) },
              { header: "Status", cell: (key) => <StatusBadge status={keyStatus(key, now)} /> },
              {
                header: <span className="visually-hidden">Actions</span>,
                align: "end",
                cell: (key) =>
                  keyStatus(key, now) === "active" ? (
                    <button
                      type="button"
                      className="button-danger-quiet"
                      onClick={() => setRevoking(key)}
                      aria-label={`Revoke ${key.name}`}
                    >
                      Revoke
                    </button>
                  ) : null,
              },
            ]}
          />
          {(pages.hasPrevious || hasNext) && (
            <Pager
              page={pages.page}
              hasPrevious={pages.hasPrevious}
              hasNext={hasNext}
              busy={query.isFetching}
              onPrevious={pages.previous}
              onNext={() => pages.next(rows[rows.length - 1]?.id)}
            />
          )}
        </div>
      )}
      {creating && query.data && (
        <Modal
          title={created ? "Your new key" : "New key"}
          onClose={() => (created ? undefined : setCreating(false))}
          dismissible={!created}
          wide
        >
          {created ? (
            <NewKeySecret
              name={created.apiKey.name}
              secret={created.secret}
              onDone={() => {
                setCreated(undefined);
                setCreating(false);
              }}
            />
          ) : (
            <KeyForm
              teams={query.data.teams}
              defaultTeamId={teamFilter || undefined}
              onCreated={setCreated}
              onCancel={() => setCreating(false)}
            />
          )}
        </Modal>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke this key?"
          confirmLabel="Revoke key"
          busy={revoke.isPending}
          error={
            revoke.error ? (formErrorsOf(revoke.error).general ?? revoke.error.message) : undefined
          }
          onConfirm={() => revoke.mutate(revoking)}
          onCancel={() => {
            setRevoking(undefined);
            revoke.reset();
          }}
        >
          <p>
            Revoke the key <strong>{revoking.name}</strong> (<code>{revoking.prefix}</code>) of{" "}
            {teamNames.get(revoking.teamId) ?? "its team"}? Requests with it are refused at once and
            its open subscriptions close. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
