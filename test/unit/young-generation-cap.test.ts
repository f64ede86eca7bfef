import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { growthFactorToward } from "../../server/server-v8-flags.ts";

const mebibyte = 1024 * 1024;
const held = new URL("../../server/young-generation-held.ts", import.meta.url).href;
const flags = new URL("../../server/server-v8-flags.ts", import.meta.url).href;

/*
 * In a node process of its own (V8's flags are the whole process's): the young generation held at
 * its size while code runs synchronously, then let grow to a cap and no further. Objects that live
 * across collections (a window of the newest 40,000) are what makes V8 grow it.
 */
const script = `
import ${JSON.stringify(held)};
const { capYoungGeneration, semiSpaceCapacityBytes } = await import(${JSON.stringify(flags)});
const atHold = semiSpaceCapacityBytes();
let window = new Array(40_000);
let next = 0;
const churn = (count) => {
  for (let index = 0; index < count; index += 1) window[next++ % window.length] = { next, text: "x" + next };
};
churn(3_000_000);
const whileHeld = semiSpaceCapacityBytes();
capYoungGeneration(${4 * mebibyte});
const churnAcrossTicks = async () => {
  for (let batch = 0; batch < 300; batch += 1) {
    churn(20_000);
    await new Promise((resolve) => setImmediate(resolve));
  }
};
await churnAcrossTicks();
const afterCap = semiSpaceCapacityBytes();
await churnAcrossTicks();
console.log(JSON.stringify({ atHold, whileHeld, afterCap, later: semiSpaceCapacityBytes() }));
`;

describe("the server's young generation (server-v8-flags.ts)", () => {
  it("keeps its size while held, then grows to the cap and stops there", async () => {
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
    expect(sizes.atHold).toBeLessThan(4 * mebibyte);
    expect(sizes.whileHeld).toBe(sizes.atHold);
    // At the cap: V8 reports a semi-space's capacity less a little of its first page.
    for (const size of [sizes.afterCap, sizes.later]) {
      expect(size).toBeLessThanOrEqual(4 * mebibyte);
      expect(size).toBeGreaterThan(3.5 * mebibyte);
    }
  });

  it("grows by the whole multiple that reaches the cap, also from a size V8 shrank it to", () => {
    // From V8's initial 1 MB (reported a little under), 2 MB and 4 MB: straight to 8 MB.
    expect(growthFactorToward(8 * mebibyte, 0.98 * mebibyte)).toBe(8);
    expect(growthFactorToward(8 * mebibyte, 1.97 * mebibyte)).toBe(4);
    expect(growthFactorToward(8 * mebibyte, 3.93 * mebibyte)).toBe(2);
    // Shrunk to 3 MB: to 6 MB, not past the cap to 12 MB; then no further.
    expect(growthFactorToward(8 * mebibyte, 3 * mebibyte)).toBe(2);
    expect(growthFactorToward(8 * mebibyte, 6 * mebibyte)).toBe(1);
    // At the cap (reported a little under): no growth.
    expect(growthFactorToward(8 * mebibyte, 7.86 * mebibyte)).toBe(1);
  });
});
