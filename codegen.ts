import type { CodegenConfig } from "@graphql-codegen/cli";

// Reads only the printed schema and the operations: the client and the dashboard never import the server.
const scalars = { Usd: "string", DateTime: "string", JSON: "unknown" };

const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  ignoreNoDocuments: false,
  generates: {
    // The published client: its own operations only, imported with .ts extensions (nodenext).
    "client/generated/": {
      documents: ["schema/operations/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, importExtension: ".ts", scalars },
    },
    // The dashboard's per-view queries (one document per page), bundled by Vite: extensionless imports.
    "dashboard/src/generated/": {
      documents: ["dashboard/src/graphql/*.graphql"],
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, importExtension: "", scalars },
    },
  },
};

export default config;
