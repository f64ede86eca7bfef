/*
 * Budgets, limits and model lists: how the team and key forms turn what was typed into the
 * gateway's inputs, and how tables show them. The server validates again and has the last word
 * (its BAD_REQUEST names the field); these checks only save a round trip for obvious mistakes.
 * Errors are keyed by the API's param names so both kinds land next to the same field.
 */
import type { BudgetInput, BudgetPeriod, LimitsInput } from "@switchboard/client";
import { formatDateTime, type ZoneOptions } from "./time";
import { formatCount } from "./chart-data";
import { formatUsd, isUsdAmount } from "./money";

/** What the team and key forms hold, as typed (strings, so half-typed values stay as they are). */
export interface GovernanceFormValues {
  name: string;
  /** Comma-separated model names; empty means every model. */
  models: string;
  /** Empty means no budget. */
  budgetLimitUsd: string;
  budgetPeriod: BudgetPeriod;
  rpm: string;
  tpm: string;
  maxParallel: string;
}

export const emptyGovernanceForm: GovernanceFormValues = {
  name: "",
  models: "",
  budgetLimitUsd: "",
  budgetPeriod: "MONTHLY",
  rpm: "",
  tpm: "",
  maxParallel: "",
};

/** The budget periods in the order the select shows them. */
export const budgetPeriodOptions: ReadonlyArray<{ value: BudgetPeriod; label: string }> = [
  { value: "DAILY", label: "Daily" },
  { value: "WEEKLY", label: "Weekly" },
  { value: "MONTHLY", label: "Monthly" },
  { value: "NONE", label: "None" },
];

/** The gateway's inputs for a team or key (null clears a setting on update). */
export interface GovernanceInput {
  name: string;
  models: string[] | null;
  budget: BudgetInput | null;
  limits: LimitsInput | null;
}

/** "gpt-4o, claude ,," → ["gpt-4o", "claude"]; null (every model) when nothing is named. */
export function parseModelList(text: string): string[] | null {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  return names.length > 0 ? [...new Set(names)] : null;
}

function parseLimit(text: string): number | null | "invalid" {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  return /^\d+$/.test(trimmed) && Number(trimmed) > 0 && Number.isSafeInteger(Number(trimmed))
    ? Number(trimmed)
    : "invalid";
}

/** The form's values as the gateway's input, or the errors to show (keyed by param). */
export function governanceInputOf(values: GovernanceFormValues): {
  input: GovernanceInput;
  errors: Record<string, string>;
} {
  const errors: Record<string, string> = {};
  if (!values.name.trim()) errors.name = "Give it a name.";
  const budgetText = values.budgetLimitUsd.trim();
  if (budgetText && !isUsdAmount(budgetText))
    errors["budget.limitUsd"] = "Enter an amount in USD, e.g. 100 or 12.50.";
  const limits: LimitsInput = {};
  for (const field of ["rpm", "tpm", "maxParallel"] as const) {
    const limit = parseLimit(values[field]);
    if (limit === "invalid")
      errors[`limits.${field}`] =
        "Enter a whole number above zero, or leave it empty for no limit.";
    else limits[field] = limit;
  }
  const hasLimits = Object.values(limits).some((limit) => limit != null);
  return {
    input: {
      name: values.name.trim(),
      models: parseModelList(values.models),
      budget: budgetText ? { limitUsd: budgetText, period: values.budgetPeriod } : null,
      limits: hasLimits ? limits : null,
    },
    errors,
  };
}

/** A team's or key's settings back into form values, for editing. */
export function governanceFormOf(settings: {
  name: string;
  models: readonly string[] | null;
  budget: { limitUsd: string; period: BudgetPeriod } | null;
  limits: { rpm: number | null; tpm: number | null; maxParallel: number | null };
}): GovernanceFormValues {
  return {
    name: settings.name,
    models: settings.models?.join(", ") ?? "",
    budgetLimitUsd: settings.budget?.limitUsd ?? "",
    budgetPeriod: settings.budget?.period ?? "MONTHLY",
    rpm: settings.limits.rpm?.toString() ?? "",
    tpm: settings.limits.tpm?.toString() ?? "",
    maxParallel: settings.limits.maxParallel?.toString() ?? "",
  };
}

const periodNouns: Record<BudgetPeriod, string> = {
  DAILY: "day",
  WEEKLY: "week",
  MONTHLY: "month",
  NONE: "",
};

/** "$100.00 / month", "$5.00 (no reset)", or "No budget". */
export function formatBudgetLimit(
  budget: { limitUsd: string; period: BudgetPeriod } | null | undefined,
): string {
  if (!budget) return "No budget";
  return budget.period === "NONE"
    ? `${formatUsd(budget.limitUsd)} (no reset)`
    : `${formatUsd(budget.limitUsd)} / ${periodNouns[budget.period]}`;
}

/** "60 rpm · 100,000 tpm · 4 parallel", or "No limits". */
export function formatLimits(limits: {
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
}): string {
  const parts = [
    limits.rpm != null ? `${formatCount(limits.rpm)} rpm` : undefined,
    limits.tpm != null ? `${formatCount(limits.tpm)} tpm` : undefined,
    limits.maxParallel != null ? `${formatCount(limits.maxParallel)} parallel` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : "No limits";
}

/** "gpt-4o, claude" or "Every model" (a null list allows every model). */
export function formatModelList(
  models: readonly string[] | null | undefined,
  emptyMeaning = "Every model",
): string {
  return models && models.length > 0 ? models.join(", ") : emptyMeaning;
}

export type KeyStatus = "active" | "revoked" | "expired";

/** Revoked wins over expired: it is what someone did on purpose. */
export function keyStatus(
  key: { revokedAt: string | null; expiresAt: string | null },
  now: Date = new Date(),
): KeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && new Date(key.expiresAt).getTime() <= now.getTime()) return "expired";
  return "active";
}

/** "Never" or the expiry in the viewer's zone. */
export function formatExpiry(expiresAt: string | null, zone: ZoneOptions = {}): string {
  return expiresAt ? formatDateTime(expiresAt, zone) : "Never";
}
