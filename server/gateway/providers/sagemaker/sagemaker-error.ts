import { UpstreamError } from "../../errors.ts";
import { parseJsonOrText } from "../../upstream-http.ts";
import {
  excerptOf,
  type HttpFailure,
  isContextLengthError,
  redactSecrets,
  upstreamHttpError,
} from "../../upstream-errors.ts";
import {
  containerErrorSchema,
  sageMakerErrorBodySchema,
  sageMakerStreamExceptionSchema,
} from "./sagemaker-api.ts";

// The generic pieces, under the names this provider's callers and tests know.
export {
  connectionError as sageMakerConnectionError,
  invalidResponseError as sageMakerInvalidResponseError,
} from "../../upstream-errors.ts";

/**
 * Error types whose HTTP status says less than the type: AWS answers a throttled call with
 * HTTP 400 and `ThrottlingException` (AWS common errors), which is a rate limit all the same.
 * Reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html
 */
const statusByErrorType: Record<string, number> = {
  ThrottlingException: 429,
  ModelNotReadyException: 429,
};

/**
 * TGI's context-window refusals (HTTP 422, error_type "validation"), which the shared
 * context-length pattern does not know: "`inputs` tokens + `max_new_tokens` must be <= 4096…"
 * and "`inputs` must have less than 4096 tokens…".
 */
const tgiContextLengthMessage =
  /`inputs` tokens \+ `max_new_tokens` must be <=|`inputs` must have less than \d+ tokens/;

/** The statuses TGI answers its `error_type` values with (router/src/server.rs, InferError → StatusCode). */
const statusByTgiErrorType: Record<string, number> = {
  generation: 424,
  overloaded: 429,
  validation: 422,
  incomplete_generation: 500,
  incomplete_generation_stream: 500,
  template_error: 422,
  missing_template_variable: 422,
  tool_error: 422,
  stream_serialization_error: 500,
};

/** What a container said went wrong, read from its error body (any of the shapes in containerErrorSchema). */
export interface ContainerErrorDetail {
  message: string;
  type?: string;
  code?: string;
  /** The status the container's own error implies (TGI's error_type, a numeric code), when it does. */
  status?: number;
}

/** A container's error text (ModelError's OriginalMessage, or an SSE error event) read into its message and codes. */
export function containerErrorDetail(text: string): ContainerErrorDetail {
  const json = parseJsonOrText(text);
  const parsed = containerErrorSchema.safeParse(json);
  if (!parsed.success) {
    const message = (json as { message?: unknown } | null)?.message;
    return { message: typeof message === "string" && message ? message : excerptOf(text) };
  }
  const body = parsed.data;
  if ("error_type" in body || typeof body.error === "string") {
    const { error, error_type: type } = body as { error: string; error_type?: string | null };
    return {
      message: error,
      type: type ?? undefined,
      status: type ? statusByTgiErrorType[type] : undefined,
    };
  }
  type Reported = {
    message?: string | null;
    type?: string | null;
    code?: string | number | null;
    http_status_code?: number | null;
  };
  const {
    message,
    type,
    code,
    http_status_code: httpStatus,
  } = ("object" in body && body.object === "error" ? body : body.error) as Reported;
  return {
    message: message || excerptOf(text),
    type: type ?? undefined,
    code: typeof code === "string" ? code : undefined,
    status: httpStatus ?? (typeof code === "number" ? code : undefined),
  };
}

/** Does this container error say the prompt does not fit the model? */
function isContainerContextLengthError(
  status: number | undefined,
  detail: ContainerErrorDetail,
): boolean {
  return (
    isContextLengthError({
      status,
      code: detail.code,
      type: detail.type,
      message: detail.message,
    }) || tgiContextLengthMessage.test(detail.message)
  );
}

/**
 * An error status from SageMaker Runtime turned into the one UpstreamError that retry and
 * fallback read. `upstreamCode` is the error type (`x-amzn-errortype`, e.g. ValidationError,
 * ModelError, ThrottlingException). For a ModelError (HTTP 424: the container answered an
 * error) `upstreamStatus` is the container's own status (OriginalStatusCode), so a container's
 * 429/503/500 is retried and its 400/422 is not, and the message is the container's
 * (OriginalMessage), where context-length refusals are recognised. ThrottlingException (which
 * AWS sends as HTTP 400) counts as 429. `secrets` are masked should anything echo them.
 */
export function sageMakerHttpError(failure: HttpFailure): UpstreamError {
  const { bodyText, headers } = failure;
  const parsed = sageMakerErrorBodySchema.safeParse(parseJsonOrText(bodyText));
  const body = parsed.success ? parsed.data : undefined;
  const errorType =
    errorTypeOf(headers["x-amzn-errortype"]) ?? errorTypeOf(body?.__type ?? undefined);
  const awsMessage = body ? body.Message || body.message || "(no message)" : excerptOf(bodyText);

  if (errorType === "ModelError" || typeof body?.OriginalStatusCode === "number") {
    const containerStatus = body?.OriginalStatusCode ?? undefined;
    const detail = body?.OriginalMessage
      ? containerErrorDetail(body.OriginalMessage)
      : { message: awsMessage };
    return upstreamHttpError(failure, {
      detail: `ModelError: the container answered ${containerStatus ?? "an error"}: ${detail.message}`,
      upstreamCode: "ModelError",
      upstreamStatus: containerStatus,
      isContextLengthExceeded: isContainerContextLengthError(containerStatus, detail),
    });
  }

  const upstreamStatus = (errorType && statusByErrorType[errorType]) || failure.status;
  return upstreamHttpError(failure, {
    detail: `${errorType ? `${errorType}: ` : ""}${awsMessage}`,
    upstreamCode: errorType,
    upstreamStatus,
    isContextLengthExceeded: isContextLengthError({
      status: upstreamStatus,
      code: errorType,
      message: awsMessage,
    }),
  });
}

/**
 * An exception frame in the response stream (`:message-type: exception`). AWS gives these no
 * HTTP status, so the gateway assigns the one the failure amounts to: InternalStreamFailure
 * 500; ModelStreamError StreamBroken (the container's connection reset) 502 and
 * ModelInvocationTimeExceeded 504 — all retryable, like a dropped connection or a timeout.
 * Reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_ResponseStream.html
 */
export function sageMakerStreamExceptionError(
  provider: string,
  exceptionType: string,
  payload: string,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const parsed = sageMakerStreamExceptionSchema.safeParse(parseJsonOrText(payload));
  const errorCode = parsed.success ? (parsed.data.ErrorCode ?? undefined) : undefined;
  const detail = parsed.success
    ? parsed.data.Message || parsed.data.message || "(no message)"
    : excerptOf(payload);
  const upstreamStatus =
    errorCode === "StreamBroken"
      ? 502
      : errorCode === "ModelInvocationTimeExceeded"
        ? 504
        : (statusByErrorType[exceptionType] ?? 500);
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus,
    message: redactSecrets(
      `${provider} reported ${exceptionType || "an exception"}${errorCode ? ` (${errorCode})` : ""} in the stream: ${detail}`,
      secrets,
    ),
    upstreamCode: exceptionType || undefined,
  });
}

/**
 * An error the container itself wrote where an answer should be: into its SSE stream after the
 * headers were sent (TGI's `data: {"error": {"message", "http_status_code"}}`, vLLM's
 * `data: {"error": {...}}`) or as a 200 body. Its status is the one the container states (TGI's
 * http_status_code or error_type, a numeric code); unknown means retryable.
 */
export function containerReportedError(
  provider: string,
  data: string,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const detail = containerErrorDetail(data);
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus: detail.status,
    message: redactSecrets(
      `${provider} reported an error from the container: ${detail.message}`,
      secrets,
    ),
    upstreamCode: detail.code ?? detail.type,
    isContextLengthExceeded: isContainerContextLengthError(detail.status, detail),
  });
}

/** `ValidationError:http://internal.amazon.com/coral/…` or `com.amazonaws.sagemaker#ModelError` → the bare type. */
function errorTypeOf(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const withoutSuffix = raw.split(":")[0];
  return (
    (withoutSuffix.includes("#") ? withoutSuffix.split("#")[1] : withoutSuffix).trim() || undefined
  );
}
