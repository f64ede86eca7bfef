import { UpstreamError } from "../../errors.ts";
import { connectionError, redactSecrets } from "../../upstream-errors.ts";

// Vertex AI's error bodies are Gemini's google.rpc Status (https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/api-errors).
export {
  geminiConnectionError as vertexConnectionError,
  geminiHttpError as vertexHttpError,
  geminiInvalidResponseError as vertexInvalidResponseError,
  geminiPayloadError as vertexPayloadError,
} from "../gemini/gemini-error.ts";

/**
 * A failure to get an OAuth access token for Vertex AI, as google-auth-library reports it:
 * - the token endpoint answered 5xx → retryable, with that status;
 * - it answered 4xx (`invalid_grant`: a revoked key, a clock far off…) → upstreamStatus 401,
 *   upstreamCode the OAuth error: the gateway's credentials are wrong (502 to the caller, not retried);
 * - no answer (refused, reset) → kind "connection", retryable;
 * - anything else (the key file is missing or not a service account, no default credentials
 *   on this machine) → upstreamStatus 401, upstreamCode "credentials", not retried.
 * Reference: https://developers.google.com/identity/protocols/oauth2/service-account#error-codes
 */
export function vertexCredentialsError(
  provider: string,
  error: unknown,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const failure = error as
    | { message?: unknown; code?: unknown; response?: { status?: unknown; data?: unknown } }
    | undefined;
  const status =
    typeof failure?.response?.status === "number" ? failure.response.status : undefined;
  const message = redactSecrets(
    `${provider} could not get an access token: ${failure?.message ?? String(error)}`,
    secrets,
  );
  if (
    status === undefined &&
    typeof failure?.code === "string" &&
    /^(E[A-Z]+|UND_ERR)/.test(failure.code) &&
    failure.code !== "ENOENT" &&
    failure.code !== "EACCES"
  ) {
    return connectionError(provider, error);
  }
  const oauthError = (failure?.response?.data as { error?: unknown } | undefined)?.error;
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus: status !== undefined && status >= 500 ? status : 401,
    message,
    upstreamCode: typeof oauthError === "string" ? oauthError : "credentials",
    cause: error,
  });
}
