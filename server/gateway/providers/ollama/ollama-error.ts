import { UpstreamError } from "../../errors.ts";
import {
  excerptOf,
  type HttpFailure,
  isContextLengthError,
  redactSecrets,
  upstreamHttpError,
} from "../../upstream-errors.ts";
import { ollamaErrorBodySchema, type OllamaErrorBody } from "./ollama-api.ts";

export {
  connectionError as ollamaConnectionError,
  invalidResponseError as ollamaInvalidResponseError,
} from "../../upstream-errors.ts";

/*
 * Ollama reports every error as `{ "error": "<message>" }` with no code or type: 400 (bad
 * request, and "the prompt is longer than the context length…" when context shift is off),
 * 401/403 (ollama.com keys), 404 (`model "x" not found, try pulling it first`), 429 (ollama.com
 * rate limits), 500, 502 (a cloud model unreachable) and 503 ("server busy, please try again.
 * maximum pending requests exceeded" — the request queue is full). errors.ts decides
 * retryability from the status.
 * References: https://github.com/ollama/ollama/blob/main/docs/api/errors.mdx,
 * https://github.com/ollama/ollama/blob/main/server/routes.go (handleScheduleError),
 * https://github.com/ollama/ollama/blob/main/llm/llama_server.go (the context-length message)
 */

/** An error status turned into the UpstreamError retry and fallback read. Ollama sends no error code, so `upstreamCode` stays unset. */
export function ollamaHttpError(failure: HttpFailure): UpstreamError {
  const { bodyText } = failure;
  const detail = parseErrorBody(bodyText)?.error || excerptOf(bodyText);
  return upstreamHttpError(failure, { detail });
}

/**
 * An `{"error": "…"}` inside a 200 answer — a line of an NDJSON stream after generation began
 * (the status line was already sent), or a JSON body. Ollama sends no status with it; the model
 * runner failed, which Ollama itself answers with 500 before streaming starts, so it counts as a
 * 500 (retryable) — unless the message says the prompt does not fit, which is a 400.
 */
export function ollamaPayloadError(
  provider: string,
  payload: OllamaErrorBody,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const detail = payload.error || "unknown error";
  const isContextLengthExceeded = isContextLengthError({ message: detail });
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus: isContextLengthExceeded ? 400 : 500,
    message: redactSecrets(`${provider} reported an error: ${detail}`, secrets),
    isContextLengthExceeded,
  });
}

/** The error body when the value is one (an object with a string `error`). */
export function asOllamaErrorBody(value: unknown): OllamaErrorBody | undefined {
  const parsed = ollamaErrorBodySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function parseErrorBody(bodyText: string): OllamaErrorBody | undefined {
  try {
    return asOllamaErrorBody(JSON.parse(bodyText));
  } catch {
    return undefined;
  }
}
