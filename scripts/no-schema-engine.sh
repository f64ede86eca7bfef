#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded offline.
# Pointing PRISMA_SCHEMA_ENGINE_BINARY here lets `prisma generate|validate|format` run.
# Migrations are created and applied by scripts/create-migration.ts and server/storage/migrate.ts.
echo "switchboard: the native Prisma schema engine is not used; see scripts/create-migration.ts" >&2
exit 1
