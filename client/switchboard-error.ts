import type { GraphQLFormattedError } from "graphql";

/** What else a SwitchboardError may carry, depending on its code. */
export interface SwitchboardErrorDetails {
  /** The GraphQL errors behind it, when the gateway answered with errors. */
  errors?: readonly GraphQLFormattedError[];
  /** INVALID_OUTPUT: the model's raw answer that did not parse or match the schema. */
  text?: string;
  /** INVALID_OUTPUT: what the schema found wrong with the answer (Standard Schema issues). */
  issues?: ReadonlyArray<{
    message: string;
    path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  }>;
  /** When the gateway asked to wait before trying again (RATE_LIMITED), in milliseconds. */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * Every error the client throws. `code` is the gateway's (`extensions.code` or the union
 * member's `code`: MODEL_NOT_FOUND, BUDGET_EXCEEDED, UNAUTHENTICATED, ...) or the client's own:
 * CANCELLED (the caller's signal aborted), INVALID_OUTPUT (chatObject), NETWORK_ERROR.
 */
export class SwitchboardError extends Error {
  readonly code: string | undefined;
  readonly errors: readonly GraphQLFormattedError[];
  readonly text?: string;
  readonly issues?: SwitchboardErrorDetails["issues"];
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    code: string | undefined,
    { errors = [], text, issues, retryAfterMs, cause }: SwitchboardErrorDetails = {},
  ) {
    super(message, { cause });
    this.name = "SwitchboardError";
    this.code = code;
    this.errors = errors;
    this.text = text;
    this.issues = issues;
    this.retryAfterMs = retryAfterMs;
  }

  /** One error for a GraphQL `errors` list; its code is the first error's `extensions.code`. */
  static from(errors: readonly GraphQLFormattedError[]): SwitchboardError {
    const code = errors[0]?.extensions?.code;
    return new SwitchboardError(
      errors.map((error) => error.message).join("; "),
      typeof code === "string" ? code : undefined,
      { errors },
    );
  }

  /** The error for a call the caller's signal aborted; `cause` is the signal's reason. */
  static cancelled(signal: AbortSignal): SwitchboardError {
    return new SwitchboardError("The call was cancelled by its signal.", "CANCELLED", {
      cause: signal.reason,
    });
  }
}
