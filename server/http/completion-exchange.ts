import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayError } from "../gateway/errors.ts";
import type { Principal } from "../gateway/principal.ts";
import type { RequestSource } from "../gateway/request-record.ts";
import type { DeploymentIdentity } from "../gateway/router.ts";
import type { CacheStatus, CompletionContext } from "../modules/completions/completions.service.ts";
import { acceptedIncomingRequestId } from "./request-id.ts";

/*
 * What the three REST dialects (Chat Completions, Anthropic Messages, Responses) share around a
 * completion: the caller's context, cancelled when the caller goes away, and the headers that
 * say which request it was and where it was served.
 */

/**
 * The pipeline's context for one HTTP request: the caller going away (the socket closing before
 * the answer finished) aborts its signal, which cancels the upstream call; the caller's own
 * acceptable `x-request-id` is echoed on every answer, errors included.
 */
export function callerContext(
  request: IncomingMessage,
  response: ServerResponse,
  principal: Principal,
  source: RequestSource,
): CompletionContext {
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished)
      controller.abort(new GatewayError("CANCELLED", "The caller disconnected."));
  });
  const clientRequestId = acceptedIncomingRequestId(request.headers["x-request-id"]);
  if (clientRequestId) response.setHeader("x-request-id", clientRequestId);
  return {
    principal,
    source,
    signal: controller.signal,
    cacheControl: request.headers["cache-control"],
    clientRequestId,
  };
}

/**
 * Which request this was and where it was served (DESIGN §5), on JSON and stream answers alike;
 * with the response cache on, whether it answered (`x-switchboard-cache: hit | miss`).
 */
export function servedByHeaders(
  served: {
    requestId: string;
    deployment: DeploymentIdentity;
    attempts: number;
    cache?: CacheStatus;
  },
  clientRequestId?: string,
): Record<string, string> {
  return {
    // The caller's own id, when it sent an acceptable one, is echoed (the log line has both).
    "x-request-id": clientRequestId ?? served.requestId,
    "x-switchboard-provider": served.deployment.provider,
    "x-switchboard-deployment": served.deployment.id,
    "x-switchboard-attempts": String(served.attempts),
    ...(served.cache ? { "x-switchboard-cache": served.cache } : {}),
  };
}
