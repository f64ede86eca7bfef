import { describe, expect, it } from "vitest";
import { auditFiltersToSearch, parseAuditFilters, toAuditLogFilter } from "./audit-filters";

describe("parseAuditFilters", () => {
  it("reads the filters from the query string", () => {
    expect(
      parseAuditFilters(
        "?action=apiKey.revoke&target=key_1&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00.000Z",
      ),
    ).toEqual({
      action: "apiKey.revoke",
      targetId: "key_1",
      from: "2026-12-01T00:00:00.000Z",
      to: "2026-12-02T00:00:00.000Z",
    });
  });

  it("leaves out empty values and unreadable times", () => {
    expect(parseAuditFilters("action=&target=%20&from=last-week&to=2026-02-30T99:00")).toEqual({});
  });
});

describe("auditFiltersToSearch", () => {
  it("writes a fixed order and round-trips", () => {
    const filters = { to: "2026-12-02T00:00:00.000Z", targetId: "team 1", action: "team.update" };
    expect(auditFiltersToSearch(filters)).toBe(
      "action=team.update&target=team+1&to=2026-12-02T00%3A00%3A00.000Z",
    );
    expect(parseAuditFilters(auditFiltersToSearch(filters))).toEqual(filters);
    expect(auditFiltersToSearch({})).toBe("");
  });
});

describe("toAuditLogFilter", () => {
  it("sends only what is set, trimmed", () => {
    expect(toAuditLogFilter({ action: " auth.failure ", targetId: "" })).toEqual({
      action: "auth.failure",
    });
    expect(toAuditLogFilter({ from: "2026-12-01T00:00:00.000Z" })).toEqual({
      from: "2026-12-01T00:00:00.000Z",
    });
  });
});
