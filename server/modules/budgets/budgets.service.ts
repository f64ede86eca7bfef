import {
  type Budget,
  type BudgetLedger,
  type BudgetPeriod,
  periodStart,
} from "../../gateway/budget.ts";
import type { Principal } from "../../gateway/principal.ts";
import type { RequestLogRepository } from "../../storage/request-log-repository.ts";
import type { ApiKeyRecord, KeyDirectory, TeamRecord } from "../keys/key-directory.ts";

/**
 * Budgets of teams and keys (DESIGN §6): which apply to a caller, their state for GraphQL, and
 * the restore on start. The settings come from the in-memory directory (an admin's change
 * applies to the next request); the spend lives in the ledger.
 */
export function createBudgetsService({
  directory,
  ledger,
  requestLogs,
  now = () => new Date(),
}: {
  directory: KeyDirectory;
  ledger: BudgetLedger;
  requestLogs: RequestLogRepository;
  now?: () => Date;
}) {
  /** Every budget that applies to the caller: its key's and its team's. */
  function budgetsFor(principal: Principal): Budget[] {
    const budgets: Budget[] = [];
    const key = principal.apiKeyId ? directory.key(principal.apiKeyId) : undefined;
    const team = principal.teamId ? directory.team(principal.teamId) : undefined;
    const keyBudget = key && budgetOfKey(key);
    const teamBudget = team && budgetOfTeam(team);
    if (keyBudget) budgets.push(keyBudget);
    if (teamBudget) budgets.push(teamBudget);
    return budgets;
  }

  /**
   * Rebuilds every budget's spend in its current period from the per-day spend counters (the
   * request logs' totals, written with them), so a restart loses no spend.
   */
  async function restore(): Promise<void> {
    const at = now();
    const budgets = [
      ...directory.teams().map(budgetOfTeam),
      ...directory.teams().flatMap((team) => directory.keysOfTeam(team.id).map(budgetOfKey)),
    ].filter((budget): budget is Budget => budget !== undefined);
    if (budgets.length === 0) return;
    const earliest = new Date(
      Math.min(...budgets.map((budget) => periodStart(budget.period, at).getTime())),
    );
    const counters = await requestLogs.spendCountersSince(earliest);
    for (const budget of budgets) {
      const start = periodStart(budget.period, at);
      const spent = counters
        .filter(
          (row) =>
            row.scope === budget.scope &&
            row.scopeId === budget.id &&
            row.day.getTime() >= start.getTime(),
        )
        .reduce((sum, row) => sum + row.spentNanoUsd, 0n);
      if (spent > 0n)
        ledger.load([
          { scope: budget.scope, scopeId: budget.id, periodStart: start, spentNanoUsd: spent },
        ]);
    }
  }

  return {
    budgetsFor,
    restore,
    /** The team's budget and where it stands; undefined when it has none. */
    teamBudget: (team: TeamRecord) => withState(budgetOfTeam(team)),
    keyBudget: (key: ApiKeyRecord) => withState(budgetOfKey(key)),
  };

  async function withState(budget: Budget | undefined) {
    return budget && { budget, ...(await ledger.state(budget)) };
  }
}

export type BudgetsService = ReturnType<typeof createBudgetsService>;

function budgetOfTeam(team: TeamRecord): Budget | undefined {
  return team.budgetLimitNanoUsd === null
    ? undefined
    : {
        scope: "team",
        id: team.id,
        label: `team '${team.name}'`,
        limitNanoUsd: team.budgetLimitNanoUsd,
        period: team.budgetPeriod as BudgetPeriod,
        group: `team:${team.id}`,
      };
}

function budgetOfKey(key: ApiKeyRecord): Budget | undefined {
  return key.budgetLimitNanoUsd === null
    ? undefined
    : {
        scope: "apiKey",
        id: key.id,
        label: `API key '${key.name}'`,
        limitNanoUsd: key.budgetLimitNanoUsd,
        period: key.budgetPeriod as BudgetPeriod,
        group: `team:${key.teamId}`,
      };
}
