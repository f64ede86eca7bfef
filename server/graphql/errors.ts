import { GraphQLError } from "graphql";
import { GatewayError, UpstreamError } from "../gateway/errors.ts";
import { builder } from "./builder.ts";

/**
 * Expected failures are returned as typed union members (mutations) or GraphQL errors with
 * `extensions.code` (subscriptions); anything else is masked by Yoga.
 */
export interface ErrorResult {
  typename: ErrorTypeName;
  message: string;
  code: string;
  param?: string;
  retryAfterMs?: number;
  provider?: string;
  upstreamStatus?: number;
  retryable?: boolean;
  upstreamCode?: string;
  contextLengthExceeded?: boolean;
  attempts?: number;
  lastDeployment?: string;
}

const typenameByCode = {
  BUDGET_EXCEEDED: "BudgetExceededError",
  RATE_LIMITED: "RateLimitedError",
  MODEL_NOT_FOUND: "ModelNotFoundError",
  MODEL_NOT_ALLOWED: "ModelNotAllowedError",
  BAD_REQUEST: "InvalidRequestError",
  PROVIDER_ERROR: "ProviderError",
} as const;

export type ErrorTypeName = (typeof typenameByCode)[keyof typeof typenameByCode];

export const ErrorInterface = builder.interfaceRef<ErrorResult>("Error").implement({
  description: "An expected failure: a human-readable message and a stable code.",
  fields: (t) => ({
    message: t.exposeString("message"),
    code: t.exposeString("code"),
  }),
});

function errorType(name: ErrorTypeName, description: string) {
  return builder.objectRef<ErrorResult>(name).implement({
    description,
    interfaces: [ErrorInterface],
    isTypeOf: (value) => (value as ErrorResult).typename === name,
  });
}

const BudgetExceededError = errorType(
  "BudgetExceededError",
  "A budget that applies to the caller has no room for this request.",
);
const RateLimitedError = errorType(
  "RateLimitedError",
  "A rate limit was hit; retry after retryAfterMs.",
);
const ModelNotFoundError = errorType("ModelNotFoundError", "No configured model has this name.");
const ModelNotAllowedError = errorType(
  "ModelNotAllowedError",
  "The caller's key or team may not use this model.",
);
const InvalidRequestError = errorType(
  "InvalidRequestError",
  "The request is malformed; param names the field.",
);
const ProviderError = errorType("ProviderError", "The provider failed or answered with an error.");

builder.objectField(RateLimitedError, "retryAfterMs", (t) =>
  t.int({ nullable: true, resolve: (error) => error.retryAfterMs ?? null }),
);
builder.objectField(InvalidRequestError, "param", (t) =>
  t.string({ nullable: true, resolve: (error) => error.param ?? null }),
);
builder.objectFields(ProviderError, (t) => ({
  provider: t.string({
    description: "The provider that failed.",
    resolve: (error) => error.provider ?? "unknown",
  }),
  upstreamStatus: t.int({
    nullable: true,
    description: "The provider's HTTP status, when it answered.",
    resolve: (error) => error.upstreamStatus ?? null,
  }),
  retryable: t.boolean({
    nullable: true,
    description: "Whether trying again may succeed (429, 5xx, connection failures).",
    resolve: (error) => error.retryable ?? null,
  }),
  upstreamCode: t.string({
    nullable: true,
    description:
      "The provider's own error code or type (rate_limit_error, ThrottlingException, RESOURCE_EXHAUSTED, content_filter, …).",
    resolve: (error) => error.upstreamCode ?? null,
  }),
  contextLengthExceeded: t.boolean({
    description:
      "The prompt does not fit the model's context window (REST: code context_length_exceeded).",
    resolve: (error) => error.contextLengthExceeded ?? false,
  }),
  attempts: t.int({
    description:
      "Upstream attempts made before giving up (retries and fallbacks included; each is in the request log).",
    resolve: (error) => error.attempts ?? 0,
  }),
  lastDeployment: t.string({
    nullable: true,
    description: "The last deployment tried.",
    resolve: (error) => error.lastDeployment ?? null,
  }),
}));

export const errorTypes = [
  BudgetExceededError,
  RateLimitedError,
  ModelNotFoundError,
  ModelNotAllowedError,
  InvalidRequestError,
  ProviderError,
];

/**
 * The union member for an expected failure. A gateway failure without a member of its own
 * (REDIS_UNAVAILABLE, CANCELLED) becomes a GraphQL error carrying its code; anything else is
 * rethrown (and masked).
 */
export function toErrorResult(error: unknown): ErrorResult {
  if (!(error instanceof GatewayError)) throw error;
  if (!(error.code in typenameByCode)) throw toGraphQLError(error);
  const typename = typenameByCode[error.code as keyof typeof typenameByCode];
  const upstream = error instanceof UpstreamError ? error : undefined;
  return {
    typename,
    message: error.message,
    code: error.code,
    param: error.param,
    retryAfterMs: error.retryAfterMs,
    provider: upstream?.provider,
    upstreamStatus: upstream?.upstreamStatus,
    retryable: upstream?.isRetryable,
    upstreamCode: upstream?.upstreamCode,
    contextLengthExceeded: upstream?.isContextLengthExceeded,
    attempts: error.request?.attempts,
    lastDeployment: error.request?.lastDeployment,
  };
}

/** For subscriptions and plain fields: a GraphQLError carrying the code, shown unmasked. */
export function toGraphQLError(error: unknown): unknown {
  if (!(error instanceof GatewayError)) return error;
  // No originalError: Yoga masks GraphQLErrors that wrap a non-GraphQL error.
  const upstream = error instanceof UpstreamError ? error : undefined;
  return new GraphQLError(error.message, {
    extensions: {
      code: error.code,
      ...(error.param ? { param: error.param } : {}),
      ...(upstream?.isContextLengthExceeded ? { contextLengthExceeded: true } : {}),
    },
  });
}
