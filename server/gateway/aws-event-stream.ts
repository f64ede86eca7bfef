import { createRequire } from "node:module";
import type { EventStreamCodec, Message } from "@smithy/eventstream-codec";
import { UpstreamError } from "./errors.ts";
import { connectionError, invalidResponseError } from "./upstream-errors.ts";

/** One decoded `application/vnd.amazon.eventstream` message: its string headers and its JSON payload text. */
export interface AwsEventMessage {
  /** `:message-type` — "event" or "exception" (or "error" for service errors) */
  messageType: string;
  /** `:event-type` for events (e.g. "contentBlockDelta", "PayloadPart"), `:exception-type` for exceptions */
  eventType: string;
  /** The payload as text (JSON for Bedrock's events). */
  payload: string;
  /** The payload's bytes (SageMaker's PayloadPart: container output that may split a character across parts). */
  body: Uint8Array;
  headers: Message["headers"];
}

/**
 * Smithy's codec and UTF-8 helpers, required on first use: configs without a Bedrock or
 * SageMaker deployment never load them (issue 16, time to ready).
 */
let smithy:
  | {
      codec: EventStreamCodec;
      fromUtf8: (text: string) => Uint8Array;
      toUtf8: (bytes: Uint8Array) => string;
    }
  | undefined;
function loadSmithy() {
  if (smithy) return smithy;
  const require = createRequire(import.meta.url);
  const { EventStreamCodec } =
    require("@smithy/eventstream-codec") as typeof import("@smithy/eventstream-codec");
  const { fromUtf8, toUtf8 } = require("@smithy/util-utf8") as typeof import("@smithy/util-utf8");
  smithy = { codec: new EventStreamCodec(toUtf8, fromUtf8), fromUtf8, toUtf8 };
  return smithy;
}

/**
 * Splits AWS's binary event-stream framing into messages as the body arrives: each message
 * starts with its total length (4 bytes, big-endian); the Smithy codec checks the prelude and
 * message CRCs and decodes the headers. The body failing is the connection (kind "connection");
 * bytes that are not AWS's framing (bad lengths or CRCs, a stream ending inside a frame) are an
 * invalid response. Stopping early returns the body's iterator.
 * Reference: https://docs.aws.amazon.com/transcribe/latest/dg/streaming-setting-up.html#streaming-event-stream
 */
export async function* readAwsEventStream(
  body: AsyncIterable<Uint8Array>,
  { provider }: { provider: string },
): AsyncGenerator<AwsEventMessage> {
  const pieces = piecesOf(body, provider);
  const malformed = (detail: string, cause?: unknown) =>
    invalidResponseError(provider, `the stream is not a valid AWS event stream (${detail})`, {
      cause,
    });
  let buffered: Buffer = Buffer.alloc(0);
  for await (const piece of pieces) {
    buffered = buffered.length === 0 ? Buffer.from(piece) : Buffer.concat([buffered, piece]);
    while (buffered.length >= 4) {
      const totalLength = buffered.readUInt32BE(0);
      if (totalLength < 16) throw malformed(`a frame of length ${totalLength}`);
      if (buffered.length < totalLength) break;
      let message: Message;
      try {
        message = loadSmithy().codec.decode(buffered.subarray(0, totalLength));
      } catch (error) {
        if (error instanceof UpstreamError) throw error;
        throw malformed(error instanceof Error ? error.message : String(error), error);
      }
      buffered = buffered.subarray(totalLength);
      yield toEventMessage(message);
    }
  }
  if (buffered.length > 0)
    throw malformed(`it ended inside a frame, ${buffered.length} bytes left`);
}

/**
 * The body's pieces, its failure the connection's (kind "connection").
 * Declared once at module level on purpose: see RelayedChunks in completions/started-stream.ts.
 */
async function* piecesOf(
  body: AsyncIterable<Uint8Array>,
  provider: string,
): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (error) {
    throw connectionError(provider, error);
  }
}

/** Encodes one message (tests' upstreams use this to speak the framing). */
export function encodeAwsEvent({
  messageType = "event",
  eventType,
  payload,
}: {
  messageType?: string;
  eventType: string;
  payload: unknown;
}): Uint8Array {
  const typeHeader = messageType === "exception" ? ":exception-type" : ":event-type";
  const { codec, fromUtf8 } = loadSmithy();
  return codec.encode({
    headers: {
      ":message-type": { type: "string", value: messageType },
      [typeHeader]: { type: "string", value: eventType },
      ":content-type": { type: "string", value: "application/json" },
    },
    body: fromUtf8(typeof payload === "string" ? payload : JSON.stringify(payload)),
  });
}

function toEventMessage(message: Message): AwsEventMessage {
  const header = (name: string) => {
    const value = message.headers[name]?.value;
    return typeof value === "string" ? value : "";
  };
  const messageType = header(":message-type");
  const eventType =
    messageType === "event"
      ? header(":event-type")
      : header(":exception-type") || header(":error-code");
  return {
    messageType,
    eventType,
    payload: loadSmithy().toUtf8(message.body),
    body: message.body,
    headers: message.headers,
  };
}
