/*
 * The Logs history's filters and the URL's query string, both ways, so a filtered view can be
 * shared or reloaded: ?team=…&key=…&model=…&status=error&from=<ISO>&to=<ISO>. Times travel as
 * ISO instants (the same moment whoever opens the link) and show in the viewer's zone in the
 * datetime-local inputs.
 */
import type { RequestLogFilter, RequestStatus } from "@switchboard/client";

export interface LogFilters {
  teamId?: string;
  apiKeyId?: string;
  /** The requested model name (what clients sent as "model"). */
  model?: string;
  status?: RequestStatus;
  /** ISO instant, inclusive. */
  from?: string;
  /** ISO instant, exclusive. */
  to?: string;
}

/** The Status filter's choices, in the order the select shows them ("" is All). */
export const statusOptions: ReadonlyArray<{ value: RequestStatus; label: string }> = [
  { value: "SUCCESS", label: "Success" },
  { value: "ERROR", label: "Error" },
  { value: "CANCELLED", label: "Cancelled" },
  { value: "CACHE_HIT", label: "Cache hit" },
];

const statuses = new Map<string, RequestStatus>(
  statusOptions.map(({ value }) => [value.toLowerCase(), value]),
);

/** The URL parameter of each filter, in the order they are written. */
const parameterOf = {
  teamId: "team",
  apiKeyId: "key",
  model: "model",
  status: "status",
  from: "from",
  to: "to",
} as const satisfies Record<keyof LogFilters, string>;

function isInstant(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(new Date(value).getTime());
}

/**
 * The filters a query string asks for. Unknown statuses and unreadable times are left out rather
 * than sent to the gateway; a key without its team is dropped (the Key filter belongs to a team).
 */
export function parseLogFilters(search: string | URLSearchParams): LogFilters {
  const params = typeof search === "string" ? new URLSearchParams(search) : search;
  const text = (name: string) => params.get(name)?.trim() || undefined;
  const filters: LogFilters = {};
  const teamId = text(parameterOf.teamId);
  if (teamId) {
    filters.teamId = teamId;
    const apiKeyId = text(parameterOf.apiKeyId);
    if (apiKeyId) filters.apiKeyId = apiKeyId;
  }
  const model = text(parameterOf.model);
  if (model) filters.model = model;
  const status = statuses.get(text(parameterOf.status)?.toLowerCase() ?? "");
  if (status) filters.status = status;
  for (const name of ["from", "to"] as const) {
    const value = text(parameterOf[name]);
    if (value && isInstant(value)) filters[name] = new Date(value).toISOString();
  }
  return filters;
}

/** The query string for `filters` (without "?"), in a fixed order; "" when nothing is filtered. */
export function logFiltersToSearch(filters: LogFilters): string {
  const params = new URLSearchParams();
  for (const [name, parameter] of Object.entries(parameterOf) as Array<
    [keyof LogFilters, string]
  >) {
    const value = filters[name];
    if (value) params.set(parameter, name === "status" ? value.toLowerCase() : value);
  }
  return params.toString();
}

/**
 * The gateway's RequestLogFilter for `filters`. Team and key are the admin's to choose (a team
 * key's logs are its own team's whatever it sends, and naming another team is refused).
 */
export function toRequestLogFilter(
  filters: LogFilters,
  { isAdmin }: { isAdmin: boolean },
): RequestLogFilter {
  const filter: RequestLogFilter = {};
  if (isAdmin && filters.teamId) {
    filter.teamId = filters.teamId;
    if (filters.apiKeyId) filter.apiKeyId = filters.apiKeyId;
  }
  if (filters.model) filter.model = filters.model;
  if (filters.status) filter.status = filters.status;
  if (filters.from) filter.from = filters.from;
  if (filters.to) filter.to = filters.to;
  return filter;
}

/** Whether any filter is set (the empty state then says so and offers to clear them). */
export function hasLogFilters(filters: LogFilters): boolean {
  return Object.values(filters).some(Boolean);
}

/**
 * An ISO instant as a `<input type="datetime-local">` value ("2026-12-05T19:16") in the viewer's
 * zone (or `timeZone`); "" for none. lib/time's localInputToIso is the way back.
 */
export function isoToLocalInput(
  iso: string | undefined,
  { timeZone }: { timeZone?: string } = {},
): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((entry) => entry.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}`;
}
