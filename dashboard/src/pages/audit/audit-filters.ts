/*
 * The Audit page's filters and the URL's query string, both ways (?action=apiKey.revoke&target=…
 * &from=<ISO>&to=<ISO>), so a filtered trail can be shared or reloaded.
 */
import type { AuditLogFilter } from "@switchboard/client";

export interface AuditFilters {
  /** An exact action, e.g. "apiKey.revoke". */
  action?: string;
  /** An exact target id (a team's or key's id). */
  targetId?: string;
  /** ISO instant, inclusive. */
  from?: string;
  /** ISO instant, exclusive. */
  to?: string;
}

/** The actions the gateway writes today, for the Action filter's choices. */
export const knownAuditActions: readonly string[] = [
  "team.create",
  "team.update",
  "apiKey.create",
  "apiKey.revoke",
  "auth.failure",
  "budget.threshold",
];

const parameterOf = {
  action: "action",
  targetId: "target",
  from: "from",
  to: "to",
} as const satisfies Record<keyof AuditFilters, string>;

function instant(value: string | undefined): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The filters a query string asks for; unreadable times are left out. */
export function parseAuditFilters(search: string | URLSearchParams): AuditFilters {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const filters: AuditFilters = {};
  const action = text(parameterOf.action);
  if (action) filters.action = action;
  const targetId = text(parameterOf.targetId);
  if (targetId) filters.targetId = targetId;
  const from = instant(text(parameterOf.from));
  if (from) filters.from = from;
  const to = instant(text(parameterOf.to));
  if (to) filters.to = to;
  return filters;
}

/** The query string for `filters` (without "?"), in a fixed order. */
export function auditFiltersToSearch(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const [name, parameter] of Object.entries(parameterOf) as Array<
    [keyof AuditFilters, string]
  >) {
    const value = filters[name]?.trim();
    if (value) params.set(parameter, value);
  }
  return params.toString();
}

/** The gateway's AuditLogFilter (only the fields that are set). */
export function toAuditLogFilter(filters: AuditFilters): AuditLogFilter {
  const filter: AuditLogFilter = {};
  if (filters.action?.trim()) filter.action = filters.action.trim();
  if (filters.targetId?.trim()) filter.targetId = filters.targetId.trim();
  if (filters.from) filter.from = filters.from;
  if (filters.to) filter.to = filters.to;
  return filter;
}
