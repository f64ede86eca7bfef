import { builder } from "../../graphql/builder.ts";
import type { AuditLogRecord } from "../../storage/audit-log-repository.ts";

const AuditLog = builder.objectRef<AuditLogRecord>("AuditLog").implement({
  description:
    "One admin change or authentication failure: who, what, on what, before and after (secrets never included).",
  fields: (t) => ({
    id: t.exposeID("id"),
    at: t.expose("at", { type: "DateTime" }),
    actor: t.exposeString("actor", {
      description: '"admin", a key id, or "anonymous" for failed authentication.',
    }),
    action: t.exposeString("action", {
      description: "team.create, team.update, apiKey.create, apiKey.revoke, auth.failure, …",
    }),
    targetType: t.exposeString("targetType", { nullable: true }),
    targetId: t.exposeID("targetId", { nullable: true }),
    before: t.field({ type: "JSON", nullable: true, resolve: (entry) => entry.before ?? null }),
    after: t.field({ type: "JSON", nullable: true, resolve: (entry) => entry.after ?? null }),
  }),
});

const AuditLogFilter = builder.inputType("AuditLogFilter", {
  fields: (t) => ({
    actor: t.string(),
    action: t.string(),
    targetType: t.string(),
    targetId: t.id(),
    from: t.field({ type: "DateTime" }),
    to: t.field({ type: "DateTime" }),
  }),
});

builder.queryField("auditLogs", (t) =>
  t.connection({
    type: AuditLog,
    authScopes: { admin: true },
    description: "The audit trail, newest first (admin only).",
    args: { filter: t.arg({ type: AuditLogFilter }) },
    resolve: async (_root, args, { services }) => {
      const first = Math.min(args.first ?? 50, 500);
      const { filter } = args;
      const { records, hasNextPage } = await services.audit.list({
        first,
        after: args.after ?? undefined,
        filter: {
          actor: filter?.actor ?? undefined,
          action: filter?.action ?? undefined,
          targetType: filter?.targetType ?? undefined,
          targetId: filter?.targetId ? String(filter.targetId) : undefined,
          from: filter?.from ?? undefined,
          to: filter?.to ?? undefined,
        },
      });
      return {
        edges: records.map((record) => ({ cursor: record.id, node: record })),
        pageInfo: {
          hasNextPage,
          hasPreviousPage: Boolean(args.after),
          startCursor: records[0]?.id ?? null,
          endCursor: records.at(-1)?.id ?? null,
        },
      };
    },
  }),
);
