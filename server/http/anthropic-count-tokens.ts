import type { ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { GatewayError } from "../gateway/errors.ts";
import {
  type AnthropicMessagesRequest,
  parseAnthropicCountTokensRequest,
} from "../gateway/inbound/anthropic/anthropic-messages-request.ts";
import { convertAnthropicRequest } from "../gateway/inbound/anthropic/convert-anthropic-request.ts";
import {
  type CallerMessagesRequest,
  claudeTransportFor,
  isClaudeDeployment,
} from "../gateway/providers/anthropic/anthropic-messages-relay.ts";
import type { Router } from "../gateway/router.ts";
import { estimatePromptTokens, estimateTokens } from "../gateway/tokens.ts";
import type { CompletionContext } from "../modules/completions/completions.service.ts";
import { sendJson } from "./openai-errors.ts";

/**
 * `POST /v1/messages/count_tokens` → `{ input_tokens }`. Not a completion: nothing is spent,
 * reserved or written to the request log, but the key and its model allow-list are checked as
 * for a completion. A model with a Claude deployment asks that platform's own count (Anthropic's
 * count_tokens, Vertex AI's count-tokens:rawPredict, Bedrock's CountTokens) with the caller's body,
 * the deployment's model and the beta headers; any other model gets the gateway's own estimate
 * (the tokenizer over the converted prompt and tools).
 * Reference: https://docs.anthropic.com/en/api/messages-count-tokens
 */
export function createCountTokens({
  router,
  dispatcher,
}: {
  router: Router;
  dispatcher?: Dispatcher;
}) {
  return async function countTokens(
    response: ServerResponse,
    body: unknown,
    context: CompletionContext,
    caller: Omit<CallerMessagesRequest, "body">,
  ): Promise<void> {
    const parsed = parseAnthropicCountTokensRequest(body);
    const group = router.resolveModel(parsed.model);
    const allowed = context.principal.allowedModels;
    if (allowed && !allowed.includes(group) && !allowed.includes(parsed.model))
      throw new GatewayError(
        "MODEL_NOT_ALLOWED",
        `This API key may not use the model '${parsed.model}'.`,
        {
          param: "model",
        },
      );
    const deployments = router.plan(group);
    const claude = deployments.find(
      (deployment) =>
        isClaudeDeployment(deployment) && claudeTransportFor(deployment, dispatcher).countTokens,
    );
    if (claude) {
      const transport = claudeTransportFor(claude, dispatcher);
      const signal = context.signal ?? new AbortController().signal;
      // The caller's body as it came (the parsed copy may order its fields differently).
      const request = {
        ...caller,
        body: body as Record<string, unknown>,
        model: claude.model,
        stream: false,
      };
      return sendJson(response, 200, await transport.countTokens!(request, signal));
    }
    const chat = convertAnthropicRequest({ ...parsed, max_tokens: 1 } as AnthropicMessagesRequest);
    const model = deployments[0]?.model;
    const tools = chat.tools ? estimateTokens(JSON.stringify(chat.tools), model) : 0;
    sendJson(response, 200, { input_tokens: estimatePromptTokens(chat.messages, model) + tools });
  };
}
