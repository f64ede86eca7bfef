// Prisma's WASM schema engine on PostgreSQL, for the migration tool and the drift test only
// (never at run time). Unlike SQLite's, it needs a live server: even a diff from nothing
// connects, and replaying the migrations needs a shadow database (created beside `url` and
// dropped). See scripts/schema-engine.ts for how the engine itself is loaded.
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import pg from "pg";
import { loadEngineBindings, type SchemaEngine } from "./schema-engine.ts";

const PG_CHAR = 18; // internal one-byte "char" (pg_class.relkind ...): adapter-pg cannot map it
const PG_TEXT = 25;
/** The engine's catalog queries return "char" columns; adapter-pg throws on them. Report them as text. */
function acceptCharColumns<T extends object>(queryable: T): T {
  const target = queryable as unknown as {
    performIO(query: unknown): Promise<{ fields: Array<{ dataTypeID: number }> }>;
  };
  const performIO = target.performIO.bind(queryable);
  target.performIO = async (query) => {
    const result = await performIO(query);
    for (const field of result.fields ?? [])
      if (field.dataTypeID === PG_CHAR) field.dataTypeID = PG_TEXT;
    return result;
  };
  return queryable;
}
function patchAdapter(adapter: SqlDriverAdapter): SqlDriverAdapter {
  acceptCharColumns(adapter);
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => acceptCharColumns(await startTransaction(...args));
  return adapter;
}

/**
 * adapter-pg's connectToShadowDb keeps the main database when the config is a connection string
 * (the URL wins over `database`), drops the shadow DB before closing its pool, and never closes
 * the admin pool. This one creates the shadow DB, connects to it, and on dispose closes, drops, closes.
 */
function createPostgresAdapterFactory(
  url: string,
  opened: SqlDriverAdapter[],
): SqlMigrationAwareDriverAdapterFactory {
  const factory = new PrismaPg({ connectionString: url });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    // engine.free() does not dispose what it connected: keep them to close (else a 10 s idle pool hangs the exit)
    connect: async () => {
      const adapter = patchAdapter(await factory.connect());
      opened.push(adapter);
      return adapter;
    },
    connectToShadowDb: async () => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const database = `prisma_migrate_shadow_db_${crypto.randomUUID()}`;
      await admin.query(`CREATE DATABASE "${database}"`);
      const shadowUrl = new URL(url);
      shadowUrl.pathname = `/${database}`;
      const shadow = patchAdapter(
        await new PrismaPg({ connectionString: shadowUrl.toString() }).connect(),
      );
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        try {
          await dispose();
          await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
        } finally {
          await admin.end();
        }
      };
      return shadow;
    },
  };
}

/** `url` is the database the engine may connect to; shadow databases are created beside it. */
export async function createPostgresSchemaEngine({
  url,
  onLog = () => {},
}: {
  url: string;
  onLog?: (line: string) => void;
}): Promise<SchemaEngine & { close(): Promise<void> }> {
  const bindings = await loadEngineBindings();
  const opened: SqlDriverAdapter[] = [];
  const engine = await bindings.SchemaEngine.new(
    { datamodels: undefined },
    onLog,
    bindMigrationAwareSqlAdapterFactory(createPostgresAdapterFactory(url, opened)),
  );
  return Object.assign(engine, {
    async close() {
      engine.free();
      await Promise.all(opened.splice(0).map((adapter) => adapter.dispose()));
    },
  });
}
