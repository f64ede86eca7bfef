import { resolveCursorConnection, type ResolveCursorConnectionArgs } from "@pothos/plugin-relay";
import DataLoader from "dataloader";
import { builder } from "../../graphql/builder.ts";
import { loaderOf, type GraphQLContext } from "../../graphql/context.ts";
import { ownTeamScope, teamToRead } from "../../graphql/team-scope.ts";
import type { RequestBodyRecord, RequestRecord } from "../../gateway/request-record.ts";
import type { SpendRow as SpendRowData } from "../../storage/request-log-repository.ts";

const SpendGroupBy = builder.enumType("SpendGroupBy", {
  values: ["TEAM", "API_KEY", "MODEL", "PROVIDER", "DAY"] as const,
});
const RequestStatus = builder.enumType("RequestStatus", {
  values: {
    SUCCESS: { value: "success" },
    ERROR: { value: "error" },
    CANCELLED: { value: "cancelled" },
    CACHE_HIT: {
      value: "cache_hit",
      description: "Answered from the response cache: no upstream call, cost 0.",
    },
  } as const,
});

const SpendRow = builder.objectRef<SpendRowData>("SpendRow").implement({
  description: "Totals for one group (a team, key, model, provider or UTC day).",
  fields: (t) => ({
    key: t.exposeString("key", {
      nullable: true,
      description:
        "The group's value (model name, provider, team id, key id or YYYY-MM-DD); null for requests without one.",
    }),
    requests: t.exposeInt("requests"),
    errors: t.exposeInt("errors", {
      description: "Of the requests, those that ended in an error (cancelled ones are not errors).",
    }),
    promptTokens: t.exposeInt("promptTokens"),
    completionTokens: t.exposeInt("completionTokens"),
    costUsd: t.field({ type: "Usd", resolve: (row) => row.costNanoUsd }),
  }),
});

/** Rows from the database and live entries from the event feed share this shape. */
type NullableOptional<Shape> = {
  [Key in keyof Shape]: undefined extends Shape[Key] ? Shape[Key] | null : Shape[Key];
};
type RequestLogView = NullableOptional<
  Omit<RequestRecord, "attempts" | "metadata" | "source" | "status" | "body">
> & { source: string; status: string; attempts: unknown; metadata?: unknown; body?: unknown };

const RequestBody = builder.objectRef<RequestBodyRecord>("RequestBody").implement({
  description:
    "A request's prompt and answer as kept by `logging.storeBodies`, with secrets redacted.",
  fields: (t) => ({
    prompt: t.field({
      type: "JSON",
      description: "The request as the gateway received it (OpenAI chat or embeddings shape).",
      resolve: (body) => body.prompt,
    }),
    answer: t.field({
      type: "JSON",
      nullable: true,
      description:
        "The answer's `choices` (OpenAI shape; a stream's text as one message), `{ error }` for a failure, null for embeddings.",
      resolve: (body) => body.answer,
    }),
  }),
});

/** The stored bodies of the logs in one response, in one query (DataLoader). */
function bodyLoader(context: GraphQLContext) {
  return loaderOf(
    context,
    "requestBody",
    () =>
      new DataLoader<string, RequestBodyRecord | null>(async (ids) => {
        const rows = await context.services.spend.findBodies(ids);
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
  );
}

export const RequestLog = builder.objectRef<RequestLogView>("RequestLog").implement({
  description:
    "One request's metadata; its prompt and answer only as `body`, when `logging.storeBodies` is on.",
  fields: (t) => ({
    id: t.exposeID("id"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    requestedModel: t.exposeString("requestedModel"),
    model: t.exposeString("model", { nullable: true }),
    provider: t.exposeString("provider", { nullable: true }),
    deployment: t.exposeString("deployment", { nullable: true }),
    status: t.field({
      type: RequestStatus,
      resolve: (log) => log.status as RequestRecord["status"],
    }),
    errorCode: t.exposeString("errorCode", { nullable: true }),
    errorMessage: t.exposeString("errorMessage", { nullable: true }),
    httpStatus: t.exposeInt("httpStatus", { nullable: true }),
    source: t.exposeString("source"),
    stream: t.exposeBoolean("stream"),
    promptTokens: t.exposeInt("promptTokens"),
    completionTokens: t.exposeInt("completionTokens"),
    cachedTokens: t.exposeInt("cachedTokens"),
    reasoningTokens: t.exposeInt("reasoningTokens"),
    costUsd: t.field({ type: "Usd", resolve: (log) => log.costNanoUsd }),
    usageEstimated: t.exposeBoolean("usageEstimated", {
      description:
        "The provider reported no usage; tokens and cost are estimates (about 4 characters per token).",
    }),
    latencyMs: t.exposeInt("latencyMs"),
    timeToFirstTokenMs: t.exposeInt("timeToFirstTokenMs", { nullable: true }),
    apiKeyId: t.exposeID("apiKeyId", { nullable: true }),
    teamId: t.exposeID("teamId", { nullable: true }),
    attempts: t.field({ type: "JSON", resolve: (log) => log.attempts }),
    metadata: t.field({
      type: "JSON",
      nullable: true,
      description: "The caller's tags (the request's metadata).",
      resolve: (log) => log.metadata,
    }),
    body: t.field({
      type: RequestBody,
      nullable: true,
      description:
        "The prompt and answer (secrets redacted) when `logging.storeBodies` kept them; null otherwise, and for anyone but the admin and the request's own team.",
      resolve: (log, _args, context) => {
        const { principal } = context;
        if (principal.kind !== "admin" && (!log.teamId || principal.teamId !== log.teamId))
          return null;
        // A live entry carries its body; a stored one is read from RequestBody.
        return (log.body as RequestBodyRecord | undefined) ?? bodyLoader(context).load(log.id);
      },
    }),
  }),
});

const RequestLogFilter = builder.inputType("RequestLogFilter", {
  fields: (t) => ({
    model: t.string(),
    provider: t.string(),
    status: t.field({ type: RequestStatus }),
    teamId: t.id(),
    apiKeyId: t.id(),
    from: t.field({ type: "DateTime" }),
    to: t.field({ type: "DateTime" }),
  }),
});

builder.queryField("spend", (t) =>
  t.field({
    type: [SpendRow],
    description: "Spend and tokens grouped by team, key, model, provider or day, over [from, to).",
    args: {
      groupBy: t.arg({ type: SpendGroupBy, required: true }),
      from: t.arg({ type: "DateTime" }),
      to: t.arg({ type: "DateTime" }),
      teamId: t.arg.id(),
    },
    // A team key reads its own team's spend only: teamId defaults to it and may name no other.
    authScopes: (_root, args, { principal }) => ownTeamScope(principal, args.teamId),
    resolve: (_root, args, { principal, services }) =>
      services.spend.spend(args.groupBy, {
        from: args.from ?? undefined,
        to: args.to ?? undefined,
        teamId: teamToRead(principal, args.teamId),
      }),
  }),
);

builder.queryField("requestLogs", (t) =>
  t.connection({
    type: RequestLog,
    description:
      "Request logs, newest first (cursor pagination: first/after). A team key sees its own team's only.",
    args: { filter: t.arg({ type: RequestLogFilter }) },
    authScopes: (_root, args, { principal }) => ownTeamScope(principal, args.filter?.teamId),
    resolve: (_root, args, context) => {
      const { filter } = args;
      return resolveCursorConnection(
        { args, toCursor: (log) => (log as RequestLogView).id },
        ({ before, after, limit, inverted }: ResolveCursorConnectionArgs) =>
          context.services.spend.listRequestLogs({
            limit,
            before,
            after,
            inverted,
            filter: {
              model: filter?.model ?? undefined,
              provider: filter?.provider ?? undefined,
              status: filter?.status ?? undefined,
              teamId: teamToRead(context.principal, filter?.teamId),
              apiKeyId: filter?.apiKeyId ? String(filter.apiKeyId) : undefined,
              from: filter?.from ?? undefined,
              to: filter?.to ?? undefined,
            },
          }),
      );
    },
  }),
);

builder.subscriptionField("requestLogged", (t) =>
  t.field({
    type: RequestLog,
    description:
      "A live feed of request logs as requests finish (optionally one team's; a team key gets its own team's).",
    args: { teamId: t.arg.id() },
    authScopes: (_root, args, { principal }) => ownTeamScope(principal, args.teamId),
    subscribe: async function* (_root, args, context) {
      const teamId = teamToRead(context.principal, args.teamId);
      for await (const entry of context.services.events.subscribe("requestLogged")) {
        if (!teamId || entry.teamId === teamId) yield entry;
      }
    },
    resolve: (entry: RequestLogView) => entry,
  }),
);
