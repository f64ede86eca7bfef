import { describe, expect, it, vi } from "vitest";
import { newRequestId } from "../../server/gateway/identifiers.ts";

describe("request ids", () => {
  it("keep their shape (req_ and 32 hex digits) and are unique", () => {
    const ids = Array.from({ length: 10_000 }, newRequestId);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sort by the time they were made, so log rows append to the primary-key index", () => {
    vi.useFakeTimers();
    try {
      const ids: string[] = [];
      for (const at of [
        Date.UTC(2026, 0, 1),
        Date.UTC(2026, 0, 1, 0, 0, 0, 1),
        Date.UTC(2031, 5, 1),
      ]) {
        vi.setSystemTime(at);
        ids.push(newRequestId(), newRequestId());
      }
      expect([...ids].sort((a, b) => (a < b ? -1 : 1)).map((id) => id.slice(0, 16))).toEqual(
        ids.map((id) => id.slice(0, 16)),
      );
      expect(ids[0]!.slice(4, 16)).toBe(Date.UTC(2026, 0, 1).toString(16).padStart(12, "0"));
    } finally {
      vi.useRealTimers();
    }
  });
});
