import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { Pool } from "undici";

/*
 * The floor (DESIGN §8): the least a Node gateway can do. node:http in, an undici keep-alive
 * pool out; POST …/chat/completions is forwarded with its path and body and the answer is piped
 * back chunk by chunk (so SSE streams flow as they arrive). No auth, routing, parsing or logging.
 */

export interface BareProxyOptions {
  /** e.g. http://127.0.0.1:4010 — requests keep their path. */
  upstreamOrigin: string;
  /** Sockets kept to the upstream; the gateway's pool allows 128. */
  connections?: number;
}

export interface BareProxy {
  server: Server;
  close(): Promise<void>;
}

export function createBareProxy({
  upstreamOrigin,
  connections = 128,
}: BareProxyOptions): BareProxy {
  const pool = new Pool(upstreamOrigin, {
    connections,
    keepAliveTimeout: 30_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });

  async function forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    // The path's prefix picks the upstream's mode (paced, 1,000 chunks): it is passed on as it came.
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      response.writeHead(404).end();
      return;
    }
    const upstream = await pool.request({
      method: "POST",
      path: request.url,
      headers: { "content-type": "application/json", authorization: "Bearer sk-bench-upstream" },
      body: Buffer.concat(parts),
    });
    const contentType = upstream.headers["content-type"];
    response.writeHead(
      upstream.statusCode,
      typeof contentType === "string" ? { "content-type": contentType } : {},
    );
    await pipeline(upstream.body, response);
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    forward(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
  });

  return {
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}
