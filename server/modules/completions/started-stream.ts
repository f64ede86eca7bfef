import type { DeploymentIdentity } from "../../gateway/router.ts";
import type { ChatChunk } from "../../gateway/spec.ts";
import type { CacheStatus, CompletionStream, StreamSummary } from "./completions.service.ts";

/*
 * A started stream and its iterator as classes. As object literals with a computed
 * `[Symbol.asyncIterator]` key and a getter, V8 defined their properties one by one at run time
 * on every stream (~4% of the stream path's CPU in issue 16's profile); a class instance gets
 * its methods from the prototype.
 */

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
