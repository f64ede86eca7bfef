/*
 * Times for people: every timestamp in the viewer's own zone (the browser's default), often with
 * a relative form ("in 3 days"). Aggregates are a different matter: the gateway buckets spend by
 * UTC day and budgets reset on UTC boundaries, so "today" and "this month" are UTC here too.
 * Formatters take an optional timeZone so tests can fix the zone.
 */

export interface ZoneOptions {
  /** An IANA zone; the browser's own when omitted. */
  timeZone?: string;
}

const millisecondsPerDay = 86_400_000;

/** "Dec 5, 2026, 7:16 PM" in the viewer's zone (or `timeZone`). */
export function formatDateTime(iso: string, { timeZone }: ZoneOptions = {}): string {
  return new Intl.DateTimeFormat("en-US", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

/** "Dec 5, 2026" in the viewer's zone (or `timeZone`). */
export function formatDate(iso: string, { timeZone }: ZoneOptions = {}): string {
  return new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone }).format(new Date(iso));
}

const relativeUnits: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * millisecondsPerDay],
  ["month", 30 * millisecondsPerDay],
  ["day", millisecondsPerDay],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
];

/** "in 3 days", "2 hours ago", "now": the largest unit that fits, rounded. */
export function formatRelative(iso: string, now: Date = new Date()): string {
  const difference = new Date(iso).getTime() - now.getTime();
  const format = new Intl.RelativeTimeFormat("en-US", { numeric: "auto" });
  for (const [unit, size] of relativeUnits) {
    if (Math.abs(difference) >= size) return format.format(Math.round(difference / size), unit);
  }
  return format.format(0, "second");
}

/** "Dec 5, 2026, 7:16 PM (in 3 days)": the absolute time and how far it is. */
export function formatDateTimeWithRelative(
  iso: string,
  { timeZone, now = new Date() }: ZoneOptions & { now?: Date } = {},
): string {
  return `${formatDateTime(iso, { timeZone })} (${formatRelative(iso, now)})`;
}

/** The start of the UTC day of `date`. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** The start of the UTC month of `date` (budgets' MONTHLY period starts there too). */
export function startOfUtcMonth(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** `date` moved by whole UTC days (negative goes back). */
export function addUtcDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * millisecondsPerDay);
}

/** "2026-12-05": the key the gateway gives a UTC day in spend(groupBy: DAY). */
export function utcDayKey(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** "Dec 5" for a UTC day key, for chart axes (the day as the gateway bucketed it, not shifted to a zone). */
export function formatUtcDay(dayKey: string): string {
  return new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  }).format(new Date(`${dayKey}T00:00:00Z`));
}

/** The windows the Overview and team pages ask for: the last `days` UTC days (today included) and the UTC month. */
export function spendWindows(
  now: Date = new Date(),
  days = 30,
): { today: string; lastDaysFrom: string; monthFrom: string } {
  const today = startOfUtcDay(now);
  return {
    today: utcDayKey(today),
    lastDaysFrom: addUtcDays(today, -(days - 1)).toISOString(),
    monthFrom: startOfUtcMonth(now).toISOString(),
  };
}

/**
 * A `<input type="datetime-local">` value ("2026-12-31T23:59", the viewer's local time) as an ISO
 * instant for the gateway; undefined when empty or not a time.
 */
export function localInputToIso(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
