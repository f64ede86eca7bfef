import type { ServerResponse } from "node:http";
import { GatewayError } from "../gateway/errors.ts";
import type { ResponseObject } from "../gateway/inbound/responses/response-object.ts";
import type {
  ResponsesEvent,
  ResponsesStreamFormatter,
} from "../gateway/inbound/responses/responses-stream-formatter.ts";
import { nativeEvents, type RelayedChunk } from "../gateway/native-relay.ts";
import type { CompletionStream } from "../modules/completions/completions.service.ts";
import { openAIErrorBody } from "./openai-errors.ts";
import { endEventStream, writeWithBackpressure } from "./completion-exchange.ts";

/**
 * Sends a started stream as the Responses API's SSE (`event: <type>` + `data: <json>`) with
 * backpressure: an OpenAI or Azure deployment's own events as they came (the response id and
 * store fields rewritten to the caller's), any other deployment's chunks through the formatter.
 * The finished Response is handed to `keep` (store: true). A failure after the headers ends the
 * stream with `response.failed`, unless the upstream's own terminal event already went out.
 */
export async function writeResponsesStream({
  response,
  chunks,
  formatter,
  fallbackId,
  asCallers,
  keep,
  onUnexpectedError,
}: {
  response: ServerResponse;
  chunks: CompletionStream;
  formatter: ResponsesStreamFormatter;
  /** The gateway's response id, for a failure before any upstream event named the response. */
  fallbackId: string;
  /** An upstream Response object as the caller knows it (the gateway's id, store, previous_response_id). */
  asCallers(answer: Record<string, unknown>): ResponseObject;
  keep(answer: ResponseObject): Promise<void>;
  onUnexpectedError(error: unknown): void;
}): Promise<void> {
  let mode: "native" | "translated" | undefined;
  let ended = false;
  let lastSequence = -1;
  let latest: Record<string, unknown> | undefined;
  let final: ResponseObject | undefined;

  async function write(events: ResponsesEvent[]): Promise<void> {
    for (const event of events) {
      lastSequence = event.sequence_number;
      await writeWithBackpressure(
        response,
        `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`,
      );
    }
  }

  /** An upstream's own event with the response id (and store, previous_response_id) the caller knows. */
  function rewritten(event: ResponsesEvent): ResponsesEvent {
    if (!event.response || typeof event.response !== "object") return event;
    const answer = asCallers(event.response as Record<string, unknown>);
    latest = answer;
    if (event.type === "response.completed" || event.type === "response.incomplete") final = answer;
    if (["response.completed", "response.incomplete", "response.failed"].includes(event.type))
      ended = true;
    return { ...event, response: answer };
  }

  try {
    for await (const chunk of chunks as AsyncIterable<RelayedChunk>) {
      const events = chunk[nativeEvents] as ResponsesEvent[] | undefined;
      mode ??= events ? "native" : "translated";
      if (mode === "native") {
        await write((events ?? []).map(rewritten));
        if (events?.some((event) => event.type === "error")) ended = true;
      } else {
        if (lastSequence < 0) await write(formatter.start());
        await write(formatter.push(chunk));
      }
      if (response.destroyed) break;
    }
    if (mode !== "native" && !response.destroyed) {
      if (lastSequence < 0) await write(formatter.start());
      const { events, response: answer } = formatter.finish(chunks.summary?.usage);
      final = answer;
      await write(events);
    }
    if (final) await keep(final).catch(onUnexpectedError);
    if (!response.destroyed) endEventStream(response);
  } catch (error) {
    if (!(error instanceof GatewayError)) onUnexpectedError(error);
    if (response.destroyed) return;
    if (!ended) {
      const { body } = openAIErrorBody(error);
      const failure = { code: body.error.code, message: body.error.message };
      if (mode === "native")
        await write([
          {
            type: "response.failed",
            sequence_number: lastSequence + 1,
            response: {
              ...(latest ?? { id: fallbackId, object: "response" }),
              status: "failed",
              error: failure,
            },
          },
        ]);
      else
        await write([...(lastSequence < 0 ? formatter.start() : []), ...formatter.fail(failure)]);
    }
    endEventStream(response);
  }
}
