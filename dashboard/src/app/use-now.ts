import { useEffect, useState } from "react";

/**
 * The current time, refreshed every `intervalMs`: relative times ("in 3 days") stay true and the
 * UTC day rolls over on a page left open overnight. Pages derive query windows from the UTC day,
 * so a tick only changes a query when the day changes.
 */
export function useNow(intervalMs = 60_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
