import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSignedInSession } from "../../app/session";
import { GovernanceFields, governanceParams } from "../../components/governance-fields";
import type { DashboardTeamFragment } from "../../generated/graphql";
import { formErrorsOf } from "../../lib/field-errors";
import {
  emptyGovernanceForm,
  type GovernanceFormValues,
  governanceFormOf,
  governanceInputOf,
  type GovernanceInput,
} from "../../lib/governance";

/**
 * Creates a team, or edits one's name, models, budget and limits (admin). Obvious mistakes are
 * caught here; the gateway's BAD_REQUEST names the field for the rest, and shows beside it too.
 * On success every cached view is refetched, so tables and pages show the change.
 */
export function TeamForm({
  team,
  onDone,
  onCancel,
}: {
  team?: DashboardTeamFragment;
  onDone(team: { id: string; name: string }): void;
  onCancel(): void;
}) {
  const { client } = useSignedInSession();
  const queryClient = useQueryClient();
  const [values, setValues] = useState(() => (team ? governanceFormOf(team) : emptyGovernanceForm));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const mutation = useMutation({
    mutationFn: (input: GovernanceInput) =>
      team ? client.updateTeam(team.id, input) : client.createTeam(input),
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries();
      onDone(saved);
    },
  });

  const serverErrors = formErrorsOf(mutation.error, governanceParams);
  const errors = { ...localErrors, ...serverErrors.fields };

  // The gateway's errors were about what was sent: once the values change, they no longer apply.
  function edit(next: GovernanceFormValues) {
    setValues(next);
    if (mutation.isError) mutation.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const { input, errors: found } = governanceInputOf(values);
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    mutation.mutate(input);
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      className="form"
      aria-label={team ? `Edit team ${team.name}` : "New team"}
    >
      {serverErrors.general && (
        <p className="form-error" role="alert">
          {serverErrors.general}
        </p>
      )}
      <GovernanceFields
        values={values}
        onChange={edit}
        errors={errors}
        modelsHint="Comma-separated model names its keys may use. Empty: every model."
      />
      <div className="form-actions">
        <button type="submit" className="button-primary" disabled={mutation.isPending}>
          {mutation.isPending ? "Saving…" : team ? "Save changes" : "Create team"}
        </button>
        <button
          type="button"
          className="button-secondary"
          onClick={onCancel}
          disabled={mutation.isPending}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
