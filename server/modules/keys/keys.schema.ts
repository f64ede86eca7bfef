import { GatewayError } from "../../gateway/errors.ts";
import type { Principal as PrincipalData } from "../../gateway/principal.ts";
import { builder } from "../../graphql/builder.ts";
import { toGraphQLError } from "../../graphql/errors.ts";
import {
  Budget,
  BudgetInput,
  LimitsInput,
  Limits,
  budgetSettingsOf,
  limitsOf,
} from "../teams/governance.schema.ts";
import { RequestLog } from "../spend/spend.schema.ts";
import { Team } from "../teams/teams.schema.ts";
import { modelListOf, type ApiKeyRecord } from "./key-directory.ts";

const ApiKey = builder.objectRef<ApiKeyRecord>("ApiKey").implement({
  description:
    "A team's key. The secret is shown once, when it is created; only its prefix is kept visible.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix", {
      description: "The start of the secret (sk-sb-xxxxxx), to recognise it by.",
    }),
    teamId: t.exposeID("teamId"),
    team: t.field({
      type: Team,
      nullable: true,
      resolve: (key, _args, { services }) => services.teams.team(key.teamId) ?? null,
    }),
    models: t.stringList({
      nullable: true,
      description: "The key's own allow-list (its team's applies too); null: the team's.",
      resolve: (key) => modelListOf(key.models),
    }),
    limits: t.field({ type: Limits, resolve: (key) => limitsOf(key) }),
    budget: t.field({
      type: Budget,
      nullable: true,
      resolve: async (key, _args, { services }) => (await services.budgets.keyBudget(key)) ?? null,
    }),
    metadata: t.field({ type: "JSON", nullable: true, resolve: (key) => key.metadata ?? null }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const CreatedApiKey = builder
  .objectRef<{ apiKey: ApiKeyRecord; secret: string }>("CreatedApiKey")
  .implement({
    fields: (t) => ({
      apiKey: t.expose("apiKey", { type: ApiKey }),
      secret: t.exposeString("secret", {
        description: "The key itself. Shown this once: only its hash is stored.",
      }),
    }),
  });

const CreateApiKeyInput = builder.inputType("CreateApiKeyInput", {
  fields: (t) => ({
    teamId: t.id({ required: true }),
    name: t.string({ required: true }),
    models: t.stringList({ description: "Narrows the team's allow-list for this key." }),
    budget: t.field({ type: BudgetInput }),
    limits: t.field({ type: LimitsInput }),
    expiresAt: t.field({ type: "DateTime" }),
    metadata: t.field({ type: "JSON" }),
  }),
});

builder.objectField(Team, "apiKeys", (t) =>
  t.field({
    type: [ApiKey],
    authScopes: { admin: true },
    description: "The team's keys (admin only).",
    resolve: (team, _args, { services }) => services.keys.keysOfTeam(team.id),
  }),
);

// Keys are held in memory: naming each log row's key costs no query, for any number of rows.
builder.objectField(RequestLog, "apiKey", (t) =>
  t.field({
    type: ApiKey,
    nullable: true,
    description: "The key that made the request (null for the master key).",
    resolve: (log, _args, { services }) =>
      log.apiKeyId ? (services.keys.key(log.apiKeyId) ?? null) : null,
  }),
);

builder.queryField("apiKeys", (t) =>
  t.field({
    type: [ApiKey],
    authScopes: { admin: true },
    description:
      "Keys, newest first (of one team, or all); `first` of them after the key `after` (ask for one more to know whether a next page exists).",
    args: {
      teamId: t.arg.id(),
      first: t.arg.int({ description: "At most this many keys (1–1000); every key when omitted." }),
      after: t.arg.id({ description: "The id of the last key of the previous page." }),
    },
    resolve: (_root, { teamId, first, after }, { services }) => {
      if (first != null && (first < 1 || first > 1000))
        throw toGraphQLError(
          new GatewayError("BAD_REQUEST", "first must be between 1 and 1000.", { param: "first" }),
        );
      return services.keys.pageOfKeys({
        teamId: teamId ? String(teamId) : undefined,
        first: first ?? undefined,
        after: after ? String(after) : undefined,
      });
    },
  }),
);

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKey,
    authScopes: { admin: true },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, { principal, services }) => {
      try {
        return await services.keys.createApiKey(
          {
            ...input,
            teamId: String(input.teamId),
            budget: budgetSettingsOf(input.budget),
            metadata: input.metadata as Record<string, unknown> | null | undefined,
          },
          principal,
        );
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  }),
  revokeApiKey: t.field({
    type: ApiKey,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { principal, services }) => {
      try {
        return await services.keys.revokeApiKey(String(id), principal);
      } catch (error) {
        throw toGraphQLError(error);
      }
    },
  }),
}));

const PrincipalKind = builder.enumType("PrincipalKind", {
  values: { ADMIN: { value: "admin" }, API_KEY: { value: "apiKey" } } as const,
});

const Principal = builder.objectRef<PrincipalData>("Principal").implement({
  description:
    "Who the caller is: the admin (master key, or anyone when authentication is off) or a team's API key.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.field({ type: PrincipalKind, resolve: (principal) => principal.kind }),
    name: t.exposeString("name"),
    teamId: t.exposeID("teamId", { nullable: true }),
    apiKeyId: t.exposeID("apiKeyId", { nullable: true }),
  }),
});

builder.queryField("me", (t) =>
  t.field({ type: Principal, resolve: (_root, _args, context) => context.principal }),
);
