import { describe, expect, it } from "vitest";
import { GatewayError } from "../../server/gateway/errors.ts";
import type { ChatChunk } from "../../server/gateway/spec.ts";
import {
  RelayedChunks,
  type StreamRelay,
} from "../../server/modules/completions/started-stream.ts";

const chunk = (content: string) =>
  ({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  }) as ChatChunk;

/** A relay over `chunks` (then `failWith`, if given) that notes what the generator asked of it. */
function relayOf(chunks: ChatChunk[], failWith?: Error) {
  const calls: string[] = [];
  let next = 1;
  const relay: StreamRelay = {
    first: { done: false, value: chunks[0] },
    async nextChunk() {
      if (next < chunks.length) return { done: false, value: chunks[next++] };
      if (failWith) throw failWith;
      return { done: true, value: undefined };
    },
    passing: (passed) => void calls.push(`passing ${passed.choices[0].delta.content}`),
    failure: (thrown) => new GatewayError("PROVIDER_ERROR", (thrown as Error).message),
    closeUpstream: async () => void calls.push("closeUpstream"),
    finish: (status, error) => void calls.push(`finish ${status}${error ? ` ${error.code}` : ""}`),
  };
  return { relay, calls };
}

describe("RelayedChunks", () => {
  it("passes every chunk on and finishes once as a success, leaving the upstream to end itself", async () => {
    const { relay, calls } = relayOf([chunk("a"), chunk("b")]);
    const seen: string[] = [];
    for await (const passed of new RelayedChunks(relay))
      seen.push(passed.choices[0].delta.content!);
    expect(seen).toEqual(["a", "b"]);
    expect(calls).toEqual(["passing a", "passing b", "finish success"]);
  });

  it("closes the upstream and finishes as cancelled when the consumer stops early", async () => {
    const { relay, calls } = relayOf([chunk("a"), chunk("b")]);
    for await (const _ of new RelayedChunks(relay)) break;
    expect(calls).toEqual(["passing a", "closeUpstream", "finish cancelled"]);
  });

  it("finishes with the failure's error, closes the upstream and rethrows the GatewayError", async () => {
    const { relay, calls } = relayOf([chunk("a")], new Error("socket hang up"));
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const passed of new RelayedChunks(relay))
        seen.push(passed.choices[0].delta.content!);
    })().catch((error: unknown) => error);
    expect(seen).toEqual(["a"]);
    expect(failure).toBeInstanceOf(GatewayError);
    expect((failure as GatewayError).message).toBe("socket hang up");
    expect(calls).toEqual(["passing a", "finish error PROVIDER_ERROR", "closeUpstream"]);
  });

  it("closes the upstream and finishes as cancelled when returned before its first chunk was asked for", async () => {
    const { relay, calls } = relayOf([chunk("a"), chunk("b")]);
    const chunks = new RelayedChunks(relay);
    expect(await chunks.return()).toEqual({ done: true, value: undefined });
    expect(await chunks.next()).toEqual({ done: true, value: undefined });
    expect(calls).toEqual(["closeUpstream", "finish cancelled"]);
  });

  it("records a chunk that cannot be passed on as the stream's failure", async () => {
    const { relay, calls } = relayOf([chunk("a"), chunk("b")]);
    relay.passing = (passed) => {
      if (passed.choices[0].delta.content === "b") throw new Error("cannot copy");
      calls.push("passing a");
    };
    const chunks = new RelayedChunks(relay);
    expect((await chunks.next()).value).toBe(relay.first.value);
    await expect(chunks.next()).rejects.toThrow("cannot copy");
    expect(calls).toEqual(["passing a", "finish error PROVIDER_ERROR", "closeUpstream"]);
    expect(await chunks.next()).toEqual({ done: true, value: undefined });
  });
});
