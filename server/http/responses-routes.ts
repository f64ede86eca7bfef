import type { IncomingMessage, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { GatewayError } from "../gateway/errors.ts";
import { formatUsd } from "../gateway/money.ts";
import { nativeAnswer, type NativeRelay, type RelayedResponse } from "../gateway/native-relay.ts";
import type { Principal } from "../gateway/principal.ts";
import type { Router } from "../gateway/router.ts";
import {
  callerToolsOf,
  convertResponsesToChat,
} from "../gateway/inbound/responses/convert-responses-to-chat.ts";
import {
  newResponsesId,
  type ResponseObject,
  responseFromChat,
} from "../gateway/inbound/responses/response-object.ts";
import {
  inputItemsOf,
  type ResponsesItem,
  type ResponsesRequest,
  validateResponsesRequest,
} from "../gateway/inbound/responses/responses-api.ts";
import { createResponsesStreamFormatter } from "../gateway/inbound/responses/responses-stream-formatter.ts";
import { createResponsesRelay } from "../gateway/providers/openai/openai-responses-relay.ts";
import type { AppServices } from "../services.ts";
import type {
  StoredResponse,
  StoredResponseRepository,
} from "../storage/stored-response-repository.ts";
import type { Authenticate } from "./authenticate.ts";
import { sendJson, sendOpenAIError } from "./openai-errors.ts";
import {
  authenticatedCaller,
  callerContext,
  openEventStream,
  servedByHeaders,
} from "./completion-exchange.ts";
import { answerStoredResponse, sendNotFound } from "./stored-responses-routes.ts";
import { writeResponsesStream } from "./responses-stream-writer.ts";
import { readJsonBody } from "./read-json-body.ts";

/*
 * OpenAI's Responses API (issue 15) as a thin edge over the one completion pipeline: parse the
 * Responses body, expand `previous_response_id` from the gateway's store, convert to the core's
 * chat request (with a native relay for OpenAI and Azure deployments, which get the Responses
 * body as it came), and format the core's answer or stream as a Response object and its events.
 * POST /v1/responses, GET and DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items.
 * Reference: https://platform.openai.com/docs/api-reference/responses
 */

const responsesPath = "/v1/responses";

/** Whether a /v1/ path is this edge's. */
export function isResponsesPath(pathname: string): boolean {
  return pathname === responsesPath || pathname.startsWith(`${responsesPath}/`);
}

/**
 * The items of a stored response's output as input for the next turn: the output as it came,
 * minus what only describes the answer (status).
 */
function outputAsInput(output: unknown): ResponsesItem[] {
  if (!Array.isArray(output)) return [];
  return (output as ResponsesItem[]).map(({ status: _status, ...item }) => item);
}

/**
 * The input a native upstream gets: the expanded conversation, minus reasoning items that carry
 * neither encrypted content nor anything else the upstream could read back (the upstream keeps
 * nothing, `store: false`, so a bare reasoning id would be unknown to it).
 */
function nativeInput(items: readonly ResponsesItem[]): ResponsesItem[] {
  return items.filter(
    (item) => item.type !== "reasoning" || typeof item.encrypted_content === "string",
  );
}

export function createResponsesRoutes({
  services,
  router,
  authenticate,
  storedResponses,
  dispatcher,
  now = Date.now,
  onUnexpectedError = () => {},
}: {
  services: AppServices;
  /** Which deployments may serve a model (whether the native relay may answer, see below). */
  router: Pick<Router, "plan" | "resolveModel">;
  authenticate: Authenticate;
  storedResponses: StoredResponseRepository;
  /** The upstream keep-alive pool the native relay posts through. */
  dispatcher?: Dispatcher;
  /** The app's clock: a stored response's time, which retention reads. */
  now?: () => number;
  onUnexpectedError?: (error: unknown) => void;
}) {
  function fail(response: ServerResponse, error: unknown): void {
    if (!(error instanceof GatewayError)) onUnexpectedError(error);
    sendOpenAIError(response, error);
  }

  /** A Responses request made ready for the pipeline; undefined once an error was answered (and logged). */
  async function prepare(request: IncomingMessage, response: ServerResponse, principal: Principal) {
    const context = callerContext(request, response, principal, "responses");
    const reject = (error: GatewayError, answer = () => fail(response, error)) => {
      services.completions.recordRejected(context, error);
      answer();
      return undefined;
    };
    let body: ResponsesRequest;
    try {
      body = validateResponsesRequest(await readJsonBody(request));
    } catch (error) {
      return reject(error as GatewayError);
    }
    const previousId = body.previous_response_id ?? undefined;
    let history: ResponsesItem[] = [];
    if (previousId) {
      const previous = await storedResponses.find(previousId, { teamId: principal.teamId });
      if (!previous) {
        const message = `Previous response with id '${previousId}' not found.`;
        return reject(
          new GatewayError("BAD_REQUEST", message, { status: 404, param: "previous_response_id" }),
          () => sendNotFound(response, message, "previous_response_id"),
        );
      }
      history = [
        ...(previous.input as ResponsesItem[]),
        ...outputAsInput(previous.response.output),
      ];
    }
    let items: ResponsesItem[];
    try {
      items = [...history, ...(await resolveReferences(inputItemsOf(body), principal))];
    } catch (error) {
      return reject(error as GatewayError);
    }
    const expanded = inputItemsOf(body).some((item) => item.type === "item_reference");
    let chat;
    try {
      chat = convertResponsesToChat(body, items);
    } catch (error) {
      return reject(error as GatewayError);
    }
    const { previous_response_id: _previous, ...original } = body;
    const relay = createResponsesRelay({
      dispatcher,
      // The gateway is the store: the upstream keeps nothing, and gets the whole conversation.
      upstreamBody: (deployment) => ({
        ...original,
        model: deployment.model,
        // The caller's own input as it came, unless earlier turns had to be expanded into it.
        input: previousId || expanded ? nativeInput(items) : original.input,
        store: false,
      }),
    });
    // The response cache's key is the chat request, which does not describe a Responses body
    // (include, reasoning summaries, hosted tools, fields OpenAI adds), and a stored chat answer
    // cannot give back OpenAI's own: a model an OpenAI or Azure deployment may serve skips it.
    if (servedNatively(body.model, relay)) context.cacheControl = "no-store";
    // Set on the context itself: a copy would lose what the caller's context keeps on its
    // prototype (its signal, made when first read).
    context.native = relay;
    return {
      body,
      chat,
      items,
      id: newResponsesId("resp"),
      context,
      previousId,
      store: body.store !== false,
      callerTools: callerToolsOf(body),
    };
  }

  function servedNatively(model: string, relay: NativeRelay): boolean {
    try {
      return router
        .plan(router.resolveModel(model))
        .some((deployment) => relay.accepts(deployment));
    } catch {
      return false; // an unknown model: the service answers model_not_found
    }
  }

  /**
   * `item_reference` items replaced by the stored output items they name (the caller's team's
   * only): OpenAI resolves them from its store, and so does the gateway, which is the store here.
   */
  async function resolveReferences(
    items: ResponsesItem[],
    principal: Principal,
  ): Promise<ResponsesItem[]> {
    if (!items.some((item) => item.type === "item_reference")) return items;
    return Promise.all(
      items.map(async (item, index) => {
        if (item.type !== "item_reference") return item;
        const found =
          typeof item.id === "string"
            ? await storedResponses.findItem(item.id, { teamId: principal.teamId })
            : undefined;
        if (!found)
          throw new GatewayError(
            "BAD_REQUEST",
            `Item with id '${String(item.id)}' not found (input[${index}] is an item_reference; only items of stored responses can be referenced).`,
            { param: `input[${index}]` },
          );
        return outputAsInput([found])[0];
      }),
    );
  }

  type Prepared = NonNullable<Awaited<ReturnType<typeof prepare>>>;

  /** The Response object as the caller sees it: the gateway's id and the caller's own store and previous_response_id. */
  function asCallers(prepared: Prepared, answer: Record<string, unknown>): ResponseObject {
    return {
      ...answer,
      id: prepared.id,
      previous_response_id: prepared.previousId ?? null,
      store: prepared.store,
    } as unknown as ResponseObject;
  }

  async function keep(
    prepared: Prepared,
    requestId: string,
    answer: ResponseObject,
  ): Promise<void> {
    if (!prepared.store) return;
    const stored: StoredResponse = {
      id: prepared.id,
      createdAt: new Date(now()),
      teamId: prepared.context.principal.teamId,
      apiKeyId: prepared.context.principal.apiKeyId,
      requestId,
      model: prepared.body.model,
      input: prepared.items,
      response: answer,
    };
    await storedResponses.save(stored);
  }

  async function create(request: IncomingMessage, response: ServerResponse, principal: Principal) {
    const prepared = await prepare(request, response, principal);
    if (!prepared) return;
    if (prepared.body.stream) return stream(response, prepared);
    let answer: ResponseObject;
    let result;
    try {
      result = await services.completions.chat(prepared.chat, prepared.context);
    } catch (error) {
      return fail(response, error);
    }
    const native = (result.response as RelayedResponse)[nativeAnswer] as
      Record<string, unknown> | undefined;
    answer = asCallers(
      prepared,
      native ??
        responseFromChat(result.response, {
          id: prepared.id,
          request: prepared.body,
          callerTools: prepared.callerTools,
          createdAt: Math.floor(now() / 1000),
        }),
    );
    try {
      await keep(prepared, result.requestId, answer);
    } catch (error) {
      onUnexpectedError(error);
    }
    sendJson(response, 200, answer, {
      ...servedByHeaders(result, prepared.context.clientRequestId),
      "x-switchboard-cost-usd": formatUsd(result.charge.costNanoUsd),
    });
  }

  async function stream(response: ServerResponse, prepared: Prepared): Promise<void> {
    let chunks;
    try {
      chunks = await services.completions.chatStream(prepared.chat, prepared.context);
    } catch (error) {
      return fail(response, error);
    }
    openEventStream(response, chunks, prepared.context.clientRequestId);
    const formatter = createResponsesStreamFormatter({
      id: prepared.id,
      request: prepared.body,
      model: prepared.body.model,
      previousResponseId: prepared.previousId,
      callerTools: prepared.callerTools,
      createdAt: Math.floor(now() / 1000),
    });
    await writeResponsesStream({
      response,
      chunks,
      formatter,
      fallbackId: prepared.id,
      asCallers: (answer) => asCallers(prepared, answer),
      keep: (answer) => keep(prepared, chunks.requestId, answer),
      onUnexpectedError,
    });
  }

  /** Handles /v1/responses and /v1/responses/{id}[/input_items]. */
  return async function handle(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
  ): Promise<void> {
    const principal = authenticatedCaller(request, response, authenticate, fail);
    if (!principal) return;
    if (pathname === responsesPath && request.method === "POST")
      return create(request, response, principal);
    const answered = await answerStoredResponse(storedResponses, {
      request,
      response,
      id: pathname.slice(responsesPath.length + 1),
      teamId: principal.teamId,
    }).catch((error: unknown) => {
      fail(response, error);
      return true;
    });
    if (answered) return;
    sendOpenAIError(
      response,
      new GatewayError("BAD_REQUEST", `Unknown endpoint: ${request.method} ${pathname}`, {
        status: 404,
      }),
    );
  };
}
