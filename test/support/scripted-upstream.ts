import { createServer, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/*
 * A local HTTP server that answers with exactly the bytes a test scripts: the far side of the
 * network for every provider's contract and integration tests. It knows no provider; each
 * provider's wire kit (test/contract/wires/) turns "answer with this text / tool call / error"
 * into that provider's real framing (JSON, SSE, NDJSON, AWS event stream) as a ScriptedReply.
 */

/** One answer, byte for byte. */
export interface ScriptedReply {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string>;
  /** The body in pieces, each written (and flushed) separately: one SSE event, NDJSON line or event-stream frame per piece. */
  frames?: Array<string | Uint8Array>;
  /** Wait this long before each frame after the first (a slow stream). Stops as soon as the client goes away. */
  frameDelayMs?: number;
  /** Destroy the socket after writing this many frames (a connection dropped mid-body). */
  dropAfterFrames?: number;
  /** Never answer. */
  hang?: boolean;
}

/** A reply, or a function of the request that builds one (for answers that depend on what was sent). */
export type ScriptedAnswer = ScriptedReply | ((request: RecordedRequest) => ScriptedReply);

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent: `/v1/messages`, `/model/x/converse-stream`, `/v1beta/models/m:generateContent?alt=sse`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (the raw text when it is not JSON); loosely typed so tests can index into it. */
  body: any;
  /** The body's exact bytes as text (what a signature covers). */
  rawBody: string;
  /** The client's port: equal ports on two requests mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

export interface ScriptedUpstream {
  /** `http://127.0.0.1:<port>` — no path; wire kits add the provider's own prefix. */
  origin: string;
  requests: RecordedRequest[];
  /** Requests whose connection closed before the reply was finished (the client went away). */
  readonly closedRequests: number;
  /** TCP connections accepted so far (keep-alive reuse keeps this flat). */
  readonly connectionCount: number;
  /** The next request gets this answer (first in, first out). */
  enqueue(answer: ScriptedAnswer): void;
  /** What a request gets when the queue is empty. */
  setDefault(answer: ScriptedAnswer): void;
  /** Resolves once a request closes early after the latest request arrived (at once if one already has). */
  waitForClosedRequest(): Promise<void>;
  stop(): Promise<void>;
}

const notScripted: ScriptedReply = {
  status: 599,
  headers: { "content-type": "text/plain" },
  frames: ["the test upstream has no reply scripted for this request"],
};

/** Starts a scripted upstream on 127.0.0.1, port 0. */
export async function startScriptedUpstream({
  defaultAnswer = notScripted,
}: { defaultAnswer?: ScriptedAnswer } = {}): Promise<ScriptedUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: ScriptedAnswer[] = [];
  let fallback = defaultAnswer;
  let closedRequests = 0;
  let closedWhenLatestArrived = 0;
  const closeWaiters: Array<() => void> = [];

  const server = createServer(async (request, response) => {
    const rawBody = await readBody(request);
    const recorded: RecordedRequest = {
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      body: parseJson(rawBody),
      rawBody,
      remotePort: request.socket.remotePort,
    };
    requests.push(recorded);
    closedWhenLatestArrived = closedRequests;
    let droppedByServer = false;
    response.on("close", () => {
      if (response.writableFinished || droppedByServer) return;
      closedRequests += 1;
      for (const wake of closeWaiters.splice(0)) wake();
    });

    const answer = queue.shift() ?? fallback;
    const reply = typeof answer === "function" ? answer(recorded) : answer;
    if (reply.hang) return;
    response.writeHead(reply.status ?? 200, reply.headers ?? {});
    const frames = reply.frames ?? [];
    const drop = () => {
      droppedByServer = true;
      response.socket?.destroy();
    };
    for (let index = 0; index < frames.length; index += 1) {
      if (reply.dropAfterFrames !== undefined && index >= reply.dropAfterFrames) return drop();
      if (index > 0 && reply.frameDelayMs)
        await new Promise((resolve) => setTimeout(resolve, reply.frameDelayMs));
      if (response.destroyed) return;
      // Each frame is flushed on its own so the client sees the framing the provider would produce.
      await new Promise<void>((resolve) => response.write(frames[index], () => resolve()));
    }
    if (reply.dropAfterFrames !== undefined && reply.dropAfterFrames <= frames.length)
      return drop();
    response.end();
  });
  let connectionCount = 0;
  server.on("connection", () => void (connectionCount += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    get closedRequests() {
      return closedRequests;
    },
    get connectionCount() {
      return connectionCount;
    },
    enqueue: (answer) => void queue.push(answer),
    setDefault: (answer) => void (fallback = answer),
    waitForClosedRequest() {
      return new Promise<void>((resolve) => {
        const check = () =>
          closedRequests > closedWhenLatestArrived ? resolve() : closeWaiters.push(check);
        check();
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JSON reply with the given status. */
export function jsonReply(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ScriptedReply {
  return {
    status,
    headers: { "content-type": "application/json", ...headers },
    frames: [JSON.stringify(body)],
  };
}

/** Server-sent events, one frame per event: `data:` lines, with an `event:` line when a name is given. */
export function sseReply(
  events: Array<{ event?: string; data: unknown }>,
  headers: Record<string, string> = {},
): ScriptedReply {
  const frames = events.map(
    ({ event, data }) =>
      `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
  );
  return {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      ...headers,
    },
    frames,
  };
}

/** Newline-delimited JSON, one frame per line (Ollama's stream). */
export function ndjsonReply(lines: unknown[], headers: Record<string, string> = {}): ScriptedReply {
  return {
    status: 200,
    headers: { "content-type": "application/x-ndjson", ...headers },
    frames: lines.map((line) => `${JSON.stringify(line)}\n`),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
