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

/** What RelayedChunks needs of one started stream. */
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
 * ends (its end, an error, the consumer stopping early or never starting).
 *
 * An iterator class rather than an async generator: a generator would add a resumption and its
 * promises to every chunk on top of the provider's own. And never a generator function made
 * inside each stream's scope: one made per stream cost ~15 KB of old space per stream. Each such
 * function gets a prototype and generator map of its own, and the objects the stream touched
 * survived young-generation collections until the next full one (~1.5 MB promoted per scavenge
 * under load, against ~0.5 MB without; issue 16).
 */
export class RelayedChunks implements AsyncIterableIterator<ChatChunk> {
  readonly #relay: StreamRelay;
  /** The first chunk, until the consumer asks for it. */
  #first: IteratorResult<ChatChunk> | undefined;
  #ended = false;

  constructor(relay: StreamRelay) {
    this.#relay = relay;
    this.#first = relay.first;
  }

  next(): Promise<IteratorResult<ChatChunk>> {
    if (this.#ended) return Promise.resolve({ done: true, value: undefined });
    const first = this.#first;
    if (first) {
      this.#first = undefined;
      return Promise.resolve(this.#pass(first));
    }
    return this.#relay.nextChunk().then(
      (result) => this.#pass(result),
      (thrown: unknown) => this.#fail(thrown),
    );
  }

  /** Ends as cancelled: the provider's stream is closed (also when it was never started). */
  async return(value?: unknown): Promise<IteratorResult<ChatChunk>> {
    if (!this.#ended) {
      this.#ended = true;
      await this.#relay.closeUpstream();
      this.#relay.finish("cancelled");
    }
    return { done: true, value };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The result on its way to the consumer; a chunk that cannot be passed on fails the stream. */
  #pass(
    result: IteratorResult<ChatChunk>,
  ): IteratorResult<ChatChunk> | Promise<IteratorResult<ChatChunk>> {
    if (result.done) {
      this.#ended = true;
      this.#relay.finish("success");
      return result;
    }
    try {
      this.#relay.passing(result.value);
    } catch (thrown) {
      return this.#fail(thrown);
    }
    return result;
  }

  /** Records the failure, closes the provider's stream and rejects with the GatewayError. */
  async #fail(thrown: unknown): Promise<never> {
    this.#ended = true;
    const error = this.#relay.failure(thrown);
    this.#relay.finish(error.code === "CANCELLED" ? "cancelled" : "error", error);
    await this.#relay.closeUpstream();
    throw error;
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
