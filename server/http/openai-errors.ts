import type { ServerResponse } from "node:http";
import { GatewayError, UpstreamError } from "../gateway/errors.ts";

/** OpenAI's error `type` for each gateway code, so OpenAI SDKs raise the matching exception. */
const typeByCode: Record<string, string> = {
  BAD_REQUEST: "invalid_request_error",
  MODEL_NOT_FOUND: "invalid_request_error",
  UNAUTHENTICATED: "authentication_error",
  FORBIDDEN: "permission_error",
  MODEL_NOT_ALLOWED: "permission_error",
  RATE_LIMITED: "rate_limit_error",
  BUDGET_EXCEEDED: "budget_exceeded",
  PROVIDER_ERROR: "api_error",
  REDIS_UNAVAILABLE: "api_error",
};

/** The body OpenAI sends on errors: `{ error: { message, type, param, code } }`. */
export function openAIErrorBody(error: unknown) {
  if (!(error instanceof GatewayError)) {
    return {
      status: 500,
      body: {
        error: {
          message: "Internal error in the gateway.",
          type: "server_error",
          param: null,
          code: "internal_error",
        },
      },
    };
  }
  const upstream = error instanceof UpstreamError ? error : undefined;
  const code = upstream?.isContextLengthExceeded
    ? "context_length_exceeded"
    : upstream?.kind === "timeout"
      ? "timeout"
      : (upstream?.upstreamCode ?? error.code.toLowerCase());
  return {
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    body: {
      error: {
        message: error.message,
        type: typeByCode[error.code] ?? "api_error",
        param: error.param ?? null,
        code,
      },
    },
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(
    status,
    Object.assign(
      { "content-type": "application/json", "content-length": Buffer.byteLength(text) },
      headers,
    ),
  );
  response.end(text);
}

export function sendOpenAIError(
  response: ServerResponse,
  error: unknown,
  headers: Record<string, string> = {},
): void {
  const { status, body, retryAfterMs } = openAIErrorBody(error);
  sendJson(response, status, body, {
    ...headers,
    ...failedRequestHeaders(error, response),
    ...(retryAfterMs !== undefined
      ? { "retry-after": String(Math.ceil(retryAfterMs / 1000)) }
      : {}),
  });
}

/** A failed request's id, the upstream attempts it made and the last deployment tried, as on successful answers. */
function failedRequestHeaders(error: unknown, response: ServerResponse): Record<string, string> {
  const request = error instanceof GatewayError ? error.request : undefined;
  if (!request) return {};
  return {
    // The caller's own x-request-id, already on the response (openai-routes.ts), stays.
    ...(response.hasHeader("x-request-id") ? {} : { "x-request-id": request.id }),
    "x-switchboard-attempts": String(request.attempts),
    ...(request.lastDeployment ? { "x-switchboard-deployment": request.lastDeployment } : {}),
  };
}
