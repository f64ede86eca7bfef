import { describe, expect, it } from "vitest";
import {
  capabilityMark,
  deploymentHealth,
  formatMilliseconds,
  formatPricePerMillion,
  formatTimeOfDay,
  formatTokenCount,
  isDemoModel,
} from "./model-format";

describe("model numbers", () => {
  it("shows prices per million tokens exactly, with cents at least", () => {
    expect(formatPricePerMillion("2.5")).toBe("$2.50");
    expect(formatPricePerMillion("0.075")).toBe("$0.075");
    expect(formatPricePerMillion("15")).toBe("$15.00");
    expect(formatPricePerMillion("0")).toBe("$0.00");
    expect(formatPricePerMillion(null)).toBe("—");
  });

  it("shows token counts and milliseconds, or a dash when unknown", () => {
    expect(formatTokenCount(128000)).toBe("128,000");
    expect(formatTokenCount(null)).toBe("—");
    expect(formatMilliseconds(1234)).toBe("1,234 ms");
    expect(formatMilliseconds(0)).toBe("0 ms");
    expect(formatMilliseconds(null)).toBe("—");
  });

  it("marks capabilities yes, no or unknown", () => {
    expect([true, false, null, undefined].map(capabilityMark)).toEqual([
      "yes",
      "no",
      "unknown",
      "unknown",
    ]);
  });

  it("knows the demo provider", () => {
    expect(isDemoModel({ provider: "demo" })).toBe(true);
    expect(isDemoModel({ provider: "openai" })).toBe(false);
  });
});

describe("deploymentHealth", () => {
  const now = new Date("2026-12-05T19:16:00.000Z");

  it("says healthy, or until when it cools down, in the viewer's zone", () => {
    expect(
      deploymentHealth({ healthy: true, cooldownUntil: null }, { now, timeZone: "UTC" }),
    ).toEqual({ state: "healthy", text: "Healthy" });
    expect(
      deploymentHealth(
        { healthy: false, cooldownUntil: "2026-12-05T19:16:30.000Z" },
        { now, timeZone: "UTC" },
      ),
    ).toEqual({ state: "cooling", text: "Cooling down until 7:16:30 PM" });
    expect(
      deploymentHealth(
        { healthy: false, cooldownUntil: "2026-12-05T19:16:30.000Z" },
        { now, timeZone: "Europe/Paris" },
      ),
    ).toEqual({ state: "cooling", text: "Cooling down until 8:16:30 PM" });
  });

  it("names the day when the cooldown ends on another one", () => {
    expect(
      deploymentHealth(
        { healthy: false, cooldownUntil: "2026-12-06T00:00:10.000Z" },
        { now, timeZone: "UTC" },
      ).text,
    ).toBe("Cooling down until Dec 6, 2026, 12:00:10 AM");
  });

  it("says unhealthy without a known end", () => {
    expect(deploymentHealth({ healthy: false, cooldownUntil: null }, { now })).toEqual({
      state: "unhealthy",
      text: "Unhealthy",
    });
  });

  it("formats a time of day to the second", () => {
    expect(formatTimeOfDay("2026-12-05T07:05:09.000Z", { timeZone: "UTC" })).toBe("7:05:09 AM");
  });
});
