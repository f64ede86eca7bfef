import type { Redis } from "ioredis";
import { expect, vi } from "vitest";

/**
 * Waits until exactly `count` connections are subscribed to `channel`: a message published
 * before a subscription takes effect is lost, so tests wait for it rather than sleep.
 */
export async function waitForSubscribers(
  commands: Redis,
  channel: string,
  count: number,
): Promise<void> {
  await vi.waitFor(
    async () => {
      const [, subscribed] = (await commands.pubsub("NUMSUB", channel)) as [string, number];
      expect(subscribed).toBe(count);
    },
    { timeout: 10_000, interval: 20 },
  );
}
