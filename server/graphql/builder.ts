import SchemaBuilder from "@pothos/core";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import type { GraphQLContext } from "./context.ts";

/**
 * The Pothos builder. It defines no types (DESIGN §10.4): scalars live in scalars.ts, root
 * types in root-types.ts, and each domain adds its own in modules/<domain>/<domain>.schema.ts.
 *
 * Scopes (Pothos scope-auth): `admin` is the master key (or everyone when authentication is
 * off); `team: <id>` is the admin or a key of that team. A field refused for a scope fails with
 * `extensions.code: FORBIDDEN`.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  AuthScopes: { admin: boolean; team: string };
  Scalars: {
    /** Money: nano-USD inside, a decimal string ("0.000125") on the wire. */
    Usd: { Input: bigint; Output: bigint };
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  relay: { nodeQueryOptions: false, nodesQueryOptions: false, clientMutationId: "omit" },
  scopeAuth: {
    // A subscription a caller may not open fails when it is opened, not on its first event.
    authorizeOnSubscribe: true,
    authScopes: ({ principal }) => ({
      admin: principal.kind === "admin",
      team: (teamId) => principal.kind === "admin" || principal.teamId === teamId,
    }),
    unauthorizedError: (_parent, context, info) =>
      new GraphQLError(
        `Not allowed: ${info.parentType.name}.${info.fieldName} is not available to ${context.principal.kind === "admin" ? "the admin" : "a team key"}.`,
        {
          extensions: { code: "FORBIDDEN", http: { status: 403 } },
        },
      ),
  },
});
