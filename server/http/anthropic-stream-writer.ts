import type { ServerResponse } from "node:http";
import { GatewayError } from "../gateway/errors.ts";
import {
  AnthropicStreamFormatter,
  formatAnthropicEvent,
} from "../gateway/inbound/anthropic/anthropic-stream-from-chunks.ts";
import { nativeEvents, type RelayedChunk } from "../gateway/native-relay.ts";
import type { CompletionStream } from "../modules/completions/completions.service.ts";
import { anthropicErrorOf } from "./anthropic-errors.ts";
import { endEventStream, openEventStream, writeWithBackpressure } from "./completion-exchange.ts";

/**
 * Sends a started stream as Anthropic's SSE (`event: <type>` + `data: <json>`), chunk by chunk
 * with backpressure: a Claude deployment's own events as they came, any other deployment's
 * chunks through the formatter. A failure after the headers ends the stream with an `error`
 * event — Claude's own when Claude sent one, else the gateway's in Anthropic's shape.
 */
export async function writeAnthropicStream(
  response: ServerResponse,
  chunks: CompletionStream,
  {
    model,
    clientRequestId,
    onUnexpectedError,
  }: { model: string; clientRequestId?: string; onUnexpectedError: (error: unknown) => void },
): Promise<void> {
  openEventStream(response, chunks, clientRequestId);
  const formatter = new AnthropicStreamFormatter(model);
  // Decided by the first chunk: a relayed stream carries its own events on every chunk.
  let relayed: boolean | undefined;
  const write = async (events: Array<{ type: string }>) => {
    if (events.length === 0 || response.destroyed) return;
    await writeWithBackpressure(response, events.map(formatAnthropicEvent).join(""));
  };
  try {
    for await (const chunk of chunks) {
      const events = (chunk as RelayedChunk)[nativeEvents] as Array<{ type: string }> | undefined;
      relayed ??= events !== undefined;
      await write(relayed ? (events ?? []) : formatter.push(chunk));
      if (response.destroyed) break;
    }
    // A provider that reported no usage gets the gateway's estimate (what the log has).
    if (!relayed) await write(formatter.finish(chunks.summary?.usage));
    if (!response.destroyed) endEventStream(response);
  } catch (error) {
    // Events may already be with the caller: end with Anthropic's error event, never a retry.
    if (!(error instanceof GatewayError)) onUnexpectedError(error);
    const native = relayed ? (error as RelayedChunk | undefined)?.[nativeEvents] : undefined;
    const event = (native?.[0] as { type: string } | undefined) ?? anthropicErrorOf(error).body;
    if (!response.destroyed) endEventStream(response, formatAnthropicEvent(event));
  }
}
