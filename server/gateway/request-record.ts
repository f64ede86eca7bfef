/**
 * The request record: what the gateway keeps of every request, successful or not. A domain type
 * of the core (the request log's storage, metrics, logs and live events all read it); the
 * repositories in storage/ only persist it.
 */

/**
 * Where the request came in: REST's Chat Completions, Anthropic's Messages API, OpenAI's
 * Responses API, GraphQL (mutation or subscription), or "sdk" (an in-process `createGateway`
 * writing to a configured database).
 */
export type RequestSource =
  "rest" | "anthropic-messages" | "responses" | "graphql" | "graphql-subscription" | "sdk";

/** The metadata kept for every request, successful or not (prompt and answer only when configured). */
export interface RequestRecord {
  id: string;
  createdAt: Date;
  apiKeyId?: string;
  teamId?: string;
  /** Where the request came in; "sdk" is an in-process `createGateway` writing to a configured database. */
  source: RequestSource;
  requestedModel: string;
  /** The caller's own `x-request-id` (validated), sent upstream; not stored in the row (`id` is). */
  clientRequestId?: string;
  model?: string;
  provider?: string;
  deployment?: string;
  /** "cache_hit": answered from the response cache (no upstream call, cost 0; deployment is the one that first answered). */
  status: "success" | "error" | "cancelled" | "cache_hit";
  errorCode?: string;
  errorMessage?: string;
  httpStatus?: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costNanoUsd: bigint;
  /** The provider reported no usage; the token counts are estimates. */
  usageEstimated: boolean;
  latencyMs: number;
  timeToFirstTokenMs?: number;
  stream: boolean;
  attempts: AttemptRecord[];
  /** The caller's tags from the request's `metadata`. */
  metadata?: Record<string, unknown>;
  /** The prompt and the answer, secrets redacted: only when `logging.storeBodies` is on (table RequestBody). */
  body?: RequestBodyRecord;
}

/** One upstream attempt as the request log keeps it. */
export interface AttemptRecord {
  deployment: string;
  provider: string;
  status: "success" | "error" | "cancelled";
  errorCode?: string;
  /** The status the caller would have seen (a provider's 5xx is 502). */
  httpStatus?: number;
  /** The provider's own HTTP status, when it answered with one. */
  upstreamStatus?: number;
  /** The provider's own id for the call (its `request-id`, `x-request-id`, … response header). */
  upstreamRequestId?: string;
  latencyMs: number;
}

/** What `logging.storeBodies` keeps of a request: the request as received and the answer (or error). */
export interface RequestBodyRecord {
  prompt: unknown;
  answer: unknown;
}
