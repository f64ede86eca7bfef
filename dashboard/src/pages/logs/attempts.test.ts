import { describe, expect, it } from "vitest";
import { attemptTable, formatAttemptValue } from "./attempts";

describe("attemptTable", () => {
  it("shows the gateway's fields in a fixed order, only those some attempt has", () => {
    const table = attemptTable([
      {
        provider: "openai",
        deployment: "openai-primary",
        status: "error",
        errorCode: "PROVIDER_ERROR",
        httpStatus: 502,
        upstreamStatus: 503,
        latencyMs: 812,
      },
      { latencyMs: 420, status: "success", deployment: "azure-backup", provider: "azure" },
    ]);
    expect(table.columns).toEqual([
      { key: "deployment", heading: "Deployment" },
      { key: "provider", heading: "Provider" },
      { key: "status", heading: "Status" },
      { key: "errorCode", heading: "Error code" },
      { key: "httpStatus", heading: "HTTP status" },
      { key: "upstreamStatus", heading: "Upstream status" },
      { key: "latencyMs", heading: "Latency" },
    ]);
    expect(table.rows).toEqual([
      {
        number: 1,
        status: "error",
        cells: {
          deployment: "openai-primary",
          provider: "openai",
          status: "error",
          errorCode: "PROVIDER_ERROR",
          httpStatus: "502",
          upstreamStatus: "503",
          latencyMs: "812 ms",
        },
      },
      {
        number: 2,
        status: "success",
        cells: {
          deployment: "azure-backup",
          provider: "azure",
          status: "success",
          errorCode: "",
          httpStatus: "",
          upstreamStatus: "",
          latencyMs: "420 ms",
        },
      },
    ]);
  });

  it("keeps fields it does not know, after the known ones, with readable headings", () => {
    const table = attemptTable([
      { status: "error", retry_after: 2, waitedMs: 1000, region: { name: "eu" } },
    ]);
    expect(table.columns).toEqual([
      { key: "status", heading: "Status" },
      { key: "retry_after", heading: "Retry after" },
      { key: "waitedMs", heading: "Waited ms" },
      { key: "region", heading: "Region" },
    ]);
    expect(table.rows[0]!.cells).toEqual({
      status: "error",
      retry_after: "2",
      waitedMs: "1000 ms",
      region: '{"name":"eu"}',
    });
  });

  it("copes with JSON strings, a single object, non-object entries and nothing", () => {
    expect(attemptTable('[{"deployment":"d1","status":"success"}]').rows).toEqual([
      { number: 1, status: "success", cells: { deployment: "d1", status: "success" } },
    ]);
    expect(attemptTable({ deployment: "d1" }).rows).toEqual([
      { number: 1, status: undefined, cells: { deployment: "d1" } },
    ]);
    expect(attemptTable(["timeout", 3]).rows).toEqual([
      { number: 1, status: undefined, cells: { value: "timeout" } },
      { number: 2, status: undefined, cells: { value: "3" } },
    ]);
    expect(attemptTable("not json").rows).toEqual([
      { number: 1, status: undefined, cells: { value: "not json" } },
    ]);
    expect(attemptTable(null)).toEqual({ columns: [], rows: [] });
    expect(attemptTable([])).toEqual({ columns: [], rows: [] });
  });
});

describe("formatAttemptValue", () => {
  it("formats by type", () => {
    expect(formatAttemptValue("latencyMs", 12)).toBe("12 ms");
    expect(formatAttemptValue("httpStatus", 429)).toBe("429");
    expect(formatAttemptValue("cached", true)).toBe("yes");
    expect(formatAttemptValue("errorCode", null)).toBe("");
    expect(formatAttemptValue("tags", ["a", "b"])).toBe('["a","b"]');
  });
});
