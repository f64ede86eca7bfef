import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { endEventStream, writeWithBackpressure } from "../../server/http/completion-exchange.ts";

/**
 * A real server on loopback whose one response is handed to the test, with the texts given to
 * `response.write` recorded, and a client request to it whose body the test reads as it comes.
 */
async function openStream() {
  let handOver: (response: ServerResponse) => void = () => {};
  const handed = new Promise<ServerResponse>((resolve) => (handOver = resolve));
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    // The client's request resolves on the headers; the gateway's streams send them with the first event.
    response.flushHeaders();
    handOver(response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const answer = new Promise<IncomingMessage>((resolve, reject) =>
    request({ host: "127.0.0.1", port, path: "/" }, resolve).on("error", reject).end(),
  );
  const response = await handed;
  const written: string[] = [];
  const write = response.write.bind(response) as (text: string) => boolean;
  response.write = ((text: string) => {
    written.push(text);
    return write(text);
  }) as ServerResponse["write"];
  return { response, written, answer: await answer };
}

/** The next piece of the body that arrives. */
function nextPiece(answer: IncomingMessage): Promise<string> {
  return new Promise((resolve) => answer.once("data", (data: Buffer) => resolve(`${data}`)));
}

async function wholeBody(answer: IncomingMessage): Promise<string> {
  let body = "";
  for await (const data of answer) body += `${data}`;
  return body;
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("writeWithBackpressure", () => {
  it("hands the events of one tick to the response as one write, before the stream ends", async () => {
    const { response, written, answer } = await openStream();
    const arrived = nextPiece(answer);
    for (const text of ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"])
      expect(writeWithBackpressure(response, text)).toBeUndefined();
    expect(written).toEqual([]);
    expect(await arrived).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    expect(written).toEqual(["data: 1\n\ndata: 2\n\ndata: 3\n\n"]);

    writeWithBackpressure(response, "data: 4\n\n");
    await nextTurn();
    const rest = wholeBody(answer);
    endEventStream(response, "data: [DONE]\n\n");
    expect(await rest).toBe("data: 4\n\ndata: [DONE]\n\n");
    expect(written).toHaveLength(2);
  });

  it("sends what is still pending ahead of the end's own text", async () => {
    const { response, written, answer } = await openStream();
    const body = wholeBody(answer);
    writeWithBackpressure(response, "data: a\n\n");
    writeWithBackpressure(response, "data: b\n\n");
    endEventStream(response, "data: [DONE]\n\n");
    expect(await body).toBe("data: a\n\ndata: b\n\ndata: [DONE]\n\n");
    // All of it went with the end; nothing is written after it.
    await nextTurn();
    expect(written).toEqual([]);
  });

  it("writes nothing to a response whose caller has gone", async () => {
    const { response, written, answer } = await openStream();
    answer.resume();
    writeWithBackpressure(response, "data: lost\n\n");
    response.destroy();
    await nextTurn();
    expect(written).toEqual([]);
  });

  it("waits for drain, or for close, and leaves no listener behind either way", async () => {
    for (const caller of ["reads again", "leaves"] as const) {
      const { response, answer } = await openStream();
      answer.pause();
      const piece = `data: ${"x".repeat(64 * 1024)}\n\n`;
      let waiting: Promise<unknown> | undefined;
      // The caller reads nothing: the socket's buffer fills, and a write has to wait.
      for (let writes = 0; !waiting; writes += 1) {
        if (writes > 1_000) throw new Error("the buffer never filled");
        waiting = writeWithBackpressure(response, piece);
        await nextTurn();
      }
      expect(response.listenerCount("drain")).toBe(1);
      if (caller === "reads again") answer.resume();
      else answer.destroy();
      await waiting;
      expect(response.listenerCount("drain")).toBe(0);
      expect(response.listenerCount("close")).toBe(0);
      if (caller === "reads again") expect(response.writableNeedDrain).toBe(false);
    }
  });
});
