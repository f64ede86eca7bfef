// Writes prisma/schema.postgresql.prisma from the source schema (SQLite): provider and output
// swapped. One source schema; `npm run generate:prisma` and `migration:create` run this first.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
export const postgresSchemaPath = path.join(root, "prisma/schema.postgresql.prisma");

function replaceOnce(text: string, from: string, to: string): string {
  if (!text.includes(from))
    throw new Error(`prisma/schema.prisma no longer contains ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** The PostgreSQL schema for the current prisma/schema.prisma. */
export function postgresSchemaText(): string {
  const source = readFileSync(path.join(root, "prisma/schema.prisma"), "utf8");
  const swapped = replaceOnce(
    replaceOnce(source, 'provider = "sqlite"', 'provider = "postgresql"'),
    'output        = "../server/generated/sqlite"',
    'output        = "../server/generated/postgresql"',
  );
  return `// GENERATED from prisma/schema.prisma by scripts/write-postgresql-schema.ts: do not edit.\n${swapped}`;
}

export function writePostgresSchema(): void {
  writeFileSync(postgresSchemaPath, postgresSchemaText());
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename)
  writePostgresSchema();
