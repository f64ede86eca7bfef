import { UpstreamError } from "../../errors.ts";
import {
  excerptOf,
  type HttpFailure,
  isContextLengthError,
  redactSecrets,
  upstreamHttpError,
} from "../../upstream-errors.ts";
import { bedrockErrorBodySchema, type BedrockErrorBody } from "./bedrock-api.ts";

/*
 * Bedrock's errors: HTTP statuses with `{"message": "..."}` bodies and the error type in the
 * `x-amzn-errortype` header, and — once a ConverseStream has started — exception frames inside
 * the 200 body. Both become the one UpstreamError that retry and fallback read.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
 *            https://docs.aws.amazon.com/bedrock/latest/APIReference/CommonErrors.html
 */

/**
 * The prompt-too-long messages Bedrock's models send besides the shared patterns ("Input is too
 * long for requested model.", "too many input tokens", "prompt is too long"): Claude on Bedrock
 * says "input length and `max_tokens` exceed context limit", Mistral and Llama "exceeds the
 * model's maximum context length".
 */
const bedrockContextLengthMessage = /exceed(s|ed)? (the )?context limit|maximum context length/i;

/**
 * The HTTP status each exception type of the stream stands for, as the ConverseStream reference
 * lists them (lower-cased: the frames name them in camelCase, HTTP headers in PascalCase).
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 */
const statusByErrorType: Record<string, number> = {
  validationexception: 400,
  accessdeniedexception: 403,
  resourcenotfoundexception: 404,
  modeltimeoutexception: 408,
  modelstreamerrorexception: 424,
  modelerrorexception: 424,
  throttlingexception: 429,
  modelnotreadyexception: 429,
  internalserverexception: 500,
  serviceunavailableexception: 503,
};

/**
 * An error status turned into an UpstreamError: the message is Bedrock's `message` (or the start
 * of the raw body), `upstreamCode` the error type from `x-amzn-errortype`
 * (`ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/` → `ThrottlingException`)
 * or the body's `__type`; `retryAfterMs` from retry-after headers when present. `secrets` (the
 * secret access key, the session token) are masked should anything echo them.
 */
export function bedrockHttpError(failure: HttpFailure): UpstreamError {
  const { bodyText } = failure;
  const body = parseErrorBody(bodyText);
  const detail = body?.message || body?.Message || excerptOf(bodyText);
  const upstreamCode =
    errorTypeFromHeader(failure.headers["x-amzn-errortype"]) ?? errorTypeFromBody(body?.__type);
  return upstreamHttpError(failure, {
    detail,
    upstreamCode,
    isContextLengthExceeded: isBedrockContextLengthError(failure.status, upstreamCode, detail),
  });
}

/**
 * An exception frame inside a 200 ConverseStream (`:message-type: exception`,
 * `:exception-type: throttlingException`, payload `{"message": "..."}`). Its status is the one
 * the exception type has in Bedrock's reference, so a mid-stream throttle is a retryable 429
 * and a validation failure a 400 — except that a model's own failure reported through
 * modelStreamErrorException takes the model's `originalStatusCode` when it has one.
 */
export function bedrockStreamExceptionError(
  provider: string,
  exceptionType: string,
  payloadText: string,
  secrets: Array<string | undefined> = [],
): UpstreamError {
  const body = parseErrorBody(payloadText);
  const detail = body?.message || body?.Message || excerptOf(payloadText);
  const upstreamCode = exceptionType
    ? exceptionType[0].toUpperCase() + exceptionType.slice(1)
    : undefined;
  // modelStreamErrorException (424) wraps the model's own failure; its originalStatusCode (a 429, a 5xx…) says whether a retry can help.
  const originalStatus = body?.originalStatusCode;
  const upstreamStatus =
    typeof originalStatus === "number" && originalStatus >= 400 && originalStatus < 600
      ? originalStatus
      : statusByErrorType[exceptionType.toLowerCase()];
  return new UpstreamError({
    provider,
    kind: "http",
    upstreamStatus,
    message: redactSecrets(
      `${provider} reported ${upstreamCode ?? "an error"} mid-stream: ${detail}`,
      secrets,
    ),
    upstreamCode,
    isContextLengthExceeded: isBedrockContextLengthError(upstreamStatus, upstreamCode, detail),
  });
}

function isBedrockContextLengthError(
  status: number | undefined,
  code: string | undefined,
  message: string,
): boolean {
  if (isContextLengthError({ status, code, message })) return true;
  return (status === undefined || status === 400) && bedrockContextLengthMessage.test(message);
}

function errorTypeFromHeader(value: string | string[] | undefined): string | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  return header?.split(":")[0].trim() || undefined;
}

/** `com.amazon.coral.service#ValidationException` → `ValidationException`. */
function errorTypeFromBody(type: string | null | undefined): string | undefined {
  return type ? type.split("#").pop()?.split(":")[0] || undefined : undefined;
}

function parseErrorBody(text: string): BedrockErrorBody | undefined {
  try {
    const parsed = bedrockErrorBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
