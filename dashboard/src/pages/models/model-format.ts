/*
 * How the Models page shows a model's numbers, capabilities and deployment health. Prices are
 * the gateway's exact Usd strings per million tokens; times are the viewer's.
 */
import { formatCount } from "../../lib/chart-data";
import { formatUsd } from "../../lib/money";

/** The provider of the built-in echo model (`switchboard --demo`): labelled so nobody takes it for a real one. */
export const demoProvider = "demo";

export function isDemoModel(model: { provider: string }): boolean {
  return model.provider === demoProvider;
}

/** "$2.50" for a price per million tokens; "—" when the gateway has none. */
export function formatPricePerMillion(usd: string | null | undefined): string {
  return usd === null || usd === undefined || usd === "" ? "—" : formatUsd(usd);
}

/** "128,000" tokens; "—" when unknown. */
export function formatTokenCount(tokens: number | null | undefined): string {
  return tokens === null || tokens === undefined ? "—" : formatCount(tokens);
}

/** "240 ms"; "—" until measured. */
export function formatMilliseconds(milliseconds: number | null | undefined): string {
  return milliseconds === null || milliseconds === undefined
    ? "—"
    : `${formatCount(milliseconds)} ms`;
}

export type CapabilityMark = "yes" | "no" | "unknown";

/** A capability as the catalog knows it: true, false, or null (not known). */
export function capabilityMark(value: boolean | null | undefined): CapabilityMark {
  return value === true ? "yes" : value === false ? "no" : "unknown";
}

/** "7:16:05 PM": a time of day to the second in the viewer's zone (cooldowns last seconds). */
export function formatTimeOfDay(iso: string, { timeZone }: { timeZone?: string } = {}): string {
  return new Intl.DateTimeFormat("en-US", {
    hour: "numeric",
    minute: "2-digit",
    second: "2-digit",
    timeZone,
  }).format(new Date(iso));
}

export type DeploymentHealthState = "healthy" | "cooling" | "unhealthy";

/**
 * A deployment's health in words: "Healthy", "Cooling down until 7:16:05 PM" (the day too when
 * that is not today in the viewer's zone), or "Unhealthy" without a known end.
 */
export function deploymentHealth(
  deployment: { healthy: boolean; cooldownUntil: string | null },
  { now = new Date(), timeZone }: { now?: Date; timeZone?: string } = {},
): { state: DeploymentHealthState; text: string } {
  if (deployment.healthy) return { state: "healthy", text: "Healthy" };
  if (!deployment.cooldownUntil) return { state: "unhealthy", text: "Unhealthy" };
  const until = new Date(deployment.cooldownUntil);
  const day = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone });
  const sameDay = day.format(until) === day.format(now);
  const time = formatTimeOfDay(deployment.cooldownUntil, { timeZone });
  return {
    state: "cooling",
    text: `Cooling down until ${sameDay ? time : `${day.format(until)}, ${time}`}`,
  };
}
