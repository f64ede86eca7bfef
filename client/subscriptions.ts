import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { FormattedExecutionResult, GraphQLFormattedError } from "graphql";
import {
  createClient as createSseClient,
  NetworkError,
  type Client as SseClient,
} from "graphql-sse";
import { createClient as createWebSocketClient, type Client as WebSocketClient } from "graphql-ws";
import { queryText, type CallOptions } from "./graphql-over-http.ts";
import { SwitchboardError } from "./switchboard-error.ts";

/** How subscriptions reach the gateway: graphql-ws on the same URL, or GraphQL over SSE. */
export type SubscriptionTransportName = "ws" | "sse";

export interface SubscriptionOptions {
  url: string;
  transport: SubscriptionTransportName;
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch;
  webSocketImpl?: unknown;
  /** SSE only: graphql-sse's single connection mode (one event stream for every subscription). */
  singleConnection?: boolean;
}

/** graphql-ws's close code when the gateway refuses the key (at connection time, or on revocation). */
const forbiddenCloseCode = 4403;

/**
 * Subscriptions over either transport, as async generators of typed results. Neither transport
 * re-subscribes after a dropped connection: that would start a completion again from its first
 * token, so a drop ends the subscription with SwitchboardError NETWORK_ERROR instead.
 */
export function createSubscriptions({
  url,
  transport,
  headers,
  fetch,
  webSocketImpl,
  singleConnection = false,
}: SubscriptionOptions) {
  let webSocketClient: WebSocketClient | undefined;
  let sseClient: SseClient | undefined;

  function iterate(
    query: string,
    variables: unknown,
  ): AsyncIterableIterator<FormattedExecutionResult> {
    const payload = { query, variables: variables as Record<string, unknown> | undefined };
    if (transport === "sse") {
      sseClient ??= createSseClient({
        url,
        headers,
        fetchFn: fetch,
        singleConnection,
        retryAttempts: 0,
      });
      return sseClient.iterate(payload) as AsyncIterableIterator<FormattedExecutionResult>;
    }
    const implementation = webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!implementation) {
      throw new SwitchboardError(
        'Subscriptions over graphql-ws need a WebSocket: pass webSocketImpl (WebSocket from the "ws" package on Node 20), or transport: "sse"',
        "NO_WEBSOCKET",
      );
    }
    webSocketClient ??= createWebSocketClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: implementation,
      connectionParams: headers.authorization ? { authorization: headers.authorization } : {},
      lazy: true,
      retryAttempts: 0,
    });
    return webSocketClient.iterate(payload);
  }

  /**
   * The results of a subscription. Breaking out of the loop, or aborting `signal`, completes it
   * at once (the gateway then cancels the upstream request); an aborted signal throws CANCELLED.
   */
  async function* subscribe<Result, Variables>(
    document: TypedDocumentNode<Result, Variables>,
    variables: Variables,
    { signal }: CallOptions = {},
  ): AsyncGenerator<Result> {
    if (signal?.aborted) throw SwitchboardError.cancelled(signal);
    const iterator = iterate(queryText(document), variables);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        reject(SwitchboardError.cancelled(signal!));
        void iterator.return?.();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      for (;;) {
        const result = await (signal ? Promise.race([iterator.next(), aborted]) : iterator.next());
        if (result.done) return;
        if (result.value.errors?.length) throw SwitchboardError.from(result.value.errors);
        yield result.value.data as Result;
      }
    } catch (error) {
      throw await toSwitchboardError(error);
    } finally {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      await iterator.return?.();
    }
  }

  return {
    subscribe,
    /** Closes the WebSocket or event stream, if one was opened. */
    async close(): Promise<void> {
      await webSocketClient?.dispose();
      sseClient?.dispose();
      webSocketClient = undefined;
      sseClient = undefined;
    },
  };
}

/** What either transport threw, as a SwitchboardError with the gateway's code where it gave one. */
async function toSwitchboardError(error: unknown): Promise<SwitchboardError> {
  if (error instanceof SwitchboardError) return error;
  // graphql-ws: the operation's GraphQL errors.
  if (Array.isArray(error)) return SwitchboardError.from(error as GraphQLFormattedError[]);
  // graphql-sse: an answer that was not an event stream (a refused key is a 401 with GraphQL errors).
  if (error instanceof NetworkError) {
    const response = error.response as Response | undefined;
    const body = (await response?.json().catch(() => undefined)) as
      { errors?: GraphQLFormattedError[] } | undefined;
    if (body?.errors?.length) return SwitchboardError.from(body.errors);
    const status = response?.status;
    return new SwitchboardError(
      status
        ? `The gateway answered ${status} to the event stream`
        : `The event stream failed: ${error.message}`,
      status === 401 ? "UNAUTHENTICATED" : "NETWORK_ERROR",
      { cause: error },
    );
  }
  if (error instanceof Error)
    return new SwitchboardError(error.message, "NETWORK_ERROR", { cause: error });
  // graphql-ws: the socket closed (a CloseEvent).
  const closed = error as { code?: number; reason?: string };
  return new SwitchboardError(
    `The subscription socket closed (${closed.code ?? "?"} ${closed.reason ?? ""})`.trim(),
    closed.code === forbiddenCloseCode ? "UNAUTHENTICATED" : "NETWORK_ERROR",
    { cause: error },
  );
}
