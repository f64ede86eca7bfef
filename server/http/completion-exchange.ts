import type { IncomingMessage, ServerResponse } from "node:http";
import { GatewayError } from "../gateway/errors.ts";
import type { Principal } from "../gateway/principal.ts";
import type { RequestSource } from "../gateway/request-record.ts";
import type { DeploymentIdentity } from "../gateway/router.ts";
import type { CallerCancellation } from "../gateway/request-deadline.ts";
import { CompletionCaller } from "../modules/completions/completion-caller.ts";
import type { CacheStatus, CompletionContext } from "../modules/completions/completions.service.ts";
import { presentedCredential, type Authenticate } from "./authenticate.ts";
import { readJsonBody } from "./read-json-body.ts";
import { acceptedIncomingRequestId } from "./request-id.ts";

/*
 * What the three REST dialects (Chat Completions, Anthropic Messages, Responses) share around a
 * completion: the caller's context, cancelled when the caller goes away, and the headers that
 * say which request it was and where it was served.
 */

/**
 * The caller of a REST request, from its key (`Authorization: Bearer`, `x-api-key` or
 * `api-key`); undefined once a refusal was answered (`fail`, in the dialect's error shape).
 */
export function authenticatedCaller(
  request: IncomingMessage,
  response: ServerResponse,
  authenticate: Authenticate,
  fail: (response: ServerResponse, error: unknown) => void,
): Principal | undefined {
  try {
    return authenticate(
      presentedCredential((name) => request.headers[name]),
      "rest",
    );
  } catch (error) {
    fail(response, error);
    return undefined;
  }
}

/**
 * The pipeline's context for one HTTP request: the caller going away (the socket closing before
 * the answer finished) cancels the upstream call; the caller's own acceptable `x-request-id` is
 * echoed on every answer, errors included.
 */
export function callerContext(
  request: IncomingMessage,
  response: ServerResponse,
  principal: Principal,
  source: RequestSource,
): CompletionContext {
  const clientRequestId = acceptedIncomingRequestId(request.headers["x-request-id"]);
  if (clientRequestId) response.setHeader("x-request-id", clientRequestId);
  return new CompletionCaller(
    principal,
    source,
    request.headers["cache-control"],
    clientRequestId,
    new ResponseClosed(response),
  );
}

/**
 * The caller going away, as the pipeline watches it: the response closing before its answer
 * finished. Its listeners are the response's own `close` listeners, not an AbortSignal's.
 */
export class ResponseClosed implements CallerCancellation {
  reason: GatewayError | undefined;
  readonly #response: ServerResponse;

  constructor(response: ServerResponse) {
    this.#response = response;
    response.once("close", () => {
      if (!response.writableFinished)
        this.reason = new GatewayError("CANCELLED", "The caller disconnected.");
    });
  }

  onCancel(listener: () => void): () => void {
    const response = this.#response;
    // Registered after the constructor's: `reason` is set by the time this runs.
    const onClose = () => {
      if (this.reason !== undefined) listener();
    };
    response.on("close", onClose);
    return () => response.off("close", onClose);
  }
}

/**
 * Which request this was and where it was served (DESIGN §5), on JSON and stream answers alike;
 * with the response cache on, whether it answered (`x-switchboard-cache: hit | miss`).
 */
export function servedByHeaders(
  served: {
    requestId: string;
    deployment: DeploymentIdentity;
    attempts: number;
    cache?: CacheStatus;
  },
  clientRequestId?: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    // The caller's own id, when it sent an acceptable one, is echoed (the log line has both).
    "x-request-id": clientRequestId ?? served.requestId,
    "x-switchboard-provider": served.deployment.provider,
    "x-switchboard-deployment": served.deployment.id,
    "x-switchboard-attempts": String(served.attempts),
  };
  if (served.cache) headers["x-switchboard-cache"] = served.cache;
  return headers;
}

/**
 * The caller's context and its JSON body; undefined once a body that could not be read was
 * logged (`recordRejected`, so even a malformed call has its row) and answered (`fail`, in the
 * dialect's own error shape).
 */
export async function receiveCompletionRequest(
  request: IncomingMessage,
  response: ServerResponse,
  principal: Principal,
  source: RequestSource,
  {
    recordRejected,
    fail,
  }: {
    recordRejected(context: CompletionContext, error: GatewayError): void;
    fail(response: ServerResponse, error: unknown): void;
  },
): Promise<{ context: CompletionContext; body: unknown } | undefined> {
  const context = callerContext(request, response, principal, source);
  try {
    return { context, body: await readJsonBody(request) };
  } catch (error) {
    recordRejected(context, error as GatewayError);
    fail(response, error);
    return undefined;
  }
}

/**
 * Starts a 200 server-sent-events answer with the served-by headers. They leave with the first
 * event, in the same write: every caller opens the stream once the service holds its first chunk
 * (a stream fails over only until then), so flushing them on their own would cost one more
 * system call per stream and gain the caller nothing (issue 16).
 */
export function openEventStream(
  response: ServerResponse,
  served: Parameters<typeof servedByHeaders>[0],
  clientRequestId?: string,
): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    ...servedByHeaders(served, clientRequestId),
  });
}

/**
 * The text a stream has written in the current tick, not yet handed to its response: a property
 * of the response's own, not a WeakMap, whose entries cost an ephemeron per tick per stream.
 */
const pendingText = Symbol("pendingText");
type EventStreamResponse = ServerResponse & { [pendingText]?: string };

/** The stream's pending text, which it no longer holds. */
function takePending(response: ServerResponse): string | undefined {
  const stream = response as EventStreamResponse;
  const text = stream[pendingText];
  stream[pendingText] = undefined;
  return text;
}

function writePending(response: ServerResponse): void {
  const text = takePending(response);
  if (text !== undefined && !response.destroyed && !response.writableEnded) response.write(text);
}

/**
 * Writes `text` at the end of the current tick, joined with everything else the stream writes in
 * it: the events one upstream read carries (often dozens) reach the response as one string, so
 * one chunk of its chunked encoding and one `write`, where each event's own `write` cost three
 * buffered pieces (size, text, CRLF) and their conversion in the socket's `writev` (issue 16).
 * An event stream is ended with `endEventStream`, which sends what is still pending.
 *
 * When the socket's buffer is full, returns a promise that settles once it drains or the caller
 * leaves. Not an async function: nearly every write fits, and a stream makes one call per chunk,
 * so the common case allocates no promise.
 */
export function writeWithBackpressure(
  response: ServerResponse,
  text: string,
): Promise<unknown> | undefined {
  const stream = response as EventStreamResponse;
  if (stream[pendingText] === undefined) {
    stream[pendingText] = text;
    process.nextTick(writePending, stream);
  } else stream[pendingText] += text;
  if (!response.writableNeedDrain) return undefined;
  // Both listeners go once either fires: `events.once` would leave the other one behind, one more
  // per full buffer, until a long stream to a slow reader passed the listener limit.
  return new Promise<void>((resolve) => {
    const settle = () => {
      response.off("drain", settle);
      response.off("close", settle);
      resolve();
    };
    response.on("drain", settle);
    response.on("close", settle);
  });
}

/**
 * Ends an event stream: what `writeWithBackpressure` still holds, then `text`, in the response's
 * last write. A bare `response.end()` would leave the pending text unsent.
 */
export function endEventStream(response: ServerResponse, text = ""): void {
  const pending = takePending(response);
  response.end(pending === undefined ? text : pending + text);
}
