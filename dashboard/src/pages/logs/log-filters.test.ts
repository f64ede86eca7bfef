import { describe, expect, it } from "vitest";
import {
  hasLogFilters,
  isoToLocalInput,
  logFiltersToSearch,
  parseLogFilters,
  toRequestLogFilter,
  type LogFilters,
} from "./log-filters";

describe("parseLogFilters", () => {
  it("reads every filter from the query string", () => {
    expect(
      parseLogFilters(
        "?team=t1&key=k1&model=gpt-4o&status=error&from=2026-12-01T00:00:00.000Z&to=2026-12-05T12:30:00Z",
      ),
    ).toEqual({
      teamId: "t1",
      apiKeyId: "k1",
      model: "gpt-4o",
      status: "ERROR",
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-05T12:30:00.000Z",
    });
  });

  it("accepts URLSearchParams and any case of the status", () => {
    expect(parseLogFilters(new URLSearchParams({ status: "Cancelled" }))).toEqual({
      status: "CANCELLED",
    });
  });

  it("leaves out what it cannot use", () => {
    expect(
      parseLogFilters("status=teapot&from=yesterday&to=2026-13-45T00:00:00Z&model=%20%20"),
    ).toEqual({});
    // A key belongs to a team: without one it is dropped.
    expect(parseLogFilters("key=k1")).toEqual({});
    expect(parseLogFilters("")).toEqual({});
  });
});

describe("logFiltersToSearch", () => {
  it("writes the filters in a fixed order, status in lower case", () => {
    const filters: LogFilters = {
      to: "2026-12-05T12:30:00.000Z",
      status: "SUCCESS",
      model: "demo-echo",
      apiKeyId: "k1",
      teamId: "t1",
    };
    expect(logFiltersToSearch(filters)).toBe(
      "team=t1&key=k1&model=demo-echo&status=success&to=2026-12-05T12%3A30%3A00.000Z",
    );
  });

  it("is empty without filters and round-trips through parseLogFilters", () => {
    expect(logFiltersToSearch({})).toBe("");
    const filters: LogFilters = {
      teamId: "t 1",
      model: "openai/*",
      status: "ERROR",
      from: "2026-12-01T00:00:00.000Z",
    };
    expect(parseLogFilters(logFiltersToSearch(filters))).toEqual(filters);
  });
});

describe("toRequestLogFilter", () => {
  const filters: LogFilters = {
    teamId: "t1",
    apiKeyId: "k1",
    model: "gpt-4o",
    status: "ERROR",
    from: "2026-12-01T00:00:00.000Z",
    to: "2026-12-02T00:00:00.000Z",
  };

  it("passes every filter for the admin", () => {
    expect(toRequestLogFilter(filters, { isAdmin: true })).toEqual(filters);
  });

  it("leaves team and key to the server for a team key", () => {
    expect(toRequestLogFilter(filters, { isAdmin: false })).toEqual({
      model: "gpt-4o",
      status: "ERROR",
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-02T00:00:00.000Z",
    });
  });

  it("sends no key without a team", () => {
    expect(toRequestLogFilter({ apiKeyId: "k1" }, { isAdmin: true })).toEqual({});
  });
});

describe("hasLogFilters", () => {
  it("says whether anything is filtered", () => {
    expect(hasLogFilters({})).toBe(false);
    expect(hasLogFilters({ model: "gpt-4o" })).toBe(true);
  });
});

describe("isoToLocalInput", () => {
  it("shows the instant in the viewer's zone, to the minute", () => {
    expect(isoToLocalInput("2026-12-05T19:16:42.000Z", { timeZone: "UTC" })).toBe(
      "2026-12-05T19:16",
    );
    expect(isoToLocalInput("2026-12-05T19:16:42.000Z", { timeZone: "Asia/Tokyo" })).toBe(
      "2026-12-06T04:16",
    );
    expect(isoToLocalInput("2026-12-05T00:05:00.000Z", { timeZone: "America/Los_Angeles" })).toBe(
      "2026-12-04T16:05",
    );
  });

  it("is empty for nothing or nonsense", () => {
    expect(isoToLocalInput(undefined)).toBe("");
    expect(isoToLocalInput("not a time")).toBe("");
  });
});
