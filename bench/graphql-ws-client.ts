import { WebSocket } from "ws";
import type { LoadClient, Sample } from "./load.ts";
import type { RequestSpec } from "./scenarios.ts";

/*
 * The load generator's graphql-ws side (protocol graphql-transport-ws, on the gateway's /graphql):
 * one socket per connection, opened and acknowledged (`connection_init` with the spec's
 * authorization → `connection_ack`) before anything is timed. A request is one subscription:
 * the clock starts when `subscribe` is sent, first byte = the first `next`, total = `complete`.
 * Written against the protocol directly (no graphql-ws client) so nothing sits between the send
 * and the clock.
 */

interface Pending {
  spec: RequestSpec;
  started: bigint;
  firstByte: bigint;
  /** Every `next` message as received, checked with `spec.isValid` as an HTTP body would be. */
  payloads: string[];
  resolve(sample: Sample): void;
}

interface ServerMessage {
  id?: string;
  type: string;
  payload?: unknown;
}

const openTimeoutMs = 10_000;

/** One acknowledged socket; `subscribe` runs one operation on it and times it. */
async function openSocket(url: string, authorization: string | undefined) {
  const socket = new WebSocket(url, "graphql-transport-ws");
  const pending = new Map<string, Pending>();
  let nextId = 0;
  let closedBecause: string | undefined;

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`graphql-ws: no ack from ${url}`)),
      openTimeoutMs,
    );
    socket.once("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: { authorization } })),
    );
    socket.once("error", reject);
    socket.once("close", (code, reason) =>
      reject(new Error(`graphql-ws closed: ${code} ${reason}`)),
    );
    socket.on("message", function onAck(data) {
      if ((JSON.parse(String(data)) as ServerMessage).type !== "connection_ack") return;
      clearTimeout(timer);
      socket.off("message", onAck);
      socket.removeAllListeners("error").removeAllListeners("close");
      resolve();
    });
  });

  /** Ends operation `id`: completed (its payloads are then checked) or failed with `error`. */
  const finish = (id: string, error?: string) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    const ended = process.hrtime.bigint();
    const text = entry.payloads.join("\n");
    const ok = error === undefined && entry.spec.isValid(200, text);
    entry.resolve({
      ok,
      totalMs: Number(ended - entry.started) / 1e6,
      firstByteMs: Number((entry.firstByte || ended) - entry.started) / 1e6,
      error: ok ? undefined : (error ?? `graphql-ws: ${text.slice(0, 300)}`),
    });
  };
  const failAll = (reason: string) => {
    closedBecause ??= reason;
    for (const id of [...pending.keys()]) finish(id, reason);
  };
  socket.on("message", (data) => {
    const received = process.hrtime.bigint();
    const raw = String(data);
    const message = JSON.parse(raw) as ServerMessage;
    if (message.type === "ping") return socket.send(JSON.stringify({ type: "pong" }));
    const entry = message.id === undefined ? undefined : pending.get(message.id);
    if (!entry) return;
    if (message.type === "next") {
      if (entry.firstByte === 0n) entry.firstByte = received;
      entry.payloads.push(raw);
    } else if (message.type === "complete") {
      finish(message.id!);
    } else if (message.type === "error") {
      finish(message.id!, `graphql-ws error: ${JSON.stringify(message.payload)}`);
    }
  });
  socket.on("close", (code, reason) => failAll(`graphql-ws closed: ${code} ${reason}`));
  socket.on("error", (error) => failAll(`graphql-ws: ${error.message}`));

  return {
    subscribe(spec: RequestSpec): Promise<Sample> {
      if (closedBecause)
        return Promise.resolve({ ok: false, totalMs: 0, firstByteMs: 0, error: closedBecause });
      const id = String(nextId++);
      return new Promise<Sample>((resolve) => {
        pending.set(id, {
          spec,
          started: process.hrtime.bigint(),
          firstByte: 0n,
          payloads: [],
          resolve,
        });
        socket.send(`{"id":"${id}","type":"subscribe","payload":${spec.body}}`);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close(1000);
      }),
  };
}

/** `connections` acknowledged graphql-ws sockets to `origin`'s `spec.path`, authorised by `spec`'s header. */
export async function openGraphQLWebSocketClient(
  origin: string,
  connections: number,
  spec: RequestSpec,
): Promise<LoadClient> {
  const url = `${origin.replace(/^http/, "ws")}${spec.path}`;
  const sockets = await Promise.all(
    Array.from({ length: connections }, () => openSocket(url, spec.headers.authorization)),
  );
  return {
    send: (request, worker) => sockets[worker].subscribe(request),
    close: async () => {
      await Promise.all(sockets.map((socket) => socket.close()));
    },
  };
}
