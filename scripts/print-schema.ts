// Prints the Pothos schema to schema/schema.graphql (committed; codegen and the client read it).
// `npm run generate:schema`; test/unit/schema-file.test.ts fails when the committed file is stale.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { printSchemaFile } from "./schema-text.ts";

const target = path.resolve(import.meta.dirname, "../schema/schema.graphql");
writeFileSync(target, printSchemaFile());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
