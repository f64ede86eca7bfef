import DataLoader from "dataloader";
import { builder } from "../../graphql/builder.ts";
import { loaderOf, type GraphQLContext } from "../../graphql/context.ts";
import { ownTeamScope, teamToRead } from "../../graphql/team-scope.ts";
import type { BudgetAlert as BudgetAlertData } from "../../services.ts";
import { toGraphQLError } from "../../graphql/errors.ts";
import { modelListOf, type TeamRecord } from "../keys/key-directory.ts";
import { RequestLog } from "../spend/spend.schema.ts";
import {
  Budget,
  BudgetInput,
  LimitsInput,
  Limits,
  budgetSettingsOf,
  limitsOf,
} from "./governance.schema.ts";

type SpendSummaryData = {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  costNanoUsd: bigint;
};

const SpendSummary = builder.objectRef<SpendSummaryData>("SpendSummary").implement({
  fields: (t) => ({
    requests: t.exposeInt("requests"),
    errors: t.exposeInt("errors", {
      description: "Of the requests, those that ended in an error.",
    }),
    promptTokens: t.exposeInt("promptTokens"),
    completionTokens: t.exposeInt("completionTokens"),
    costUsd: t.field({ type: "Usd", resolve: (summary) => summary.costNanoUsd }),
  }),
});

/** One grouped query per time range for every team in the response (no query per team). */
function teamSpendLoader(context: GraphQLContext, from: Date | undefined, to: Date | undefined) {
  return loaderOf(
    context,
    `teamSpend:${from?.toISOString() ?? ""}:${to?.toISOString() ?? ""}`,
    () =>
      new DataLoader<string, SpendSummaryData>(async (teamIds) => {
        const rows = await context.services.spend.spend("TEAM", { from, to });
        const byTeam = new Map(rows.map((row) => [row.key, row]));
        return teamIds.map(
          (teamId) =>
            byTeam.get(teamId) ?? {
              requests: 0,
              errors: 0,
              promptTokens: 0,
              completionTokens: 0,
              costNanoUsd: 0n,
            },
        );
      }),
  );
}

export const Team = builder.objectRef<TeamRecord>("Team").implement({
  description: "A team: its keys, the models they may use, its budget and limits.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    models: t.stringList({
      nullable: true,
      description: "The model names its keys may use; null: every model.",
      resolve: (team) => modelListOf(team.models),
    }),
    limits: t.field({ type: Limits, resolve: (team) => limitsOf(team) }),
    budget: t.field({
      type: Budget,
      nullable: true,
      resolve: async (team, _args, { services }) =>
        (await services.budgets.teamBudget(team)) ?? null,
    }),
    spend: t.field({
      type: SpendSummary,
      description: "The team's requests, tokens and cost over [from, to) (all time when open).",
      args: { from: t.arg({ type: "DateTime" }), to: t.arg({ type: "DateTime" }) },
      resolve: (team, { from, to }, context) =>
        teamSpendLoader(context, from ?? undefined, to ?? undefined).load(team.id),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
  }),
});

// Teams are held in memory: naming each log row's team costs no query, for any number of rows.
builder.objectField(RequestLog, "team", (t) =>
  t.field({
    type: Team,
    nullable: true,
    description: "The team whose key made the request.",
    resolve: (log, _args, { services }) =>
      log.teamId ? (services.teams.team(log.teamId) ?? null) : null,
  }),
);

const CreateTeamInput = builder.inputType("CreateTeamInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    models: t.stringList({
      description: "Model names the team's keys may use; omit for every model.",
    }),
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
    resolve: (_root, _args, { principal, services }) =>
      principal.kind === "admin"
        ? services.teams.teams()
        : services.teams.teams().filter((team) => team.id === principal.teamId),
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
        return await services.teams.createTeam(
          {
            name: input.name,
            models: input.models,
            budget: budgetSettingsOf(input.budget),
            limits: input.limits,
          },
          principal,
        );
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  }),
  updateTeam: t.field({
    type: Team,
    authScopes: { admin: true },
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateTeamInput, required: true }),
    },
    resolve: async (_root, { id, input }, { principal, services }) => {
      try {
        return await services.teams.updateTeam(
          String(id),
          { ...input, name: input.name ?? undefined, budget: budgetSettingsOf(input.budget) },
          principal,
        );
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  }),
}));

const BudgetAlert = builder.objectRef<BudgetAlertData>("BudgetAlert").implement({
  description:
    "A team's or key's spend passed 80% of its budget in the current period (once per period).",
  fields: (t) => ({
    scope: t.exposeString("scope", { description: "team or apiKey" }),
    scopeId: t.exposeID("scopeId"),
    label: t.exposeString("label"),
    period: t.exposeString("period"),
    periodStart: t.expose("periodStart", { type: "DateTime" }),
    spentUsd: t.exposeString("spentUsd"),
    limitUsd: t.exposeString("limitUsd"),
    fraction: t.exposeFloat("fraction"),
  }),
});

builder.subscriptionField("budgetThresholdReached", (t) =>
  t.field({
    type: BudgetAlert,
    description:
      "Budget alerts as they happen (optionally one team's, its keys' included; a team key gets its own team's).",
    args: { teamId: t.arg.id() },
    authScopes: (_root, args, { principal }) => ownTeamScope(principal, args.teamId),
    subscribe: async function* (_root, args, { principal, services }) {
      const teamId = teamToRead(principal, args.teamId);
      for await (const alert of services.events.subscribe("budgetThresholdReached")) {
        const alertTeam =
          alert.scope === "team" ? alert.scopeId : services.keys.key(alert.scopeId)?.teamId;
        if (!teamId || alertTeam === teamId) yield alert;
      }
    },
    resolve: (alert) => alert,
  }),
);
