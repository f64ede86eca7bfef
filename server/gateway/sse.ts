import { StringDecoder } from "node:string_decoder";
import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser";

/** One server-sent event: its `event:` name when the server set one, and its `data:` lines joined by "\n". */
export interface ServerSentEvent {
  event?: string;
  id?: string;
  data: string;
}

export interface ReadServerSentEventsOptions {
  /**
   * Most characters one unfinished line or event may hold. A 2xx body that never ends a frame
   * (an HTML page, a misbehaving proxy) fails with this instead of growing without bound.
   */
  maxBufferSize?: number;
}

/**
 * Reads a `text/event-stream` body (an undici body, a Node stream or any async iterable of
 * bytes) as server-sent events, yielding each event as soon as its frame is complete — the body
 * is never buffered whole. Comments (`: keep-alive`) and `retry:` are skipped. An event left
 * unfinished when the body ends is dropped, as the SSE specification says.
 *
 * Stopping early (`return()` on the iterator) calls `return()` on the body's iterator: for an
 * undici body read with `for await` that destroys it, which closes the upstream request.
 */
export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array | string>,
  options: ReadServerSentEventsOptions = {},
): AsyncGenerator<ServerSentEvent> {
  const reader = createEventReader(options);
  for await (const bytes of body) for (const event of reader.read(bytes)) yield event;
  for (const event of reader.end()) yield event;
}

/**
 * `readServerSentEvents` one read of the body at a time: the events each read completed, in
 * order (never an empty batch). A hot relay iterates these synchronously instead of paying an
 * async generator step per event; several events often arrive in one read (issue 16).
 */
export async function* readServerSentEventBatches(
  body: AsyncIterable<Uint8Array | string>,
  options: ReadServerSentEventsOptions = {},
): AsyncGenerator<ServerSentEvent[]> {
  const reader = createEventReader(options);
  for await (const bytes of body) {
    const events = reader.read(bytes);
    if (events.length > 0) yield events;
  }
  const events = reader.end();
  if (events.length > 0) yield events;
}

/** The parser both readers share: `read` returns the events a part of the body completed. */
function createEventReader({ maxBufferSize = 16 * 1024 * 1024 }: ReadServerSentEventsOptions) {
  let completed: EventSourceMessage[] = [];
  let failure: ParseError | undefined;
  const parser = createParser({
    maxBufferSize,
    onEvent: (event) => completed.push(event),
    // Unknown fields and bad `retry:` values are noise the SSE spec says to ignore; only an
    // exceeded buffer is fatal.
    onError: (error) => {
      if (error.type === "max-buffer-size-exceeded") failure = error;
    },
  });
  // One decoder for the whole body: a multi-byte character may be split across two chunks.
  // Node's StringDecoder, not TextDecoder: a TextDecoder made an ICU converter for every stream
  // (~1.5% of a stream's CPU, issue 16). It keeps a byte order mark, which the SSE specification
  // says to ignore at the start of the stream: the first text drops it.
  const decoder = new StringDecoder("utf8");
  let atStart = true;
  const text = (decoded: string) => {
    if (!atStart || decoded === "") return decoded;
    atStart = false;
    return decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
  };
  const take = () => {
    const events = completed;
    if (events.length > 0) completed = [];
    return events;
  };
  return {
    read(bytes: Uint8Array | string): ServerSentEvent[] {
      parser.feed(text(typeof bytes === "string" ? bytes : decoder.write(bytes)));
      if (failure) throw failure;
      return take();
    },
    end(): ServerSentEvent[] {
      parser.feed(text(decoder.end()));
      return take();
    },
  };
}
