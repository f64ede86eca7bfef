import { builder } from "../../graphql/builder.ts";
import type { Principal as PrincipalData } from "../../gateway/principal.ts";

const PrincipalKind = builder.enumType("PrincipalKind", { values: { ADMIN: { value: "admin" }, API_KEY: { value: "apiKey" } } as const });

const Principal = builder.objectRef<PrincipalData>("Principal").implement({
  description: "Who the caller is: the admin (master key, or anyone when authentication is off) or a team's API key.",
  fields: (t) => ({
    id: t.exposeID("id"),
    kind: t.field({ type: PrincipalKind, resolve: (principal) => principal.kind }),
    name: t.exposeString("name"),
    teamId: t.exposeID("teamId", { nullable: true }),
    apiKeyId: t.exposeID("apiKeyId", { nullable: true }),
  }),
});

builder.queryField("me", (t) => t.field({ type: Principal, resolve: (_root, _args, context) => context.principal }));
