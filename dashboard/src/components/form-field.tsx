import { useId, type ReactNode } from "react";

/** What a field gives its control so the label, hint and error are tied to it. */
export interface ControlProps {
  id: string;
  name: string;
  "aria-invalid": true | undefined;
  "aria-describedby": string | undefined;
}

/**
 * A labelled form control with an optional hint and its error right under it. `param` is the
 * API's name for the field ("budget.limitUsd"): the gateway's BAD_REQUEST names it, and the error
 * element is `field-error-<param>` for tests.
 */
export function FormField({
  label,
  param,
  error,
  hint,
  children,
}: {
  label: string;
  param: string;
  error?: string;
  hint?: ReactNode;
  children(control: ControlProps): ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy =
    [hint ? hintId : undefined, error ? errorId : undefined].filter(Boolean).join(" ") || undefined;
  return (
    <div className={error ? "field field-invalid" : "field"}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        name: param,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": describedBy,
      })}
      {hint && (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error" data-testid={`field-error-${param}`}>
          {error}
        </p>
      )}
    </div>
  );
}
