import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./openai-errors.ts";

/** Request headers a browser client may send: the key in any of its three headers, and tracing. */
const allowedHeaders =
  "authorization, content-type, accept, x-api-key, api-key, anthropic-version, x-request-id, traceparent, cache-control, x-graphql-event-stream-token";
/** Response headers a browser client may read. */
const exposedHeaders = "x-request-id, x-switchboard-cache, retry-after, retry-after-ms";

/**
 * CORS for /v1 and /graphql from `server.corsOrigins`: exact origins (`https://app.example.com`)
 * or `*` for any. An allowed origin gets `Access-Control-Allow-Origin` on every answer and its
 * preflight answered here (204); a preflight from any other origin is refused (403) with a
 * message naming the setting. No cookies are involved (keys travel in headers), so credentials
 * are never allowed. Returns true when it answered the request itself.
 */
export function createCors(origins: readonly string[]) {
  const anyOrigin = origins.includes("*");
  const allowed = new Set(origins);
  return function applyCors(request: IncomingMessage, response: ServerResponse): boolean {
    const origin = request.headers.origin;
    if (!origin) return false;
    const isAllowed = anyOrigin || allowed.has(origin);
    const isPreflight =
      request.method === "OPTIONS" &&
      request.headers["access-control-request-method"] !== undefined;
    if (isAllowed) {
      response.setHeader("access-control-allow-origin", anyOrigin ? "*" : origin);
      response.setHeader("vary", "Origin");
      response.setHeader("access-control-expose-headers", exposedHeaders);
    }
    if (!isPreflight) return false;
    if (!isAllowed) {
      sendJson(response, 403, {
        error: {
          message: `Origin ${origin} may not call this gateway from a browser; add it to server.corsOrigins in the config.`,
          type: "invalid_request_error",
          code: "cors_origin_not_allowed",
        },
      });
      return true;
    }
    response.writeHead(204, {
      "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS",
      "access-control-allow-headers": allowedHeaders,
      "access-control-max-age": "600",
      "content-length": "0",
    });
    response.end();
    return true;
  };
}
