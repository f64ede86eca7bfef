import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const mebibyte = 1024 * 1024;
const held = new URL("../../server/young-generation-held.ts", import.meta.url).href;
const flags = new URL("../../server/server-v8-flags.ts", import.meta.url).href;

/*
 * In a node process of its own (V8's flags are the whole process's): the young generation held at
 * its initial size while code runs synchronously, then let grow to a cap and no further. Objects
 * that live across collections (a window of the newest 40,000) are what makes V8 grow it.
 */
const script = `
import ${JSON.stringify(held)};
const { capYoungGeneration, youngGenerationBytes } = await import(${JSON.stringify(flags)});
const atHold = youngGenerationBytes();
let window = new Array(40_000);
let next = 0;
const churn = (count) => {
  for (let index = 0; index < count; index += 1) window[next++ % window.length] = { next, text: "x" + next };
};
churn(3_000_000);
const whileHeld = youngGenerationBytes();
capYoungGeneration(${8 * mebibyte});
for (let batch = 0; batch < 300; batch += 1) {
  churn(20_000);
  await new Promise((resolve) => setImmediate(resolve));
}
const afterCap = youngGenerationBytes();
for (let batch = 0; batch < 300; batch += 1) {
  churn(20_000);
  await new Promise((resolve) => setImmediate(resolve));
}
console.log(JSON.stringify({ atHold, whileHeld, afterCap, later: youngGenerationBytes() }));
`;

describe("the server's young generation (server-v8-flags.ts)", () => {
  it("keeps its initial size while held, then grows to the cap and stops there", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "--eval", script],
      { timeout: 60_000 },
    );
    const sizes = JSON.parse(stdout) as Record<
      "atHold" | "whileHeld" | "afterCap" | "later",
      number
    >;
    // Below the cap when held (tsx's loading has grown it a little), and no larger after the churn.
    expect(sizes.atHold).toBeLessThan(8 * mebibyte);
    expect(sizes.whileHeld).toBe(sizes.atHold);
    expect(sizes.afterCap).toBe(8 * mebibyte);
    expect(sizes.later).toBe(8 * mebibyte);
  });
});
