import { readAwsEventStream, type AwsEventMessage } from "../../aws-event-stream.ts";
import { sageMakerStreamExceptionError } from "./sagemaker-error.ts";

/**
 * The container's bytes from an InvokeEndpointWithResponseStream body
 * (`application/vnd.amazon.eventstream`), in order, as they arrive. Each PayloadPart event's
 * payload IS the `Bytes` blob (Smithy @eventPayload: raw container output, not JSON), and one
 * SSE frame — even one UTF-8 character — may be split across two parts, so the payloads are
 * handed on as bytes and joined by the SSE reader's streaming decoder.
 *
 * Errors: reading the body fails → kind "connection"; broken framing → "invalid-response"
 * (both from readAwsEventStream); an exception frame (ModelStreamError, InternalStreamFailure)
 * → its UpstreamError.
 * Reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_ResponseStream.html
 */
export async function* readSageMakerPayload(
  body: AsyncIterable<Uint8Array>,
  { provider, secrets = [] }: { provider: string; secrets?: Array<string | undefined> },
): AsyncGenerator<Uint8Array> {
  for await (const message of readAwsEventStream(body, { provider })) {
    const payload = payloadOf(message, provider, secrets);
    if (payload) yield payload;
  }
}

/** A PayloadPart's bytes; an exception or error frame throws; other events (none documented) carry nothing. */
function payloadOf(
  message: AwsEventMessage,
  provider: string,
  secrets: Array<string | undefined>,
): Uint8Array | undefined {
  if (message.messageType === "event")
    return message.eventType === "PayloadPart" ? message.body : undefined;
  if (message.messageType === "exception")
    throw sageMakerStreamExceptionError(provider, message.eventType, message.payload, secrets);
  if (message.messageType === "error") {
    const errorMessage = message.headers[":error-message"]?.value;
    throw sageMakerStreamExceptionError(
      provider,
      message.eventType,
      JSON.stringify({ Message: typeof errorMessage === "string" ? errorMessage : "" }),
      secrets,
    );
  }
  return undefined;
}
