import type { CodegenConfig } from "@graphql-codegen/cli";

// Reads only the printed schema and the operations: the client never imports the server.
const config: CodegenConfig = {
  schema: "schema/schema.graphql",
  documents: ["schema/operations/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "client/generated/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        importExtension: ".ts",
        scalars: { Usd: "string", DateTime: "string", JSON: "unknown" },
      },
    },
  },
};

export default config;
