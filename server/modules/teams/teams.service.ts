import { GatewayError } from "../../gateway/errors.ts";
import type { PrismaClient } from "../../storage/db.ts";
import type { AuditLogRepository } from "../../storage/audit-log-repository.ts";
import type { KeyDirectory, TeamRecord } from "../keys/key-directory.ts";
import {
  governanceColumns,
  parseGovernanceInput,
  teamInputSchema,
  teamUpdateSchema,
  type TeamInput,
  type TeamUpdate,
} from "./governance-input.ts";

/** Who makes an admin change, as the audit log names them. */
export interface Actor {
  id: string;
}

/**
 * Teams: created and changed by the admin. Each change and its audit entry are one
 * transaction (DESIGN §6); the in-memory directory is updated once it commits.
 */
export function createTeamsService({
  prisma,
  directory,
  audit,
  now = () => new Date(),
}: {
  prisma: PrismaClient;
  directory: KeyDirectory;
  audit: AuditLogRepository;
  now?: () => Date;
}) {
  async function createTeam(input: TeamInput, actor: Actor): Promise<TeamRecord> {
    const settings = parseGovernanceInput(teamInputSchema, input);
    if (directory.teamByName(settings.name))
      throw new GatewayError("BAD_REQUEST", `A team named '${settings.name}' already exists.`, {
        param: "name",
      });
    const at = now();
    const team = await prisma.$transaction(async (transaction) => {
      const created = await transaction.team.create({
        data: {
          name: settings.name,
          ...governanceColumns(settings),
          budgetPeriodStart: settings.budget ? at : null,
        },
      });
      await audit.record(
        transaction,
        {
          actor: actor.id,
          action: "team.create",
          targetType: "team",
          targetId: created.id,
          after: teamSnapshot(created),
        },
        at,
      );
      return created;
    });
    directory.putTeam(team);
    return team;
  }

  async function updateTeam(id: string, input: TeamUpdate, actor: Actor): Promise<TeamRecord> {
    const before = directory.team(id);
    if (!before) throw new GatewayError("BAD_REQUEST", `Unknown team '${id}'.`, { param: "id" });
    const settings = parseGovernanceInput(teamUpdateSchema, input);
    if (settings.name && settings.name !== before.name && directory.teamByName(settings.name)) {
      throw new GatewayError("BAD_REQUEST", `A team named '${settings.name}' already exists.`, {
        param: "input.name",
      });
    }
    const at = now();
    const team = await prisma.$transaction(async (transaction) => {
      const updated = await transaction.team.update({
        where: { id },
        data: { ...(settings.name ? { name: settings.name } : {}), ...governanceColumns(settings) },
      });
      await audit.record(
        transaction,
        {
          actor: actor.id,
          action: "team.update",
          targetType: "team",
          targetId: id,
          before: teamSnapshot(before),
          after: teamSnapshot(updated),
        },
        at,
      );
      return updated;
    });
    directory.putTeam(team);
    return team;
  }

  return { createTeam, updateTeam, team: directory.team, teams: directory.teams };
}

export type TeamsService = ReturnType<typeof createTeamsService>;

/** What the audit log keeps of a team. */
export function teamSnapshot(team: TeamRecord) {
  return {
    id: team.id,
    name: team.name,
    models: team.models ?? null,
    budget:
      team.budgetLimitNanoUsd === null
        ? null
        : { limitNanoUsd: team.budgetLimitNanoUsd, period: team.budgetPeriod },
    limits: { rpm: team.rpmLimit, tpm: team.tpmLimit, maxParallel: team.maxParallel },
  };
}
