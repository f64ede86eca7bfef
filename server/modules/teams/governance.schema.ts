import { builder } from "../../graphql/builder.ts";
import type { BudgetsService } from "../budgets/budgets.service.ts";
import { budgetPeriods } from "./governance-input.ts";

/*
 * The GraphQL shapes teams and keys share: budgets and limits (DESIGN §4).
 */

export const BudgetPeriod = builder.enumType("BudgetPeriod", {
  values: budgetPeriods,
  description:
    "When a budget starts over (UTC): each day, each ISO week (Monday), each month, or never.",
});

export const BudgetInput = builder.inputType("BudgetInput", {
  fields: (t) => ({
    limitUsd: t.field({
      type: "Usd",
      required: true,
      description: "The most the team or key may spend per period, in USD (a decimal string).",
    }),
    period: t.field({ type: BudgetPeriod, description: "Default MONTHLY." }),
  }),
});

export const LimitsInput = builder.inputType("LimitsInput", {
  fields: (t) => ({
    rpm: t.int({ description: "Requests per minute." }),
    tpm: t.int({ description: "Tokens (prompt + completion) per minute." }),
    maxParallel: t.int({ description: "Requests in flight at once." }),
  }),
});

export const Limits = builder
  .objectRef<{ rpm: number | null; tpm: number | null; maxParallel: number | null }>("Limits")
  .implement({
    description: "Rate limits; null means none.",
    fields: (t) => ({
      rpm: t.exposeInt("rpm", { nullable: true }),
      tpm: t.exposeInt("tpm", { nullable: true }),
      maxParallel: t.exposeInt("maxParallel", { nullable: true }),
    }),
  });

type BudgetView = NonNullable<Awaited<ReturnType<BudgetsService["teamBudget"]>>>;

export const Budget = builder.objectRef<BudgetView>("Budget").implement({
  description:
    "A budget and where it stands in its current period (UTC). Spend counts settled requests; reservations of requests in flight are apart.",
  fields: (t) => ({
    limitUsd: t.field({ type: "Usd", resolve: (view) => view.budget.limitNanoUsd }),
    period: t.field({ type: BudgetPeriod, resolve: (view) => view.budget.period }),
    spentUsd: t.field({ type: "Usd", resolve: (view) => view.spentNanoUsd }),
    reservedUsd: t.field({
      type: "Usd",
      description: "Held for requests in flight (their most possible cost).",
      resolve: (view) => view.reservedNanoUsd,
    }),
    remainingUsd: t.field({ type: "Usd", resolve: (view) => view.remainingNanoUsd }),
    periodStart: t.field({ type: "DateTime", resolve: (view) => view.periodStart }),
    resetsAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "null for a budget without a period (NONE).",
      resolve: (view) => view.resetsAt,
    }),
  }),
});

/** A GraphQL BudgetInput as the services take it (undefined: unchanged; null: removed). */
export function budgetSettingsOf(
  budget: { limitUsd: bigint; period?: (typeof budgetPeriods)[number] | null } | null | undefined,
) {
  if (budget === undefined) return undefined;
  if (budget === null) return null;
  return { limitNanoUsd: budget.limitUsd, period: budget.period ?? "MONTHLY" };
}

/** A team's or key's limit columns as the Limits type. */
export function limitsOf(row: {
  rpmLimit: number | null;
  tpmLimit: number | null;
  maxParallel: number | null;
}) {
  return { rpm: row.rpmLimit, tpm: row.tpmLimit, maxParallel: row.maxParallel };
}
