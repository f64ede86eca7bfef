import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "../server/graphql/schema.ts";

/** The committed schema file's exact text. */
export function printSchemaFile(): string {
  return `# Generated from the Pothos schema by \`npm run generate:schema\`. Do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
