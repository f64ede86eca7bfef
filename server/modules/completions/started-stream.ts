import type { GatewayError } from "../../gateway/errors.ts";
import type { RequestRecord } from "../../gateway/request-record.ts";
import type { DeploymentIdentity } from "../../gateway/router.ts";
import type { ChatChunk } from "../../gateway/spec.ts";
import type { CacheStatus, CompletionStream, StreamSummary } from "./completions.service.ts";

/*
 * A started stream and its iterator as classes. As object literals with a computed
 * `[Symbol.asyncIterator]` key and a getter, V8 defined their properties one by one at run time
 * on every stream (~4% of the stream path's CPU in issue 16's profile); a class instance gets
 * its methods from the prototype.
 */

/** What relayChunks needs of one started stream. */
export interface StreamRelay {
  /** The provider's first chunk, which started the stream. */
  readonly first: IteratorResult<ChatChunk>;
  /** The provider's next chunk. */
  nextChunk(): Promise<IteratorResult<ChatChunk>>;
  /** A chunk on its way to the caller. */
  passing(chunk: ChatChunk): void;
  /** The GatewayError a failure in the middle of the stream becomes. */
  failure(thrown: unknown): GatewayError;
  /** Closes the provider's stream when it did not run to its end. */
  closeUpstream(): Promise<void>;
  /** The stream is over: recorded once, with how it ended. */
  finish(status: RequestRecord["status"], error?: GatewayError): void;
}

/**
 * A started stream's chunks, from the provider to the caller; the stream is recorded however it
 * ends (its end, an error, the consumer stopping early).
 *
 * A generator declared once, here, not one made inside each stream's scope: a generator
 * function made per stream cost ~15 KB of old space per stream (issue 16). Each such function
 * gets a prototype and generator map of its own, and the objects the stream touched survived
 * young-generation collections until the next full one: ~1.5 MB promoted per scavenge under load,
 * against ~0.3 MB with this one.
 */
export async function* relayChunks(relay: StreamRelay): AsyncGenerator<ChatChunk> {
  let status: RequestRecord["status"] = "cancelled";
  try {
    for (let result = relay.first; !result.done; result = await relay.nextChunk()) {
      relay.passing(result.value);
      yield result.value;
    }
    status = "success";
  } catch (thrown) {
    const error = relay.failure(thrown);
    status = error.code === "CANCELLED" ? "cancelled" : "error";
    relay.finish(status, error);
    throw error;
  } finally {
    // Reached on normal end, on error, and when the consumer stops early (return()).
    if (status !== "success") await relay.closeUpstream();
    relay.finish(status);
  }
}

/** A started stream's chunks: `close` runs instead of the relay when it is returned unstarted. */
export class StartedStreamIterator implements AsyncIterableIterator<ChatChunk> {
  #started = false;
  readonly #relay: AsyncGenerator<ChatChunk>;
  readonly #closeUnstarted: () => Promise<void>;

  constructor(relay: AsyncGenerator<ChatChunk>, closeUnstarted: () => Promise<void>) {
    this.#relay = relay;
    this.#closeUnstarted = closeUnstarted;
  }

  next(): Promise<IteratorResult<ChatChunk>> {
    this.#started = true;
    return this.#relay.next();
  }

  async return(value?: unknown): Promise<IteratorResult<ChatChunk>> {
    // A generator that never ran skips its finally: close the upstream and log here.
    if (!this.#started) await this.#closeUnstarted();
    return this.#relay.return(value as never);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** What `chatStream` resolves to once the first chunk is in. */
export class StartedStream implements CompletionStream {
  readonly #iterator: AsyncIterator<ChatChunk>;
  readonly #summary: () => StreamSummary | undefined;

  constructor(
    readonly requestId: string,
    readonly deployment: DeploymentIdentity,
    readonly attempts: number,
    readonly cache: CacheStatus,
    iterator: AsyncIterator<ChatChunk>,
    summary: () => StreamSummary | undefined,
  ) {
    this.#iterator = iterator;
    this.#summary = summary;
  }

  get summary(): StreamSummary | undefined {
    return this.#summary();
  }

  [Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    return this.#iterator;
  }
}
