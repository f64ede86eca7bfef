import { describe, expect, it } from "vitest";
import { type ContractContext, drain, failureOf, hello, idle } from "./contract-helpers.ts";

/** A consumer that stops early or an aborted signal closes the upstream request. */
export function registerCancellationCases(context: ContractContext): void {
  describe("cancellation", () => {
    it("a consumer that stops early closes the upstream request", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "slow-stream", chunkDelayMs: 20, chunks: 500 });
      const closedBefore = upstream.closedRequests;
      let received = 0;
      for await (const _chunk of adapter.chatStream(hello, idle())) {
        if (++received === 3) break;
      }
      await upstream.waitForClosedRequest();
      expect(upstream.closedRequests).toBe(closedBefore + 1);
    });

    it("an aborted signal mid-stream closes the upstream and rethrows the signal's reason", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "slow-stream", chunkDelayMs: 20, chunks: 500 });
      const controller = new AbortController();
      const reason = new Error("the caller went away");
      const { chunks, error } = await drain(
        (async function* () {
          for await (const chunk of adapter.chatStream(hello, { signal: controller.signal })) {
            yield chunk;
            controller.abort(reason);
          }
        })(),
      );
      expect(error).toBe(reason);
      expect(chunks).toHaveLength(1);
      await upstream.waitForClosedRequest();
    });

    it("an aborted signal while waiting for headers closes the upstream and rethrows the reason", async () => {
      const { upstream, adapter } = context();
      upstream.enqueue({ type: "hang" });
      const reason = new DOMException("The operation timed out.", "TimeoutError");
      const controller = new AbortController();
      const pending = failureOf(adapter.chat(hello, { signal: controller.signal }));
      while (upstream.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort(reason);
      expect(await pending).toBe(reason);
      await upstream.waitForClosedRequest();
    });

    it("an already aborted signal sends nothing and rethrows the reason", async () => {
      const { upstream, adapter } = context();
      const reason = new Error("cancelled before start");
      expect(await failureOf(adapter.chat(hello, { signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect((await drain(adapter.chatStream(hello, { signal: AbortSignal.abort(reason) }))).error).toBe(reason);
      expect(upstream.requests).toHaveLength(0);
    });
  });
}
