import type { ServerResponse } from "node:http";
import { GatewayError } from "../gateway/errors.ts";
import type { Principal } from "../gateway/principal.ts";
import type { Router } from "../gateway/router.ts";
import { sendAnthropicError } from "./anthropic-errors.ts";
import { sendJson } from "./openai-errors.ts";

/** One model in Anthropic's shape. */
interface AnthropicModel {
  type: "model";
  id: string;
  display_name: string;
  created_at: string;
}

/**
 * `GET /v1/models` and `GET /v1/models/{id}` in Anthropic's shape, answered instead of OpenAI's
 * when the caller sends `anthropic-version` (Anthropic's SDKs always do; Claude Code's model
 * picker lists the ids that start with "claude" or "anthropic"). The same names as OpenAI's list:
 * the groups, then the aliases, that the key may use; `limit` (1–1000, default 20), `after_id`
 * and `before_id` page as Anthropic's list does. `created_at` is when the gateway started: the
 * config does not say when a model was released.
 * Reference: https://docs.anthropic.com/en/api/models-list
 */
export function createAnthropicModels({
  router,
  startedAt = new Date(),
}: {
  router: Router;
  startedAt?: Date;
}) {
  const createdAt = startedAt.toISOString();

  function usable(principal: Principal): AnthropicModel[] {
    const allowed = principal.allowedModels;
    const names = [
      ...router
        .listGroups()
        .map((group) => group.name)
        .filter((name) => !allowed || allowed.includes(name)),
      ...router
        .listAliases()
        .filter(
          ({ alias, target }) =>
            router.describeModel(alias) &&
            (!allowed || allowed.includes(alias) || allowed.includes(target)),
        )
        .map(({ alias }) => alias),
    ];
    return names.map((id) => ({ type: "model", id, display_name: id, created_at: createdAt }));
  }

  function list(response: ServerResponse, principal: Principal, query: URLSearchParams): void {
    const models = usable(principal);
    const limit = Math.min(1000, Math.max(1, Number(query.get("limit")) || 20));
    const afterId = query.get("after_id");
    const beforeId = query.get("before_id");
    let start = 0;
    let end = models.length;
    if (afterId) start = models.findIndex((model) => model.id === afterId) + 1;
    if (beforeId)
      end = Math.max(
        0,
        models.findIndex((model) => model.id === beforeId),
      );
    // before_id pages backwards: the `limit` models just before it.
    const page = beforeId
      ? models.slice(Math.max(start, end - limit), end)
      : models.slice(start, start + limit);
    const hasMore = beforeId ? end - limit > start : start + limit < end;
    sendJson(response, 200, {
      data: page,
      has_more: hasMore,
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
    });
  }

  /** One model; one the key may not use is not found, as the list leaves it out. */
  function retrieve(response: ServerResponse, principal: Principal, encodedId: string): void {
    let id = encodedId;
    try {
      id = decodeURIComponent(encodedId);
    } catch {
      // Not valid percent-encoding: looked up as sent, which finds nothing.
    }
    const served = router.describeModel(id);
    const allowed = principal.allowedModels;
    if (!served || (allowed && !allowed.includes(served.name) && !allowed.includes(id)))
      return sendAnthropicError(
        response,
        new GatewayError("MODEL_NOT_FOUND", `model: ${id}`, { param: "model" }),
      );
    sendJson(response, 200, { type: "model", id, display_name: id, created_at: createdAt });
  }

  return { list, retrieve };
}
