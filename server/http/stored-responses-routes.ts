import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResponsesItem } from "../gateway/inbound/responses/responses-api.ts";
import type {
  StoredResponse,
  StoredResponseRepository,
} from "../storage/stored-response-repository.ts";
import { sendJson } from "./openai-errors.ts";

/*
 * The stored side of the Responses API: GET and DELETE /v1/responses/{id} and
 * GET /v1/responses/{id}/input_items, each reading only the caller's team's responses (another
 * team's id answers 404, as an unknown one does).
 */

/** OpenAI's 404 for a response id that is not there (or belongs to another team). */
export function sendNotFound(
  response: ServerResponse,
  message: string,
  param: string | null = null,
): void {
  sendJson(response, 404, {
    error: {
      message,
      type: "invalid_request_error",
      param,
      code: param ? "previous_response_not_found" : null,
    },
  });
}

/**
 * Answers a request for a stored response (`id` is the path after /v1/responses/); false when
 * the method and path are not one of these (the caller answers 404 for an unknown endpoint).
 */
export async function answerStoredResponse(
  storedResponses: StoredResponseRepository,
  {
    request,
    response,
    id: path,
    teamId,
  }: { request: IncomingMessage; response: ServerResponse; id: string; teamId?: string },
): Promise<boolean> {
  const [id, rest] = path.split("/", 2) as [string, string | undefined];
  const scope = { teamId };
  if (!id) return false;
  const notFound = () => sendNotFound(response, `Response with id '${id}' not found.`);
  if (rest === undefined && request.method === "GET") {
    const stored = await storedResponses.find(id, scope);
    if (!stored) notFound();
    else sendJson(response, 200, stored.response);
    return true;
  }
  if (rest === undefined && request.method === "DELETE") {
    if (!(await storedResponses.remove(id, scope))) notFound();
    else sendJson(response, 200, { id, object: "response.deleted", deleted: true });
    return true;
  }
  if (rest === "input_items" && request.method === "GET") {
    const stored = await storedResponses.find(id, scope);
    if (!stored) notFound();
    else
      listInputItems(
        response,
        stored,
        new URL(request.url ?? "/", "http://gateway.invalid").searchParams,
      );
    return true;
  }
  return false;
}

/** GET /v1/responses/{id}/input_items: the conversation the response answered, OpenAI's list shape (newest first unless `order=asc`). */
function listInputItems(response: ServerResponse, stored: StoredResponse, query: URLSearchParams) {
  const items = (stored.input as ResponsesItem[]).map((item, index) => ({
    id:
      typeof item.id === "string"
        ? item.id
        : `${item.type === "function_call_output" ? "fco" : "msg"}_${stored.id.slice(5)}_${index}`,
    ...(item.type ? {} : { type: "message" }),
    ...item,
  }));
  if (query.get("order") !== "asc") items.reverse();
  const after = query.get("after");
  const start = after ? items.findIndex((item) => item.id === after) + 1 : 0;
  const limit = Math.min(Math.max(Number(query.get("limit") ?? 20) || 20, 1), 100);
  const page = items.slice(start, start + limit);
  sendJson(response, 200, {
    object: "list",
    data: page,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: start + limit < items.length,
  });
}
