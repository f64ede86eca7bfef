import { describe, expect, it } from "vitest";
import {
  readServerSentEventBatches,
  readServerSentEvents,
  type ServerSentEvent,
} from "../../server/gateway/sse.ts";

const encoder = new TextEncoder();

/** A body that delivers exactly these byte chunks. */
async function* bytes(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === "string" ? encoder.encode(part) : part;
}

async function eventsOf(body: AsyncIterable<Uint8Array>): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(body)) events.push(event);
  return events;
}

describe("readServerSentEvents", () => {
  it("reassembles frames split anywhere across byte chunks", async () => {
    const events = await eventsOf(bytes("da", 'ta: {"a"', ":1}\n", "\nd", "ata: two\n\n"));
    expect(events).toEqual([{ data: '{"a":1}' }, { data: "two" }]);
  });

  it("decodes a multi-byte character split between chunks", async () => {
    const encoded = encoder.encode("data: 21°C ☀️\n\n");
    const splitAt = encoded.indexOf(0xc2) + 1; // inside "°"
    expect(await eventsOf(bytes(encoded.slice(0, splitAt), encoded.slice(splitAt)))).toEqual([
      { data: "21°C ☀️" },
    ]);
  });

  it("ignores a byte order mark at the start of the stream, split or not, and only there", async () => {
    const bom = encoder.encode("\uFEFF");
    const frame = encoder.encode("data: one\n\n");
    expect(await eventsOf(bytes(new Uint8Array([...bom, ...frame])))).toEqual([{ data: "one" }]);
    // Split inside the mark's three bytes; a mark later in the stream is data.
    const later = encoder.encode("data: \uFEFFtwo\n\n");
    expect(
      await eventsOf(bytes(bom.slice(0, 1), new Uint8Array([...bom.slice(1), ...frame]), later)),
    ).toEqual([{ data: "one" }, { data: "\uFEFFtwo" }]);
  });

  it("joins multi-line data with newlines", async () => {
    expect(await eventsOf(bytes("data: line one\ndata: line two\ndata:\n\n"))).toEqual([
      { data: "line one\nline two\n" },
    ]);
  });

  it("skips comments and retry fields", async () => {
    const events = await eventsOf(
      bytes(": keep-alive\n\n: OPENROUTER PROCESSING\n\nretry: 1000\ndata: kept\n\n"),
    );
    expect(events).toEqual([{ data: "kept" }]);
  });

  it("keeps event names and ids", async () => {
    expect(await eventsOf(bytes('event: error\nid: 7\ndata: {"error":{}}\n\n'))).toEqual([
      { event: "error", id: "7", data: '{"error":{}}' },
    ]);
  });

  it("passes [DONE] through as an ordinary event (the adapter decides to stop)", async () => {
    expect(await eventsOf(bytes('data: {"n":1}\n\ndata: [DONE]\n\n'))).toEqual([
      { data: '{"n":1}' },
      { data: "[DONE]" },
    ]);
  });

  it("accepts CRLF and CR line endings", async () => {
    expect(await eventsOf(bytes("data: a\r\n\r\ndata: b\r\rdata: c\n\n"))).toEqual([
      { data: "a" },
      { data: "b" },
      { data: "c" },
    ]);
  });

  it("drops an event the body ended in the middle of", async () => {
    expect(await eventsOf(bytes("data: complete\n\ndata: cut off"))).toEqual([
      { data: "complete" },
    ]);
  });

  it("yields each event as soon as its frame is complete, and closes the body when stopped early", async () => {
    let bodyClosed = false;
    let releaseRest!: () => void;
    async function* slowBody(): AsyncGenerator<Uint8Array> {
      try {
        yield encoder.encode("data: first\n\n");
        await new Promise<void>((resolve) => (releaseRest = resolve));
        yield encoder.encode("data: second\n\n");
      } finally {
        bodyClosed = true;
      }
    }
    const events = readServerSentEvents(slowBody());
    expect(await events.next()).toEqual({ done: false, value: { data: "first" } });
    const second = events.next();
    releaseRest();
    expect(await second).toEqual({ done: false, value: { data: "second" } });
    await events.return(undefined);
    expect(bodyClosed).toBe(true);
  });

  it.each([
    ["readServerSentEvents", readServerSentEvents],
    ["readServerSentEventBatches", readServerSentEventBatches],
  ] as const)(
    "%s fails instead of buffering without bound when a frame never ends",
    async (_, read) => {
      const endless = bytes(...Array.from({ length: 20 }, () => "x".repeat(1024)));
      const reading = (async () => {
        for await (const _item of read(endless, { maxBufferSize: 4096 })) expect.unreachable();
      })();
      await expect(reading).rejects.toThrow(/buffer/i);
    },
  );
});

describe("readServerSentEventBatches", () => {
  it("yields the events each read completed, together, and no batch for a read that completed none", async () => {
    const batches: ServerSentEvent[][] = [];
    const body = bytes("data: a\n\ndata: b\n\ndata: par", "tial", "\n\n", "data: last\n\n");
    for await (const batch of readServerSentEventBatches(body)) batches.push(batch);
    expect(batches).toEqual([
      [{ data: "a" }, { data: "b" }],
      [{ data: "partial" }],
      [{ data: "last" }],
    ]);
  });
});
