import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { presentedCredential } from "./authenticate.ts";
import { sendJson } from "./openai-errors.ts";

function digestOf(secret: string): Buffer {
  return createHash("sha256").update(secret).digest();
}

/**
 * Who may scrape /metrics: anyone when `metrics.apiKey` is unset (as before; Prometheus scrapers
 * usually carry no credentials), otherwise only `Authorization: Bearer <metrics.apiKey>` or the
 * master key (an operator checking by hand). Team keys never: the series name every team's
 * models and deployments. Returns true when it refused the request (401 sent).
 */
export function createMetricsAccess({
  apiKey,
  masterKey,
}: {
  apiKey?: string;
  masterKey?: string;
}) {
  const accepted = apiKey ? [apiKey, masterKey].filter(Boolean).map((key) => digestOf(key!)) : [];
  return function refuseMetrics(request: IncomingMessage, response: ServerResponse): boolean {
    if (accepted.length === 0) return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(
      presentedCredential((name) => request.headers[name]) ?? "",
    );
    const digest = match && digestOf(match[1]);
    if (digest && accepted.some((key) => timingSafeEqual(key, digest))) return false;
    sendJson(
      response,
      401,
      {
        error: {
          message:
            "/metrics needs 'Authorization: Bearer <key>' with metrics.apiKey (or the master key).",
          type: "authentication_error",
          code: "unauthenticated",
        },
      },
      { "www-authenticate": 'Bearer realm="metrics"' },
    );
    return true;
  };
}
