import type { ServerResponse } from "node:http";
import { GatewayError, UpstreamError } from "../gateway/errors.ts";
// Anthropic's documented error types and the status each is sent with: one table for reading
// Anthropic's errors (the provider) and for answering in them (this edge).
import { statusByErrorType } from "../gateway/providers/anthropic/anthropic-error.ts";
import { sendJson } from "./openai-errors.ts";

/*
 * Failures in Anthropic's error body and statuses, so Anthropic's SDKs (and Claude Code) raise
 * the matching exception and retry only what is worth retrying.
 * Reference: https://docs.anthropic.com/en/api/errors
 */

/** The status and body of a failure, plus the headers that go with it. */
export interface AnthropicErrorAnswer {
  status: number;
  body: { type: "error"; error: { type: string; message: string }; request_id?: string };
  headers: Record<string, string>;
}

/**
 * A gateway failure as Anthropic would have sent it: BAD_REQUEST → invalid_request_error (413 →
 * request_too_large, an unknown path → not_found_error), UNAUTHENTICATED → authentication_error,
 * FORBIDDEN / MODEL_NOT_ALLOWED → permission_error, MODEL_NOT_FOUND → not_found_error 404,
 * RATE_LIMITED and BUDGET_EXCEEDED → rate_limit_error 429 (a budget refusal with
 * `x-should-retry: false`, which Anthropic's SDKs obey: retrying cannot help before the budget
 * resets). A provider's failure keeps Anthropic's own type when the provider was Claude, else
 * is typed by its status; an overloaded upstream (529, 503) is overloaded_error 529, a timeout
 * timeout_error 504, anything unexpected api_error 500.
 */
export function anthropicErrorOf(error: unknown): AnthropicErrorAnswer {
  if (!(error instanceof GatewayError))
    return answer("api_error", 500, "Internal error in the gateway.", {});
  const headers: Record<string, string> = {};
  if (error.retryAfterMs !== undefined)
    headers["retry-after"] = String(Math.ceil(error.retryAfterMs / 1000));
  if (error.code === "BUDGET_EXCEEDED") headers["x-should-retry"] = "false";
  const [type, status] = typeAndStatus(error);
  return answer(type, status, error.message, headers, error.request?.id);
}

function typeAndStatus(error: GatewayError): [string, number] {
  switch (error.code) {
    case "BAD_REQUEST":
      if (error.status === 413) return ["request_too_large", 413];
      if (error.status === 404) return ["not_found_error", 404];
      return ["invalid_request_error", error.status];
    case "UNAUTHENTICATED":
      return ["authentication_error", 401];
    case "FORBIDDEN":
    case "MODEL_NOT_ALLOWED":
      return ["permission_error", 403];
    case "MODEL_NOT_FOUND":
      return ["not_found_error", 404];
    case "RATE_LIMITED":
    case "BUDGET_EXCEEDED":
      return ["rate_limit_error", 429];
    case "REDIS_UNAVAILABLE":
      return ["api_error", 503];
    default:
      return error instanceof UpstreamError ? upstreamTypeAndStatus(error) : ["api_error", 500];
  }
}

function upstreamTypeAndStatus(error: UpstreamError): [string, number] {
  const code = error.upstreamCode;
  if (error.upstreamStatus === 529 || error.upstreamStatus === 503 || code === "overloaded_error")
    return ["overloaded_error", 529];
  if (error.kind === "timeout") return ["timeout_error", 504];
  if (error.isContextLengthExceeded) return ["invalid_request_error", 400];
  // Claude's own 4xx type (invalid_request_error, not_found_error, …) with the status the gateway answers.
  if (code && statusByErrorType[code] === error.status) return [code, error.status];
  const byStatus = Object.entries(statusByErrorType).find(([, status]) => status === error.status);
  return byStatus ? [byStatus[0], error.status] : ["api_error", error.status];
}

function answer(
  type: string,
  status: number,
  message: string,
  headers: Record<string, string>,
  requestId?: string,
): AnthropicErrorAnswer {
  return {
    status,
    body: {
      type: "error",
      error: { type, message },
      ...(requestId ? { request_id: requestId } : {}),
    },
    headers,
  };
}

/** Answers with Anthropic's error body, its status and headers (retry-after, the request's id and attempts). */
export function sendAnthropicError(response: ServerResponse, error: unknown): void {
  const { status, body, headers } = anthropicErrorOf(error);
  const request = error instanceof GatewayError ? error.request : undefined;
  sendJson(response, status, body, {
    ...headers,
    ...(request && !response.hasHeader("x-request-id") ? { "x-request-id": request.id } : {}),
    ...(request ? { "x-switchboard-attempts": String(request.attempts) } : {}),
    ...(request?.lastDeployment ? { "x-switchboard-deployment": request.lastDeployment } : {}),
  });
}
