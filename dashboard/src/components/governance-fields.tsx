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

/** The three rate limits, each an optional whole number. */
const limitFields = [
  { field: "rpm", label: "Requests per minute" },
  { field: "tpm", label: "Tokens per minute" },
  { field: "maxParallel", label: "Parallel requests" },
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
        {limitFields.map(({ field, label }, index) => (
          <FormField
            key={field}
            label={label}
            param={`limits.${field}`}
            // An error about the limits as a whole shows at the first of them.
            error={errors[`limits.${field}`] ?? (index === 0 ? errors.limits : undefined)}
          >
            {(control) => (
              <input
                {...control}
                type="text"
                inputMode="numeric"
                value={values[field]}
                onChange={set(field)}
                autoComplete="off"
                placeholder="No limit"
              />
            )}
          </FormField>
        ))}
      </div>
    </>
  );
}
