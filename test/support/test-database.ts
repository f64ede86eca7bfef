// The database URL a test app gets: a SQLite file in its directory, or (in the "postgresql"
// vitest project) a fresh database on the shared server, named after the directory so a
// restart on the same directory finds its data again.
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";

export async function testDatabaseUrl(directory: string): Promise<string> {
  const serverUrl =
    process.env.SWITCHBOARD_TEST_STORAGE === "postgresql" ? inject("postgresUrl") : undefined;
  if (!serverUrl) return `file:${path.join(directory, "switchboard.db")}`;
  const name = `t_${path
    .basename(directory)
    .replace(/[^a-z0-9]/gi, "_")
    .toLowerCase()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    if ((error as { code?: string }).code !== "42P04") throw error; // exists: a restart
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
