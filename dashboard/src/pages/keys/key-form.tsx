import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSignedInSession } from "../../app/session";
import { FormField } from "../../components/form-field";
import { GovernanceFields, governanceParams } from "../../components/governance-fields";
import { formErrorsOf } from "../../lib/field-errors";
import {
  emptyGovernanceForm,
  type GovernanceFormValues,
  governanceInputOf,
} from "../../lib/governance";
import { localInputToIso } from "../../lib/time";

const keyParams = [...governanceParams, "teamId", "expiresAt"];

/**
 * Creates a key for a team (admin): the same budget and limit fields as a team, plus the team and
 * an expiry typed in the viewer's local time. Hands the created key, secret included, to onCreated.
 */
export function KeyForm({
  teams,
  defaultTeamId,
  onCreated,
  onCancel,
}: {
  teams: ReadonlyArray<{ id: string; name: string }>;
  defaultTeamId?: string;
  onCreated(created: {
    secret: string;
    apiKey: { id: string; name: string; prefix: string };
  }): void;
  onCancel(): void;
}) {
  const { client } = useSignedInSession();
  const queryClient = useQueryClient();
  const [teamId, setTeamId] = useState(defaultTeamId ?? teams[0]?.id ?? "");
  const [values, setValues] = useState(emptyGovernanceForm);
  const [expires, setExpires] = useState("");
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const mutation = useMutation({
    mutationFn: (input: Parameters<typeof client.createApiKey>[0]) => client.createApiKey(input),
    onSuccess: async (created) => {
      onCreated(created);
      await queryClient.invalidateQueries();
    },
  });

  const serverErrors = formErrorsOf(mutation.error, keyParams);
  const errors = { ...localErrors, ...serverErrors.fields };

  // The gateway's errors were about what was sent: once the values change, they no longer apply.
  function edit(next: GovernanceFormValues) {
    setValues(next);
    if (mutation.isError) mutation.reset();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const { input, errors: found } = governanceInputOf(values);
    if (!teamId) found.teamId = "Choose the team the key belongs to.";
    const expiresAt = localInputToIso(expires);
    if (expires.trim() && !expiresAt)
      found.expiresAt = "Enter a date and time, or leave it empty for a key that does not expire.";
    setLocalErrors(found);
    if (Object.keys(found).length > 0) return;
    mutation.mutate({ ...input, teamId, expiresAt: expiresAt ?? null });
  }

  return (
    <form onSubmit={submit} noValidate className="form" aria-label="New key">
      {serverErrors.general && (
        <p className="form-error" role="alert">
          {serverErrors.general}
        </p>
      )}
      <FormField label="Team" param="teamId" error={errors.teamId}>
        {(control) => (
          <select {...control} value={teamId} onChange={(event) => setTeamId(event.target.value)}>
            {teams.length === 0 && <option value="">No team yet: create one first</option>}
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        )}
      </FormField>
      <GovernanceFields
        values={values}
        onChange={edit}
        errors={errors}
        modelsHint="Comma-separated; narrows the team's models. Empty: the team's."
      />
      <FormField
        label="Expires"
        param="expiresAt"
        error={errors.expiresAt}
        hint="In your time zone. Empty: never expires."
      >
        {(control) => (
          <input
            {...control}
            type="datetime-local"
            value={expires}
            onChange={(event) => setExpires(event.target.value)}
          />
        )}
      </FormField>
      <div className="form-actions">
        <button
          type="submit"
          className="button-primary"
          disabled={mutation.isPending || teams.length === 0}
        >
          {mutation.isPending ? "Creating…" : "Create key"}
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
