import { builder } from "../../graphql/builder.ts";
import { toGraphQLError } from "../../graphql/errors.ts";
import { modelListOf, type TeamRecord } from "../keys/key-directory.ts";
import { BudgetInput, LimitsInput, Limits, budgetSettingsOf, limitsOf } from "./governance.schema.ts";

export const Team = builder.objectRef<TeamRecord>("Team").implement({
  description: "A team: its keys, the models they may use, its budget and limits.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    models: t.stringList({ nullable: true, description: "The model names its keys may use; null: every model.", resolve: (team) => modelListOf(team.models) }),
    limits: t.field({ type: Limits, resolve: (team) => limitsOf(team) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

const CreateTeamInput = builder.inputType("CreateTeamInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    models: t.stringList({ description: "Model names the team's keys may use; omit for every model." }),
    budget: t.field({ type: BudgetInput }),
    limits: t.field({ type: LimitsInput }),
  }),
});

const UpdateTeamInput = builder.inputType("UpdateTeamInput", {
  description: "Only the fields given change; null clears models (every model), budget or limits.",
  fields: (t) => ({
    name: t.string(),
    models: t.stringList(),
    budget: t.field({ type: BudgetInput }),
    limits: t.field({ type: LimitsInput }),
  }),
});

builder.queryFields((t) => ({
  teams: t.field({
    type: [Team],
    description: "Every team for the admin; a team key sees its own.",
    resolve: (_root, _args, { principal, services }) => (principal.kind === "admin" ? services.teams.teams() : services.teams.teams().filter((team) => team.id === principal.teamId)),
  }),
  team: t.field({
    type: Team,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ({ team: String(args.id) }),
    resolve: (_root, args, { services }) => services.teams.team(String(args.id)) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createTeam: t.field({
    type: Team,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateTeamInput, required: true }) },
    resolve: async (_root, { input }, { principal, services }) => {
      try {
        return await services.teams.createTeam({ name: input.name, models: input.models, budget: budgetSettingsOf(input.budget), limits: input.limits }, principal);
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  }),
  updateTeam: t.field({
    type: Team,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateTeamInput, required: true }) },
    resolve: async (_root, { id, input }, { principal, services }) => {
      try {
        return await services.teams.updateTeam(String(id), { ...input, name: input.name ?? undefined, budget: budgetSettingsOf(input.budget) }, principal);
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  }),
}));
