/*
 * The gateway rejects bad admin input with a GraphQL error whose extensions say
 * { code: "BAD_REQUEST", param: "budget.limitUsd" }. Forms show each such message next to the
 * field it names, and anything else above the form.
 */

/** What is read of an error: SwitchboardError has `errors`, the GraphQL errors behind it. */
interface ErrorWithGraphQLErrors {
  message?: unknown;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

export interface FormErrors {
  /** Messages by field, keyed as the API names it ("name", "budget.limitUsd", "limits.rpm"). */
  fields: Record<string, string>;
  /** A message that belongs to no field of the form (or to a field it does not show). */
  general?: string;
}

/** "input.budget.limitUsd" → "budget.limitUsd": some resolvers name the argument too. */
export function normalizeParam(param: string): string {
  return param.replace(/^input\./, "");
}

/**
 * Splits an error into messages per field and one general message. `knownFields` are the params
 * the form shows: a param it does not show goes to the general message, so nothing is hidden.
 */
export function formErrorsOf(error: unknown, knownFields?: readonly string[]): FormErrors {
  if (!error) return { fields: {} };
  const { errors = [], message } = error as ErrorWithGraphQLErrors;
  const fields: Record<string, string> = {};
  const general: string[] = [];
  for (const graphQLError of errors) {
    const { code, param } = graphQLError.extensions ?? {};
    const field =
      code === "BAD_REQUEST" && typeof param === "string" ? normalizeParam(param) : undefined;
    if (field && (!knownFields || knownFields.includes(field)) && !fields[field])
      fields[field] = graphQLError.message;
    else general.push(graphQLError.message);
  }
  if (errors.length === 0) general.push(typeof message === "string" ? message : String(error));
  return general.length > 0 ? { fields, general: general.join(" ") } : { fields };
}
