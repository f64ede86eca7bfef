import { describe, expect, it } from "vitest";
import {
  addUtcDays,
  formatDate,
  formatDateTime,
  formatDateTimeWithRelative,
  formatRelative,
  formatUtcDay,
  localInputToIso,
  spendWindows,
  startOfUtcDay,
  startOfUtcMonth,
  utcDayKey,
} from "./time";

// The zone is fixed through the formatter's timeZone option, so the test does not depend on the machine's zone.
const instant = "2026-12-05T19:16:00.000Z";

describe("formatDateTime", () => {
  it("shows the instant in the given zone", () => {
    expect(formatDateTime(instant, { timeZone: "UTC" })).toBe("Dec 5, 2026, 7:16 PM");
    expect(formatDateTime(instant, { timeZone: "Asia/Tokyo" })).toBe("Dec 6, 2026, 4:16 AM");
    expect(formatDateTime(instant, { timeZone: "America/Los_Angeles" })).toBe(
      "Dec 5, 2026, 11:16 AM",
    );
  });

  it("shows dates alone in the given zone", () => {
    expect(formatDate(instant, { timeZone: "Asia/Tokyo" })).toBe("Dec 6, 2026");
  });
});

describe("formatRelative", () => {
  const now = new Date(instant);
  it("uses the largest unit that fits", () => {
    expect(formatRelative("2026-12-08T19:16:00.000Z", now)).toBe("in 3 days");
    expect(formatRelative("2026-12-05T17:16:00.000Z", now)).toBe("2 hours ago");
    expect(formatRelative("2026-12-05T19:21:00.000Z", now)).toBe("in 5 minutes");
    expect(formatRelative("2026-12-04T19:16:00.000Z", now)).toBe("yesterday");
    expect(formatRelative(instant, now)).toBe("now");
  });

  it("combines with the absolute time", () => {
    expect(formatDateTimeWithRelative("2027-01-01T00:00:00.000Z", { timeZone: "UTC", now })).toBe(
      "Jan 1, 2027, 12:00 AM (in 26 days)",
    );
  });
});

describe("UTC days and months", () => {
  it("finds UTC boundaries whatever the local zone", () => {
    const lateEvening = new Date("2026-12-31T23:30:00.000Z");
    expect(startOfUtcDay(lateEvening).toISOString()).toBe("2026-12-31T00:00:00.000Z");
    expect(startOfUtcMonth(lateEvening).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(utcDayKey(addUtcDays(lateEvening, 1))).toBe("2027-01-01");
    expect(formatUtcDay("2026-12-05")).toBe("Dec 5");
  });

  it("gives the Overview's windows: 30 UTC days including today, and the UTC month", () => {
    expect(spendWindows(new Date(instant))).toEqual({
      today: "2026-12-05",
      lastDaysFrom: "2026-11-06T00:00:00.000Z",
      monthFrom: "2026-12-01T00:00:00.000Z",
    });
  });
});

describe("localInputToIso", () => {
  it("reads datetime-local values as local time", () => {
    expect(localInputToIso("2026-12-31T23:59")).toBe(new Date(2026, 11, 31, 23, 59).toISOString());
    expect(localInputToIso("")).toBeUndefined();
    expect(localInputToIso("not a date")).toBeUndefined();
  });
});
