import { describe, expect, it } from "vitest";
import { formatLogTime } from "./log-format";

describe("formatLogTime", () => {
  const now = new Date("2026-12-05T19:34:00.000Z");

  it("shows today's requests to the second", () => {
    expect(formatLogTime("2026-12-05T19:34:05.000Z", { now, timeZone: "UTC" })).toBe("7:34:05 PM");
  });

  it("names the day of older ones, and the year when it is not this one", () => {
    expect(formatLogTime("2026-12-04T19:34:05.000Z", { now, timeZone: "UTC" })).toBe(
      "Dec 4, 7:34 PM",
    );
    expect(formatLogTime("2025-12-31T08:00:00.000Z", { now, timeZone: "UTC" })).toBe(
      "Dec 31, 2025, 8:00 AM",
    );
  });

  it("decides what today is in the viewer's zone", () => {
    // 19:34 UTC on Dec 5 is already Dec 6 in Tokyo; a request at 14:00 UTC was Dec 5 there.
    expect(formatLogTime("2026-12-05T14:00:00.000Z", { now, timeZone: "Asia/Tokyo" })).toBe(
      "Dec 5, 11:00 PM",
    );
    expect(formatLogTime("2026-12-05T16:00:00.000Z", { now, timeZone: "Asia/Tokyo" })).toBe(
      "1:00:00 AM",
    );
  });
});
