import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { postgresSchemaPath, postgresSchemaText } from "../../scripts/write-postgresql-schema.ts";

describe("prisma/schema.postgresql.prisma", () => {
  // Fails when prisma/schema.prisma changes without `npm run generate:prisma` (or migration:create).
  it("is prisma/schema.prisma with the provider and the client's folder swapped, and nothing else", () => {
    expect(readFileSync(postgresSchemaPath, "utf8")).toBe(postgresSchemaText());
    expect(postgresSchemaText()).toContain('provider = "postgresql"');
  });
});
