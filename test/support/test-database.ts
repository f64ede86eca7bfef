// The database URL a test app gets: a SQLite file in its directory, or (in the "postgresql"
// vitest project) a fresh database on the shared server, named after the directory so a
// restart on the same directory finds its data again.
import path from "node:path";
import { ensurePostgresDatabase } from "../../scripts/temporary-postgres.ts";
import { inject } from "vitest";

export async function testDatabaseUrl(directory: string): Promise<string> {
  const serverUrl =
    process.env.SWITCHBOARD_TEST_STORAGE === "postgresql" ? inject("postgresUrl") : undefined;
  if (!serverUrl) return `file:${path.join(directory, "switchboard.db")}`;
  const name = `t_${path
    .basename(directory)
    .replace(/[^a-z0-9]/gi, "_")
    .toLowerCase()}`;
  return ensurePostgresDatabase(serverUrl, name);
}
