import type { ModelEntry } from "../../../config.ts";
import type { ResponsesEndpoint } from "../openai/openai-responses-relay.ts";

/**
 * Azure OpenAI's Responses API: the v1 data-plane route `{apiBase}/openai/v1/responses` (no
 * dated api-version; the body's `model` is the deployment name), authenticated like chat: the
 * `api-key` header, or a Microsoft Entra ID token as a bearer.
 * Reference: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/how-to/responses
 */
export function azureResponsesEndpoint(entry: ModelEntry): ResponsesEndpoint {
  const root = (entry.apiBase ?? "").replace(/\/+$/, "");
  return {
    url: new URL(`${root}/openai/v1/responses`),
    headers: entry.azureAdToken
      ? { authorization: `Bearer ${entry.azureAdToken}` }
      : entry.apiKey
        ? { "api-key": entry.apiKey }
        : {},
    secrets: [entry.apiKey, entry.azureAdToken],
  };
}
