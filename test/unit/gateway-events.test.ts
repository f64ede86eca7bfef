import { describe, expect, it } from "vitest";
import { createGatewayEvents } from "../../server/services.ts";
import type { BudgetAlert } from "../../server/services.ts";

describe("gateway events", () => {
  it("serve any number of live subscribers (one per open dashboard) without Node's max-listeners warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const events = createGatewayEvents();
      const subscribers = Array.from({ length: 25 }, () =>
        events.subscribe("budgetThresholdReached")[Symbol.asyncIterator](),
      );
      const received = Promise.all(subscribers.map((subscriber) => subscriber.next()));
      const alert = {
        scope: "team",
        scopeId: "team-1",
        label: "team 'a'",
        period: "MONTHLY",
        periodStart: new Date(0),
        spentUsd: "8",
        limitUsd: "10",
        fraction: 0.8,
      } satisfies BudgetAlert;
      await new Promise((resolve) => setImmediate(resolve));
      events.publish("budgetThresholdReached", alert);
      expect((await received).map((result) => result.value)).toEqual(Array(25).fill(alert));
      await Promise.all(subscribers.map((subscriber) => subscriber.return?.()));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
