import type { OpenAIRequestBody } from "../openai/convert-to-openai-request.ts";

/** The JSON body sent to `POST {apiBase}/openai/deployments/{deployment}/chat/completions?api-version=…`. */
export type AzureRequestBody = OpenAIRequestBody;

/**
 * Azure OpenAI takes OpenAI's request body (the adapter first applies convertToOpenAIRequest:
 * `metadata` is dropped, streams ask for `stream_options.include_usage`), so everything passes
 * through — multi-part content with data: and http(s) image URLs, tools, tool_choice,
 * parallel_tool_calls, response_format (json_schema is Azure's native structured output),
 * sampling fields, seed, stop, user, logit_bias, logprobs, n, Azure's own `data_sources` and any
 * field the gateway does not know — with two adjustments for what a dated api-version accepts:
 * - `developer` messages are sent as `system`: the GA api-version 2024-10-21 has no developer
 *   role, and Azure's reasoning models treat system messages as developer messages anyway;
 * - `max_completion_tokens` is sent as `max_tokens` (unless the caller also set `max_tokens`)
 *   when the api-version predates it (GA 2024-10-21 and older, previews before 2024-09-01),
 *   which answer "Unrecognized request argument" otherwise. Reasoning deployments need a newer
 *   api-version anyway, where it passes through unchanged.
 * `model` is the deployment name; Azure routes by the URL and ignores it in the body.
 * Reference: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference (2024-10-21),
 *            https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/reasoning
 */
export function convertToAzureRequest(
  body: OpenAIRequestBody,
  { apiVersion }: { apiVersion: string },
): AzureRequestBody {
  const messages = Array.isArray(body.messages)
    ? body.messages.map((message: { role?: unknown }) =>
        message.role === "developer" ? { ...message, role: "system" } : message,
      )
    : body.messages;
  const converted: AzureRequestBody = { ...body, messages };
  if (converted.max_completion_tokens !== undefined && !acceptsMaxCompletionTokens(apiVersion)) {
    const { max_completion_tokens: maxCompletionTokens, ...rest } = converted;
    return { ...rest, max_tokens: rest.max_tokens ?? maxCompletionTokens };
  }
  return converted;
}

/**
 * Whether an api-version knows `max_completion_tokens`: previews from 2024-09-01-preview on,
 * GA versions after 2024-10-21, and the undated ones (`v1`, `preview`, `latest`).
 */
export function acceptsMaxCompletionTokens(apiVersion: string): boolean {
  const dated = /^(\d{4}-\d{2}-\d{2})(-preview)?$/.exec(apiVersion);
  if (!dated) return true;
  const [, date, preview] = dated;
  return preview ? date >= "2024-09-01" : date > "2024-10-21";
}
