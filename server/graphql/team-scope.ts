import type { Principal } from "../gateway/principal.ts";

/*
 * Fields that read one team's data (spend, request logs, live feeds): the admin may name any team
 * or none; a team key reads its own team, and naming another is refused (FORBIDDEN).
 */

/** The scope check: true for the admin; for a team key, the team it names (or its own). */
export function ownTeamScope(
  principal: Principal,
  teamId: string | number | null | undefined,
): true | { team: string } {
  if (principal.kind === "admin") return true;
  return { team: teamId ? String(teamId) : (principal.teamId ?? "") };
}

/** The team the read is limited to: the one asked for, and for a team key always its own (the scope check refused any other). */
export function teamToRead(
  principal: Principal,
  teamId: string | number | null | undefined,
): string | undefined {
  if (principal.kind !== "admin") return principal.teamId;
  return teamId ? String(teamId) : undefined;
}
