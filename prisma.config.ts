import path from "node:path";
import { defineConfig } from "prisma/config";

// The Prisma CLI downloads a native schema engine before any command; offline that fails.
// generate/validate/format never run it, so a stub that exits 1 is enough. Migrations go
// through scripts/create-migration.ts (WASM engine) and server/storage/migrate.ts.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.resolve(
  import.meta.dirname,
  "scripts/no-schema-engine.sh",
);

export default defineConfig({
  schema: process.env.PRISMA_SCHEMA ?? "prisma/schema.prisma",
  migrations: { path: "prisma/migrations/sqlite" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./.switchboard/switchboard.db" },
});
