import { describe, expect, it } from "vitest";
import { createLogWriter } from "../../server/storage/log-writer.ts";
import type { RequestRecord } from "../../server/gateway/request-record.ts";

function entry(id: string): RequestRecord {
  return {
    id,
    createdAt: new Date(0),
    source: "rest",
    requestedModel: "m",
    status: "success",
    promptTokens: 1,
    completionTokens: 1,
    cachedTokens: 0,
    reasoningTokens: 0,
    costNanoUsd: 1n,
    usageEstimated: false,
    latencyMs: 1,
    stream: false,
    attempts: [],
  };
}

describe("createLogWriter", () => {
  it("writes many entries in one batch, not one write per entry", async () => {
    const batches: string[][] = [];
    const writer = createLogWriter({
      write: async (entries) => void batches.push(entries.map((item) => item.id)),
      flushIntervalMs: 10_000,
    });
    for (let index = 0; index < 5; index += 1) writer.enqueue(entry(`r${index}`));
    expect(batches).toEqual([]);
    await writer.stop();
    expect(batches).toEqual([["r0", "r1", "r2", "r3", "r4"]]);
  });

  it("flushes when a batch is full and on its timer", async () => {
    const batches: string[][] = [];
    const writer = createLogWriter({
      write: async (entries) => void batches.push(entries.map((item) => item.id)),
      maxBatchSize: 2,
      flushIntervalMs: 20,
    });
    writer.enqueue(entry("a"));
    writer.enqueue(entry("b"));
    writer.enqueue(entry("c"));
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(batches).toEqual([["a", "b"], ["c"]]);
    await writer.stop();
  });

  it("keeps entries whose write failed and writes them on the next flush", async () => {
    const written: string[] = [];
    let failNext = true;
    const problems: number[] = [];
    const writer = createLogWriter({
      write: async (entries) => {
        if (failNext) {
          failNext = false;
          throw new Error("database is locked");
        }
        written.push(...entries.map((item) => item.id));
      },
      flushIntervalMs: 10_000,
      onWriteError: (_error, pendingCount) => problems.push(pendingCount),
    });
    writer.enqueue(entry("first"));
    await writer.flush();
    expect(written).toEqual([]);
    expect(writer.pendingCount).toBe(1);
    writer.enqueue(entry("second"));
    await writer.stop();
    expect(written).toEqual(["first", "second"]);
    expect(problems).toEqual([1]);
  });
});
