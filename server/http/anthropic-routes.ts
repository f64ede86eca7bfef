import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { GatewayError } from "../gateway/errors.ts";
import { anthropicMessageFromChat } from "../gateway/inbound/anthropic/anthropic-message-from-chat.ts";
import { parseAnthropicMessagesRequest } from "../gateway/inbound/anthropic/anthropic-messages-request.ts";
import { convertAnthropicRequest } from "../gateway/inbound/anthropic/convert-anthropic-request.ts";
import { formatUsd } from "../gateway/money.ts";
import { nativeAnswer, type RelayedResponse } from "../gateway/native-relay.ts";
import type { Principal } from "../gateway/principal.ts";
import {
  createAnthropicMessagesRelay,
  isClaudeDeployment,
} from "../gateway/providers/anthropic/anthropic-messages-relay.ts";
import type { Router } from "../gateway/router.ts";
import type { CompletionContext } from "../modules/completions/completions.service.ts";
import type { AppServices } from "../services.ts";
import { sendAnthropicError } from "./anthropic-errors.ts";
import { createAnthropicModels } from "./anthropic-models.ts";
import { createCountTokens } from "./anthropic-count-tokens.ts";
import { writeAnthropicStream } from "./anthropic-stream-writer.ts";
import {
  authenticatedCaller,
  receiveCompletionRequest,
  servedByHeaders,
} from "./completion-exchange.ts";
import type { Authenticate } from "./authenticate.ts";
import { sendJson } from "./openai-errors.ts";

const modelPathPrefix = "/v1/models/";

/**
 * Anthropic's Messages API (DESIGN §12 "Inbound formats"), a thin edge over the one completion
 * pipeline: `POST /v1/messages` (JSON or SSE) and `POST /v1/messages/count_tokens` for any
 * configured model, and `GET /v1/models[/{id}]` in Anthropic's shape when the caller sends
 * `anthropic-version`. The body is checked and converted to the gateway's ChatRequest; Claude
 * deployments get the caller's own body through the relay (createAnthropicMessagesRelay), others
 * the ChatRequest; the answer goes back as Claude sent it, or converted. Keys come from
 * `x-api-key` or `Authorization: Bearer`; every failure is in Anthropic's error shape.
 */
export function createAnthropicRoutes({
  services,
  router,
  authenticate,
  dispatcher,
  onUnexpectedError = () => {},
}: {
  services: AppServices;
  router: Router;
  authenticate: Authenticate;
  /** The upstream pool the relay sends through. */
  dispatcher?: Dispatcher;
  onUnexpectedError?: (error: unknown) => void;
}) {
  const models = createAnthropicModels({ router });
  const countTokens = createCountTokens({ router, dispatcher });

  function fail(response: ServerResponse, error: unknown): void {
    if (!(error instanceof GatewayError)) onUnexpectedError(error);
    sendAnthropicError(response, error);
  }

  /** Whether this edge answers the request (the rest of /v1/ is OpenAI's). */
  function handles(request: IncomingMessage, pathname: string): boolean {
    // Everything under /v1/messages is Anthropic's (an unknown path there is its not_found_error).
    if (pathname === "/v1/messages" || pathname.startsWith("/v1/messages/")) return true;
    const isModels = pathname === "/v1/models" || pathname.startsWith(modelPathPrefix);
    return (
      isModels && request.method === "GET" && request.headers["anthropic-version"] !== undefined
    );
  }

  async function handle(request: IncomingMessage, response: ServerResponse, pathname: string) {
    const principal = authenticatedCaller(request, response, authenticate, fail);
    if (!principal) return;
    const url = new URL(request.url ?? "/", "http://gateway.invalid");
    if (pathname === "/v1/messages" && request.method === "POST")
      return messages(request, response, principal, url);
    if (pathname === "/v1/messages/count_tokens" && request.method === "POST") {
      const received = await receive(request, response, principal);
      if (!received) return;
      try {
        return await countTokens(
          response,
          received.body,
          received.context,
          headersOf(request, url),
        );
      } catch (error) {
        return fail(response, error);
      }
    }
    if (pathname === "/v1/models" && request.method === "GET")
      return models.list(response, principal, url.searchParams);
    if (pathname.startsWith(modelPathPrefix) && request.method === "GET")
      return models.retrieve(response, principal, pathname.slice(modelPathPrefix.length));
    fail(
      response,
      new GatewayError("BAD_REQUEST", `Not found: ${request.method} ${pathname}`, { status: 404 }),
    );
  }

  /** The context (aborted when the caller goes away) and the JSON body; undefined once an error was answered. */
  async function receive(request: IncomingMessage, response: ServerResponse, principal: Principal) {
    return receiveCompletionRequest(request, response, principal, "anthropic-messages", {
      recordRejected: services.completions.recordRejected,
      fail,
    });
  }

  async function messages(
    request: IncomingMessage,
    response: ServerResponse,
    principal: Principal,
    url: URL,
  ) {
    const received = await receive(request, response, principal);
    if (!received) return;
    const { context, body } = received;
    let parsed;
    try {
      parsed = parseAnthropicMessagesRequest(body);
    } catch (error) {
      const stream = (body as { stream?: unknown } | null)?.stream === true;
      services.completions.recordRejected(context, error as GatewayError, { stream });
      return fail(response, error);
    }
    const chatRequest = convertAnthropicRequest(parsed);
    // A Claude deployment gets the caller's own body, which the ChatRequest (the cache's key) does
    // not wholly describe, and answers bytes a stored ChatResponse cannot give back (thinking
    // signatures): requests for a model Claude serves stay away from the response cache.
    if (servedByClaude(parsed.model)) context.cacheControl = "no-store";
    context.native = createAnthropicMessagesRelay(
      { body: body as Record<string, unknown>, ...headersOf(request, url) },
      { dispatcher },
    );
    if (!parsed.stream) {
      try {
        const result = await services.completions.chat(chatRequest, context);
        const native = (result.response as RelayedResponse)[nativeAnswer];
        return sendJson(
          response,
          200,
          native ?? anthropicMessageFromChat(result.response, parsed.model),
          {
            ...servedByHeaders(result, context.clientRequestId),
            "x-switchboard-cost-usd": formatUsd(result.charge.costNanoUsd),
          },
        );
      } catch (error) {
        return fail(response, error);
      }
    }
    await stream(response, chatRequest, context, parsed.model);
  }

  async function stream(
    response: ServerResponse,
    chatRequest: ReturnType<typeof convertAnthropicRequest>,
    context: CompletionContext,
    model: string,
  ) {
    let chunks;
    try {
      chunks = await services.completions.chatStream(chatRequest, context);
    } catch (error) {
      return fail(response, error);
    }
    await writeAnthropicStream(response, chunks, {
      model,
      clientRequestId: context.clientRequestId,
      onUnexpectedError,
    });
  }

  function servedByClaude(model: string): boolean {
    try {
      return router.plan(router.resolveModel(model)).some(isClaudeDeployment);
    } catch {
      return false; // an unknown model: the service answers not_found_error
    }
  }

  return { handles, handle };
}

/** What reaches Claude unchanged besides the body: the beta and version headers, `?beta=true`. */
function headersOf(request: IncomingMessage, url: URL) {
  const header = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(",") : value) || undefined;
  };
  return {
    beta: header("anthropic-beta"),
    version: header("anthropic-version"),
    betaQuery: url.searchParams.get("beta") === "true",
  };
}
