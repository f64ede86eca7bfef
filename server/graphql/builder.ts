import SchemaBuilder from "@pothos/core";
import RelayPlugin from "@pothos/plugin-relay";
import type { GraphQLContext } from "./context.ts";

/**
 * The Pothos builder. It defines no types (DESIGN §10.4): scalars live in scalars.ts, root
 * types in root-types.ts, and each domain adds its own in modules/<domain>/<domain>.schema.ts.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    /** Money: nano-USD inside, a decimal string ("0.000125") on the wire. */
    Usd: { Input: bigint; Output: bigint };
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: { nodeQueryOptions: false, nodesQueryOptions: false, clientMutationId: "omit" },
});
