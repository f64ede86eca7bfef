import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseBody } from "../../server/gateway/upstream-http.ts";

/** A server that sends `[DONE]` and then, for /stall, never ends the body. */
let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((incoming, response) => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write("data: [DONE]\n\n");
    if (incoming.url !== "/stall") response.end(": bye\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("releaseBody", () => {
  it("reads a finished stream's body to its end, so the socket goes back to the pool", async () => {
    const response = await request(`${origin}/end`);
    const closed = new Promise((resolve) => response.body.once("close", resolve));
    releaseBody(response.body, { drain: true });
    await closed;
    expect(response.body.readableEnded).toBe(true);
  });

  it("gives up on a body that never ends about a second after [DONE], destroying it, and nobody waits for that", async () => {
    const response = await request(`${origin}/stall`);
    const closed = new Promise((resolve) => response.body.once("close", resolve));
    const started = Date.now();
    releaseBody(response.body, { drain: true });
    expect(Date.now() - started).toBeLessThan(100);
    expect(response.body.destroyed).toBe(false);
    await closed;
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(5_000);
    expect(response.body.destroyed).toBe(true);
    expect(response.body.readableEnded).toBe(false);
  });
});
