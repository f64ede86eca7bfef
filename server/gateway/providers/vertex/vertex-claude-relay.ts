import { createRequire } from "node:module";
import type { Dispatcher } from "undici";
import type { ModelEntry } from "../../../config.ts";
import { postUpstream } from "../../upstream-http.ts";
import { anthropicHttpError } from "../anthropic/anthropic-error.ts";
import {
  anthropicServerSentEvents,
  type ClaudeRelayTransport,
  readTokenCount,
} from "../anthropic/anthropic-relay-transport.ts";
import { vertexOrigin } from "./vertex-adapter.ts";
import { vertexCredentialsError } from "./vertex-error.ts";
import { honourTokenUri } from "./vertex-token-uri.ts";

/** The `anthropic_version` Vertex AI's rawPredict takes for Claude. */
export const vertexAnthropicVersion = "vertex-2023-10-16";

/**
 * Claude on Vertex AI through rawPredict, which takes Anthropic's own body:
 * `{origin}/v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict` for a stream, answering Anthropic's SSE), and `count-tokens:rawPredict`
 * for token counts (the model in the body). The body is the caller's without
 * `model` (in the path), with `anthropic_version: "vertex-2023-10-16"` unless the caller gave
 * one; the `anthropic-beta` header is forwarded. Authorised as the Gemini-on-Vertex adapter is:
 * the entry's API key as `x-goog-api-key`, else a service account's token (cloud-platform scope).
 * Reference: https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
export function createVertexClaudeRelayTransport(
  entry: Pick<ModelEntry, "apiBase" | "apiKey" | "project" | "location" | "credentials">,
  {
    dispatcher,
    provider = "vertex",
    getAccessToken,
  }: {
    dispatcher?: Dispatcher;
    provider?: string;
    getAccessToken?: () => Promise<string | null | undefined>;
  },
): ClaudeRelayTransport {
  const location = entry.location ?? "us-central1";
  const project = entry.project ?? "";
  const root = (entry.apiBase ?? vertexOrigin(location)).replace(/\/+$/, "");
  const versioned = /\/v1(?:beta\d*)?$/.test(root) ? root : `${root}/v1`;
  const models = `${versioned}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/anthropic/models`;
  const useApiKey = !!entry.apiKey && !entry.credentials && !getAccessToken;
  const tokens =
    getAccessToken ??
    (() => {
      const { GoogleAuth } = createRequire(import.meta.url)(
        "google-auth-library",
      ) as typeof import("google-auth-library");
      const auth = new GoogleAuth(
        honourTokenUri({
          scopes: ["https://www.googleapis.com/auth/cloud-platform"],
          keyFile: entry.credentials,
        }),
      );
      return () => auth.getAccessToken();
    })();
  // The key, and the latest access token (replaced, never accumulated).
  const secrets: Array<string | undefined> = [entry.apiKey, undefined];

  async function authorization(signal: AbortSignal): Promise<Record<string, string>> {
    if (useApiKey) return { "x-goog-api-key": entry.apiKey! };
    let token: string | null | undefined;
    try {
      token = await tokens();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw vertexCredentialsError(provider, error);
    }
    signal.throwIfAborted();
    if (!token)
      throw vertexCredentialsError(provider, new Error("google-auth-library returned no token"));
    secrets[1] = token;
    return { authorization: `Bearer ${token}` };
  }

  const httpError: ClaudeRelayTransport["httpError"] = (failure) =>
    anthropicHttpError({ ...failure, provider, secrets });

  return {
    provider,
    secrets,
    async send(request, signal) {
      const operation = request.stream ? "streamRawPredict" : "rawPredict";
      // Vertex AI's Claude ids carry a version after `@` (claude-sonnet-4-5@20250929), sent as it is.
      const model = encodeURIComponent(request.model).replaceAll("%40", "@");
      const url = new URL(`${models}/${model}:${operation}`);
      const { model: _model, ...rest } = request.body;
      const body = JSON.stringify({ anthropic_version: vertexAnthropicVersion, ...rest });
      const headers = {
        "content-type": "application/json",
        accept: request.stream ? "text/event-stream" : "application/json",
        ...(request.beta ? { "anthropic-beta": request.beta } : {}),
        ...(await authorization(signal)),
      };
      return postUpstream({ provider, url, headers, body, signal, dispatcher });
    },
    httpError,
    events: (response) => anthropicServerSentEvents(response, provider),
    // One endpoint counts for every Claude model: the model is named in the body.
    async countTokens(request, signal) {
      const url = new URL(`${models}/count-tokens:rawPredict`);
      const body = JSON.stringify({
        anthropic_version: vertexAnthropicVersion,
        ...request.body,
        model: request.model,
      });
      const headers = {
        "content-type": "application/json",
        ...(request.beta ? { "anthropic-beta": request.beta } : {}),
        ...(await authorization(signal)),
      };
      const response = await postUpstream({ provider, url, headers, body, signal, dispatcher });
      return readTokenCount(response, { provider, signal, httpError });
    },
  };
}
