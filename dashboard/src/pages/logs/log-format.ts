/*
 * Times in the log tables, short enough for twelve columns on a laptop screen: a request of
 * today shows its time to the second ("7:34:05 PM"), an older one its day ("Dec 4, 7:34 PM"),
 * and one of another year the year too. All in the viewer's zone (or `timeZone`).
 */

export function formatLogTime(
  iso: string,
  { now = new Date(), timeZone }: { now?: Date; timeZone?: string } = {},
): string {
  const date = new Date(iso);
  const dayOf = new Intl.DateTimeFormat("en-US", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    timeZone,
  });
  if (dayOf.format(date) === dayOf.format(now))
    return new Intl.DateTimeFormat("en-US", {
      hour: "numeric",
      minute: "2-digit",
      second: "2-digit",
      timeZone,
    }).format(date);
  const yearOf = new Intl.DateTimeFormat("en-US", { year: "numeric", timeZone });
  const sameYear = yearOf.format(date) === yearOf.format(now);
  return new Intl.DateTimeFormat("en-US", {
    month: "short",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
    hour: "numeric",
    minute: "2-digit",
    timeZone,
  }).format(date);
}
