import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayError } from "../gateway/errors.ts";
import type { Principal } from "../gateway/principal.ts";
import { formatUsd } from "../gateway/money.ts";
import { type ChatChunk, providerChunkText } from "../gateway/spec.ts";
import type {
  CompletionContext,
  CompletionResult,
} from "../modules/completions/completions.service.ts";
import type { AppServices } from "../services.ts";
import type { Authenticate } from "./authenticate.ts";
import { openAIErrorBody, sendJson, sendOpenAIError } from "./openai-errors.ts";
import {
  authenticatedCaller,
  endEventStream,
  openEventStream,
  receiveCompletionRequest,
  servedByHeaders,
  writeWithBackpressure,
} from "./completion-exchange.ts";

/** GET /v1/models/{id}: the rest of the path is the id, slashes included (`openai/gpt-4o`). */
const modelPathPrefix = "/v1/models/";

/**
 * OpenAI-compatible REST (DESIGN §5) on plain node:http, so the hot path pays for no framework:
 * POST /v1/chat/completions (JSON or SSE), POST /v1/embeddings, GET /v1/models and
 * GET /v1/models/{id}. Same service as GraphQL.
 */
export function createOpenAIRoutes({
  services,
  authenticate,
  onUnexpectedError = () => {},
}: {
  services: AppServices;
  authenticate: Authenticate;
  /** Told about each failure that is not a GatewayError (answered as a 500 internal_error), for the log. */
  onUnexpectedError?: (error: unknown) => void;
}) {
  /** Answers with OpenAI's error body; an error the gateway did not expect is reported first. */
  function fail(response: ServerResponse, error: unknown): void {
    if (!(error instanceof GatewayError)) onUnexpectedError(error);
    sendOpenAIError(response, error);
  }

  /** The request's context (aborted when the caller goes away) and its JSON body; undefined once an error was answered. */
  async function receive(
    request: IncomingMessage,
    response: ServerResponse,
    principal: Principal,
  ): Promise<{ context: CompletionContext; body: unknown } | undefined> {
    return receiveCompletionRequest(request, response, principal, "rest", {
      recordRejected: services.completions.recordRejected,
      fail,
    });
  }

  async function embeddings(
    request: IncomingMessage,
    response: ServerResponse,
    principal: Principal,
  ): Promise<void> {
    const received = await receive(request, response, principal);
    if (!received) return;
    try {
      const result = await services.completions.embed(received.body, received.context);
      sendJson(response, 200, result.response, {
        ...servedByHeaders(result, received.context.clientRequestId),
        "x-switchboard-cost-usd": formatUsd(result.charge.costNanoUsd),
      });
    } catch (error) {
      fail(response, error);
    }
  }

  async function chatCompletions(
    request: IncomingMessage,
    response: ServerResponse,
    principal: Principal,
  ): Promise<void> {
    const received = await receive(request, response, principal);
    if (!received) return;
    const { context, body } = received;
    const isStream = (body as { stream?: unknown } | null)?.stream === true;
    if (!isStream) {
      const answer = (result: CompletionResult) => {
        const headers = servedByHeaders(result, context.clientRequestId);
        headers["x-switchboard-cost-usd"] = formatUsd(result.charge.costNanoUsd);
        sendJson(response, 200, result.response, headers);
      };
      // The answer goes out before the request is logged (CompletionContext.answer).
      context.answer = answer;
      try {
        const result = await services.completions.chat(body, context);
        if (!response.headersSent) answer(result);
      } catch (error) {
        if (!response.headersSent) return fail(response, error);
        if (!(error instanceof GatewayError)) onUnexpectedError(error);
      }
      return;
    }
    await streamChatCompletion(response, body, context);
  }

  async function streamChatCompletion(
    response: ServerResponse,
    body: unknown,
    context: CompletionContext,
  ): Promise<void> {
    let stream;
    try {
      stream = await services.completions.chatStream(body, context);
    } catch (error) {
      return fail(response, error);
    }
    const includeUsage =
      (body as { stream_options?: { include_usage?: unknown } }).stream_options?.include_usage ===
      true;
    openEventStream(response, stream, context.clientRequestId);
    try {
      for await (const chunk of stream) {
        // The gateway always asks upstream for usage; the caller gets the usage chunk only if it asked.
        if (chunk.choices.length === 0 && chunk.usage && !includeUsage) continue;
        const full = writeWithBackpressure(response, `data: ${chunkJson(chunk, includeUsage)}\n\n`);
        if (full) await full;
        if (response.destroyed) break;
      }
      if (!response.destroyed) endEventStream(response, "data: [DONE]\n\n");
    } catch (error) {
      // Tokens may already be with the caller: end with an error event (OpenAI SDKs raise it), never a retry.
      if (!(error instanceof GatewayError)) onUnexpectedError(error);
      if (!response.destroyed)
        endEventStream(response, `data: ${JSON.stringify(openAIErrorBody(error).body)}\n\n`);
    }
  }

  /** The groups the caller may use, then the aliases it may use (allowed as a call through them is). */
  function listModels(response: ServerResponse, principal: Principal): void {
    const created = Math.floor(Date.now() / 1000);
    const allowed = principal.allowedModels;
    const groups = services.models
      .list()
      .filter((model) => !allowed || allowed.includes(model.name))
      .map((model) => ({ id: model.name, object: "model", created, owned_by: model.provider }));
    const aliases = services.models
      .aliases()
      .filter((alias) => !allowed || allowed.includes(alias.target) || allowed.includes(alias.name))
      .map((alias) => ({ id: alias.name, object: "model", created, owned_by: alias.provider }));
    sendJson(response, 200, { object: "list", data: [...groups, ...aliases] });
  }

  /**
   * One model (`models.retrieve`): a group, an alias or a provider/model name a wildcard serves.
   * One the key may not use is answered as unknown, as OpenAI does (and as the list leaves it out).
   */
  function retrieveModel(response: ServerResponse, principal: Principal, encodedId: string): void {
    let id = encodedId;
    try {
      // SDKs escape the id as one path segment (openai/gpt-4o → openai%2Fgpt-4o); curl users do not.
      id = decodeURIComponent(encodedId);
    } catch {
      // Not valid percent-encoding: looked up as sent, which finds nothing.
    }
    const served = services.models.find(id);
    const allowed = principal.allowedModels;
    if (!served || (allowed && !allowed.includes(served.name) && !allowed.includes(id)))
      return sendOpenAIError(
        response,
        new GatewayError(
          "MODEL_NOT_FOUND",
          `The model '${id}' does not exist or you do not have access to it.`,
          { param: "model" },
        ),
      );
    const created = Math.floor(Date.now() / 1000);
    sendJson(response, 200, { id, object: "model", created, owned_by: served.provider });
  }

  /** Handles /v1/* requests; answers 404 in OpenAI's shape for unknown paths. */
  return async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
  ): Promise<void> {
    const principal = authenticatedCaller(request, response, authenticate, fail);
    if (!principal) return;
    if (pathname === "/v1/chat/completions" && request.method === "POST")
      return chatCompletions(request, response, principal);
    if (pathname === "/v1/embeddings" && request.method === "POST")
      return embeddings(request, response, principal);
    if (pathname === "/v1/models" && request.method === "GET")
      return listModels(response, principal);
    const modelId = pathname.startsWith(modelPathPrefix)
      ? pathname.slice(modelPathPrefix.length)
      : "";
    if (modelId && request.method === "GET") return retrieveModel(response, principal, modelId);
    sendOpenAIError(
      response,
      new GatewayError("BAD_REQUEST", `Unknown endpoint: ${request.method} ${pathname}`, {
        status: 404,
      }),
    );
  };
}

/** How a chunk's text ends when the gateway asked for usage and the chunk has none yet. */
const nullUsageEnding = ',"usage":null}';

/**
 * A chunk's JSON for a Chat Completions caller: the provider's own text when the chunk carries it
 * (less a trailing `"usage":null` for a caller that asked for no usage, which OpenAI would not have
 * sent it), else the chunk serialised. The gateway always asks upstream for usage (issue 16).
 */
function chunkJson(chunk: ChatChunk, includeUsage: boolean): string {
  const text = chunk[providerChunkText];
  if (text !== undefined) {
    if (includeUsage || chunk.usage === undefined) return text;
    // The only `"usage":` in the text is the trailing one: a string value cannot hold it unescaped.
    if (
      chunk.usage === null &&
      text.indexOf('"usage":') === text.length - nullUsageEnding.length + 1
    )
      return `${text.slice(0, -nullUsageEnding.length)}}`;
  }
  // Set, not deleted: `delete` turns the chunk into a slow dictionary object for stringify.
  if (!includeUsage && chunk.usage !== undefined) chunk.usage = undefined;
  return JSON.stringify(chunk);
}
