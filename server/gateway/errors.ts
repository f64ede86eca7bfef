/**
 * Errors the gateway raises. Every expected failure is a GatewayError with a stable `code`
 * (the GraphQL `extensions.code` / union member and the REST error type derive from it).
 * Upstream failures are one class, UpstreamError, whose `isRetryable` and `retryAfterMs`
 * are the only things retry and fallback read (DESIGN §10.2).
 */

export type GatewayErrorCode =
  | "BAD_REQUEST"
  | "MODEL_NOT_FOUND"
  | "MODEL_NOT_ALLOWED"
  | "BUDGET_EXCEEDED"
  | "RATE_LIMITED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "PROVIDER_ERROR"
  | "CANCELLED"
  /** Redis (shared limits and budgets) is unreachable and `redis.failOpen` is false: nothing is counted per instance. */
  | "REDIS_UNAVAILABLE"
  /** The model's answer is not the JSON its schema asks for: raised by the SDK's completionObject, never by REST or GraphQL. */
  | "INVALID_OUTPUT";

const statusByCode: Record<GatewayErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  MODEL_NOT_ALLOWED: 403,
  MODEL_NOT_FOUND: 404,
  BUDGET_EXCEEDED: 429,
  RATE_LIMITED: 429,
  // 499 is the de-facto "client closed request" status; it is only ever logged.
  CANCELLED: 499,
  PROVIDER_ERROR: 502,
  REDIS_UNAVAILABLE: 503,
  // The provider answered, but not with what was asked: a bad answer from upstream, as 502 is.
  INVALID_OUTPUT: 502,
};

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  /** The HTTP status the REST surface answers with. */
  readonly status: number;
  /** Which field of the request is wrong, for BAD_REQUEST. */
  readonly param?: string;
  /** When trying again may succeed (a rate limit: the gateway's own or the provider's). */
  readonly retryAfterMs?: number;
  /**
   * Set once by the completions service when a request fails: its id, the upstream attempts it
   * made and the last deployment tried, so REST headers and GraphQL errors can say so.
   */
  request?: FailedRequest;

  constructor(
    code: GatewayErrorCode,
    message: string,
    options: { status?: number; param?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = options.status ?? statusByCode[code];
    this.param = options.param;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Which request failed and how far it got (the request log has every attempt). */
export interface FailedRequest {
  id: string;
  attempts: number;
  /** The last deployment tried; undefined when none was. */
  lastDeployment?: string;
}

/**
 * What went wrong talking to a provider:
 * - `http`: the provider answered with an error status,
 * - `connection`: the connection failed or dropped,
 * - `invalid-response`: the provider answered 2xx with something that is not its wire format,
 * - `timeout`: the gateway gave up waiting.
 */
export type UpstreamFailureKind = "http" | "connection" | "invalid-response" | "timeout";

export class UpstreamError extends GatewayError {
  readonly provider: string;
  readonly kind: UpstreamFailureKind;
  /** The provider's HTTP status, when it answered. */
  readonly upstreamStatus?: number;
  readonly isRetryable: boolean;
  /** The provider's own error code or type, e.g. "context_length_exceeded". */
  readonly upstreamCode?: string;
  /** The prompt does not fit the model's context window (the router falls back on this). */
  readonly isContextLengthExceeded: boolean;
  /** The provider refused the request on content (Azure's content filter, OpenAI's usage policy): content-policy fallbacks act on this. */
  readonly isContentPolicyViolation: boolean;

  constructor(options: {
    provider: string;
    kind: UpstreamFailureKind;
    message: string;
    upstreamStatus?: number;
    retryAfterMs?: number;
    upstreamCode?: string;
    isContextLengthExceeded?: boolean;
    isContentPolicyViolation?: boolean;
    cause?: unknown;
  }) {
    super("PROVIDER_ERROR", options.message, {
      status: options.isContextLengthExceeded
        ? 400
        : restStatusFor(options.kind, options.upstreamStatus),
      retryAfterMs: options.retryAfterMs,
      cause: options.cause,
    });
    this.name = "UpstreamError";
    this.provider = options.provider;
    this.kind = options.kind;
    this.upstreamStatus = options.upstreamStatus;
    this.upstreamCode = options.upstreamCode;
    this.isContextLengthExceeded = options.isContextLengthExceeded ?? false;
    this.isContentPolicyViolation =
      options.isContentPolicyViolation ??
      (options.upstreamCode !== undefined && contentPolicyCodes.has(options.upstreamCode));
    this.isRetryable =
      options.kind !== "invalid-response" &&
      (options.kind !== "http" || isRetryableStatus(options.upstreamStatus));
  }
}

/**
 * Provider error codes that mean "refused on content": Azure OpenAI's content filter
 * (`content_filter`, innererror `ResponsibleAIPolicyViolation`) and OpenAI's usage-policy
 * refusals (`content_policy_violation`, `invalid_prompt` "flagged as potentially violating our
 * usage policy"). Other providers refuse with a normal answer (finish reason content_filter),
 * which is returned as it is.
 */
const contentPolicyCodes = new Set([
  "content_filter",
  "ResponsibleAIPolicyViolation",
  "content_policy_violation",
  "invalid_prompt",
]);

/** 408, 409, 429 and every 5xx are worth another try (DESIGN §10.2). */
export function isRetryableStatus(status: number | undefined): boolean {
  return (
    status === undefined || status === 408 || status === 409 || status === 429 || status >= 500
  );
}

/**
 * The status the gateway's own caller sees: the provider's 4xx passes through (the request
 * itself was wrong, or the provider is rate limiting), except 401/403 — those are about the
 * gateway's provider credentials, not the caller's — which become 502 like 5xx and
 * connection failures. A timeout is 504. A prompt too long for the model is always 400 (OpenAI's
 * status for context_length_exceeded), whatever status the provider used (SageMaker's 424/422).
 */
function restStatusFor(kind: UpstreamFailureKind, upstreamStatus: number | undefined): number {
  if (kind === "timeout") return 504;
  if (
    kind === "http" &&
    upstreamStatus !== undefined &&
    upstreamStatus >= 400 &&
    upstreamStatus < 500
  ) {
    return upstreamStatus === 401 || upstreamStatus === 403 ? 502 : upstreamStatus;
  }
  return 502;
}
