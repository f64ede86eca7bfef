import type { DeploymentIdentity } from "../../gateway/router.ts";
import type { ChatChunk } from "../../gateway/spec.ts";
import type { CompletionStream, StreamSummary } from "./completions.service.ts";
import { createStreamTally } from "../../gateway/usage-accounting.ts";

/**
 * A stream answered from the response cache: the stored chunks, in order, as fast as the caller
 * reads them. `finish` runs once, when the replay ends or the caller stops reading (even before
 * the first chunk), and returns the summary the stream then reports.
 */
export function replayCachedStream({
  requestId,
  deployment,
  chunks,
  finish,
}: {
  requestId: string;
  deployment: DeploymentIdentity;
  chunks: ChatChunk[];
  finish(tally: ReturnType<typeof createStreamTally>): StreamSummary;
}): CompletionStream {
  const tally = createStreamTally();
  let summary: StreamSummary | undefined;
  let position = 0;

  function end(): IteratorReturnResult<undefined> {
    position = chunks.length;
    summary ??= finish(tally);
    return { done: true, value: undefined };
  }

  const iterator: AsyncIterableIterator<ChatChunk> = {
    async next() {
      if (position >= chunks.length) return end();
      const chunk = chunks[position++];
      // Tallied before the caller has it: callers may change the chunks they get.
      tally.add(chunk);
      return { done: false, value: chunk };
    },
    async return() {
      return end();
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return {
    requestId,
    deployment,
    attempts: 0,
    cache: "hit",
    get summary() {
      return summary;
    },
    [Symbol.asyncIterator]: () => iterator,
  };
}
