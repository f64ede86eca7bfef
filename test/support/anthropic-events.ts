/** One server-sent event as the gateway framed it: its `event:` name and its `data:` JSON. */
export interface FramedEvent {
  event: string;
  data: any;
}

/** Splits an SSE body into its events (`event:` + `data:` frames), in order. */
export function parseFramedEvents(text: string): FramedEvent[] {
  return text
    .split("\n\n")
    .filter((frame) => frame.trim() !== "")
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "";
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? "null";
      return { event, data: JSON.parse(data) };
    });
}

/** The events of an Anthropic-format scripted stream (its frames), for comparing with what the gateway sent. */
export function scriptedEvents(frames: Array<string | Uint8Array>): FramedEvent[] {
  return parseFramedEvents(frames.map((frame) => String(frame)).join(""));
}

/** `name` or `name:detail` per event (block type for starts, delta type for deltas): the sequence at a glance. */
export function eventSequence(events: FramedEvent[]): string[] {
  return events.map(({ event, data }) => {
    if (event === "content_block_start") return `${event}:${data.index}:${data.content_block.type}`;
    if (event === "content_block_delta") return `${event}:${data.index}:${data.delta.type}`;
    if (event === "content_block_stop") return `${event}:${data.index}`;
    if (event === "message_delta") return `${event}:${data.delta.stop_reason}`;
    return event;
  });
}
