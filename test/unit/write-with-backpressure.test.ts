import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { writeWithBackpressure } from "../../server/http/completion-exchange.ts";

/** A response whose buffer is always full: every write waits for drain or close. */
function fullResponse() {
  const response = new EventEmitter() as EventEmitter & { written: string[] };
  response.written = [];
  return Object.assign(response, {
    cork() {},
    uncork() {},
    write(text: string) {
      response.written.push(text);
      return false;
    },
  });
}

describe("writeWithBackpressure", () => {
  it("waits for drain, or for close, and leaves no listener behind either way", async () => {
    const response = fullResponse();
    for (let index = 0; index < 50; index += 1) {
      const waiting = writeWithBackpressure(response as unknown as ServerResponse, `${index}`);
      expect(waiting).toBeInstanceOf(Promise);
      response.emit(index % 2 === 0 ? "drain" : "close");
      await waiting;
    }
    expect(response.written).toHaveLength(50);
    expect(response.listenerCount("drain")).toBe(0);
    expect(response.listenerCount("close")).toBe(0);
    expect(response.listenerCount("error")).toBe(0);
  });

  it("returns nothing to wait for when the write fits", () => {
    const response = Object.assign(fullResponse(), { write: () => true });
    expect(writeWithBackpressure(response as unknown as ServerResponse, "x")).toBeUndefined();
  });
});
