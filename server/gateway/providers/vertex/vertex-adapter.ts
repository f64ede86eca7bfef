import { createRequire } from "node:module";
import type { GoogleAuthOptions } from "google-auth-library";
import type { Dispatcher } from "undici";
import type { ProviderAdapter } from "../../spec.ts";
import { createGeminiAdapter, type GoogleCredentials } from "../gemini/gemini-adapter.ts";
import { vertexEmbeddingsWire } from "./vertex-embeddings.ts";
import { vertexCredentialsError } from "./vertex-error.ts";
import { honourTokenUri } from "./vertex-token-uri.ts";

/** The OAuth scope Vertex AI's prediction endpoints need. */
const cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

export interface VertexAdapterOptions {
  /** The Google Cloud project id (required). */
  project: string;
  /** The region, e.g. "us-central1" (default), "europe-west4", or "global". */
  location?: string;
  /** Path to a service-account JSON key; unset: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the metadata server). */
  credentials?: string;
  /** A Google Cloud API key bound to a service account, sent as `x-goog-api-key` instead of an OAuth token; only used without `credentials`. */
  apiKey?: string;
  /** Replaces the regional origin (`https://{location}-aiplatform.googleapis.com`): proxies, Private Service Connect, tests. */
  apiBase?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher). */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Where access tokens come from; default google-auth-library (which caches and refreshes them). Tests inject one. */
  getAccessToken?: () => Promise<string | null | undefined>;
  /** More google-auth-library options (credentials as an object, a quota project, its HTTP transport). */
  googleAuthOptions?: GoogleAuthOptions;
}

/**
 * Gemini on Vertex AI: the Gemini adapter (same GenerateContentRequest/Response, same stream,
 * same errors) with Vertex's URLs —
 * `{origin}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent`
 * (and `:streamGenerateContent?alt=sse`, `:predict` for embeddings), the origin being
 * `https://{location}-aiplatform.googleapis.com` or, for location "global",
 * `https://aiplatform.googleapis.com` — and `Authorization: Bearer <token>` from a service
 * account (google-auth-library, scope cloud-platform), or a Google Cloud API key as
 * `x-goog-api-key` when one is configured without `credentials`. A model given as a
 * full resource name (`projects/…/endpoints/…`, a tuned model) is used as it is.
 * Reference: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
export function createVertexAdapter({
  project,
  location = "us-central1",
  credentials,
  apiKey,
  apiBase,
  dispatcher,
  provider = "vertex",
  headers,
  getAccessToken,
  googleAuthOptions,
}: VertexAdapterOptions): ProviderAdapter {
  if (!project)
    throw new Error(`The ${provider} provider needs a project (the Google Cloud project id).`);
  const useApiKey = !!apiKey && !credentials && !getAccessToken;
  const tokens = getAccessToken ?? googleAuthTokens({ keyFile: credentials, ...googleAuthOptions });

  async function authenticate(signal: AbortSignal): Promise<GoogleCredentials> {
    if (useApiKey) return { headers: { "x-goog-api-key": apiKey! }, secret: apiKey };
    let token: string | null | undefined;
    try {
      token = await untilAborted(tokens(), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw vertexCredentialsError(provider, error);
    }
    if (!token)
      throw vertexCredentialsError(provider, new Error("google-auth-library returned no token"));
    return { headers: { authorization: `Bearer ${token}` }, secret: token };
  }

  return createGeminiAdapter({
    provider,
    dispatcher,
    headers,
    urlFor: vertexUrlBuilder({ origin: apiBase ?? vertexOrigin(location), project, location }),
    authenticate,
    embeddings: vertexEmbeddingsWire,
  });
}

/** Vertex AI's endpoint for a location: regional, or the global one. */
export function vertexOrigin(location: string): string {
  return location === "global"
    ? "https://aiplatform.googleapis.com"
    : `https://${location}-aiplatform.googleapis.com`;
}

/** `{origin}/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:{operation}`; an origin already ending in a version keeps it. */
export function vertexUrlBuilder({
  origin,
  project,
  location,
}: {
  origin: string;
  project: string;
  location: string;
}): (model: string, operation: string) => URL {
  const root = origin.replace(/\/+$/, "");
  const versioned = /\/v1(?:beta\d*)?$/.test(root) ? root : `${root}/v1`;
  const publisherModels = `projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models`;
  return (model, operation) => {
    const resource = model.startsWith("projects/")
      ? model
      : `${publisherModels}/${encodeURIComponent(model)}`;
    return new URL(`${versioned}/${resource}:${operation}`);
  };
}

/**
 * One GoogleAuth per adapter: it caches the token and refreshes it shortly before it expires;
 * a service account's token comes from its key file's token_uri.
 */
function googleAuthTokens(options: GoogleAuthOptions): () => Promise<string | null | undefined> {
  // Required here, not imported: google-auth-library is ~45 modules that configs without a
  // Vertex deployment never use (issue 16, time to ready).
  const { GoogleAuth } = createRequire(import.meta.url)(
    "google-auth-library",
  ) as typeof import("google-auth-library");
  const auth = new GoogleAuth(honourTokenUri({ scopes: [cloudPlatformScope], ...options }));
  return () => auth.getAccessToken();
}

/** The promise, or the signal's reason as soon as it aborts (google-auth-library takes no signal). */
function untilAborted<Value>(promise: Promise<Value>, signal: AbortSignal): Promise<Value> {
  signal.throwIfAborted();
  return new Promise<Value>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
