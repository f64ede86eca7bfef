import type { BudgetPeriod } from "@switchboard/client";
import { budgetPeriodOptions, type GovernanceFormValues } from "../lib/governance";
import { FormField } from "./form-field";

/** The params these fields show errors for (the rest go above the form). */
export const governanceParams = [
  "name",
  "models",
  "budget",
  "budget.limitUsd",
  "budget.period",
  "limits",
  "limits.rpm",
  "limits.tpm",
  "limits.maxParallel",
] as const;

/**
 * The fields teams and keys share: name, allowed models, budget and period, and rate limits.
 * `modelsHint` says what an empty list means (every model for a team; the team's for a key).
 */
export function GovernanceFields({
  values,
  onChange,
  errors,
  modelsHint,
}: {
  values: GovernanceFormValues;
  onChange(values: GovernanceFormValues): void;
  errors: Record<string, string>;
  modelsHint: string;
}) {
  const set = (field: keyof GovernanceFormValues) => (event: { target: { value: string } }) =>
    onChange({ ...values, [field]: event.target.value });
  return (
    <>
      <FormField label="Name" param="name" error={errors.name}>
        {(control) => (
          <input
            {...control}
            type="text"
            value={values.name}
            onChange={set("name")}
            autoComplete="off"
            maxLength={100}
            aria-required="true"
          />
        )}
      </FormField>
      <FormField label="Models" param="models" error={errors.models} hint={modelsHint}>
        {(control) => (
          <input
            {...control}
            type="text"
            value={values.models}
            onChange={set("models")}
            autoComplete="off"
            placeholder="gpt-4o, claude-sonnet"
          />
        )}
      </FormField>
      <div className="field-row">
        <FormField
          label="Budget (USD)"
          param="budget.limitUsd"
          error={errors["budget.limitUsd"] ?? errors.budget}
          hint="Empty: no budget."
        >
          {(control) => (
            <input
              {...control}
              type="text"
              inputMode="decimal"
              value={values.budgetLimitUsd}
              onChange={set("budgetLimitUsd")}
              autoComplete="off"
              placeholder="100.00"
            />
          )}
        </FormField>
        <FormField
          label="Budget period"
          param="budget.period"
          error={errors["budget.period"]}
          hint="Resets at UTC midnight, Monday or the 1st."
        >
          {(control) => (
            <select
              {...control}
              value={values.budgetPeriod}
              onChange={(event) =>
                onChange({ ...values, budgetPeriod: event.target.value as BudgetPeriod })
              }
            >
              {budgetPeriodOptions.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </div>
      <div className="field-row field-row-three">
        <FormField
          label="Requests per minute"
          param="limits.rpm"
          error={errors["limits.rpm"] ?? errors.limits}
        >
          {(control) => (
            <input
              {...control}
              type="text"
              inputMode="numeric"
              value={values.rpm}
              onChange={set("rpm")}
              autoComplete="off"
              placeholder="No limit"
            />
          )}
        </FormField>
        <FormField label="Tokens per minute" param="limits.tpm" error={errors["limits.tpm"]}>
          {(control) => (
            <input
              {...control}
              type="text"
              inputMode="numeric"
              value={values.tpm}
              onChange={set("tpm")}
              autoComplete="off"
              placeholder="No limit"
            />
          )}
        </FormField>
        <FormField
          label="Parallel requests"
          param="limits.maxParallel"
          error={errors["limits.maxParallel"]}
        >
          {(control) => (
            <input
              {...control}
              type="text"
              inputMode="numeric"
              value={values.maxParallel}
              onChange={set("maxParallel")}
              autoComplete="off"
              placeholder="No limit"
            />
          )}
        </FormField>
      </div>
    </>
  );
}
