import type { Dispatcher } from "undici";
import {
  type CallOptions,
  type ChatChunk,
  type ChatRequest,
  providerChunkText,
  type ProviderAdapter,
} from "../../spec.ts";
import { createOpenAIAdapter, type OpenAIOperation } from "../openai/openai-adapter.ts";
import { azurePromptAnnotationChunkSchema } from "./azure-api.ts";
import { convertToAzureRequest } from "./convert-to-azure-request.ts";
import { mapAzureFinishReason } from "./map-azure-finish-reason.ts";

/** The api-version sent when the model entry names none: the latest dated GA version of Azure OpenAI's data-plane inference API. */
export const defaultAzureApiVersion = "2024-10-21";

export interface AzureAdapterOptions {
  /** The resource endpoint, `https://<resource>.openai.azure.com` (or a proxy in front of it). Required. */
  apiBase: string;
  /** Sent as Azure's `api-key` header. */
  apiKey?: string;
  /** A Microsoft Entra ID access token, sent as `Authorization: Bearer`; wins over apiKey when both are set. */
  azureAdToken?: string;
  /** The `api-version` query parameter; default {@link defaultAzureApiVersion}. */
  apiVersion?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher). */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

/**
 * Azure OpenAI: OpenAI's wire format behind per-deployment URLs
 * (`{apiBase}/openai/deployments/{deployment}/chat/completions?api-version=…`, the same for
 * `/embeddings`), where the request's `model` is the deployment name. Built on openai's adapter,
 * so cancellation, body release, schemas and error normalisation (credentials masked) are
 * OpenAI's. On top of it: Azure's auth headers, the dated api-version's request adjustments
 * (convertToAzureRequest), and the stream's opening prompt-annotation chunk folded into the
 * first real chunk.
 * Reference: https://learn.microsoft.com/en-us/azure/ai-foundry/openai/reference
 */
export function createAzureAdapter({
  apiBase,
  apiKey,
  azureAdToken,
  apiVersion = defaultAzureApiVersion,
  dispatcher,
  provider = "azure",
  headers = {},
}: AzureAdapterOptions): ProviderAdapter {
  if (!apiBase)
    throw new Error(
      `The ${provider} provider needs an apiBase: the resource endpoint, https://<resource>.openai.azure.com.`,
    );
  if (!apiKey && !azureAdToken)
    throw new Error(
      `The ${provider} provider needs an apiKey (sent as the api-key header) or an azureAdToken (a Microsoft Entra ID token).`,
    );
  const root = apiBase.replace(/\/+$/, "");
  // An empty value (an unset `${AZURE_API_VERSION}` in the config) means the default too.
  const version = apiVersion || defaultAzureApiVersion;
  const secrets = [apiKey, azureAdToken];
  // An Entra ID token is a bearer token, which openai's adapter sends (and masks) as its apiKey.
  const authHeaders = azureAdToken ? headers : { ...headers, "api-key": apiKey! };
  const openAI = createOpenAIAdapter({
    apiKey: azureAdToken,
    dispatcher,
    provider,
    headers: authHeaders,
    secrets,
    mapFinishReason: mapAzureFinishReason,
    // The request's model is the deployment name, part of the URL.
    urlFor: (operation, deployment) => azureUrl(root, deployment, operation, version),
    prepareBody: (body) => convertToAzureRequest(body, { apiVersion: version }),
  });

  async function* chatStream(
    request: ChatRequest,
    options: CallOptions,
  ): AsyncGenerator<ChatChunk> {
    yield* foldPromptAnnotations(openAI.chatStream(request, options));
  }

  return { provider, chat: openAI.chat, chatStream, embed: openAI.embed };
}

/** `{root}/openai/deployments/{deployment}/{operation}?api-version={apiVersion}`. */
export function azureUrl(
  root: string,
  deployment: string,
  operation: OpenAIOperation,
  apiVersion: string,
): URL {
  const url = new URL(`${root}/openai/deployments/${encodeURIComponent(deployment)}/${operation}`);
  url.searchParams.set("api-version", apiVersion);
  return url;
}

/**
 * Azure opens a stream with a chunk that has no choices and no identity (id "", model "",
 * created 0), only `prompt_filter_results`. Passed on as is it would be a chunk of no
 * completion ahead of the role chunk; instead its `prompt_filter_results` ride on the next
 * chunk, which keeps the verdict and gives every chunk the completion's id. Returning early
 * (or failing) ends the inner stream, which closes or releases the upstream body.
 */
async function* foldPromptAnnotations(chunks: AsyncIterable<ChatChunk>): AsyncGenerator<ChatChunk> {
  let promptFilterResults: unknown[] | undefined;
  for await (const chunk of chunks) {
    // Cheap test first: only choice-less chunks can be the annotation.
    const annotation =
      chunk.choices.length === 0 ? azurePromptAnnotationChunkSchema.safeParse(chunk) : undefined;
    if (annotation?.success) {
      promptFilterResults = [
        ...(promptFilterResults ?? []),
        ...annotation.data.prompt_filter_results,
      ];
      continue;
    }
    if (promptFilterResults) {
      chunk.prompt_filter_results ??= promptFilterResults;
      // The provider's text no longer says all the chunk holds.
      delete chunk[providerChunkText];
      promptFilterResults = undefined;
    }
    yield chunk;
  }
}
