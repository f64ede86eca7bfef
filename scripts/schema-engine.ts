// Loads Prisma's WASM schema engine by hand, for the migration tool only (never at run time).
// The Prisma CLI's migrate commands need a native engine that cannot be downloaded offline;
// @prisma/schema-engine-wasm is the only engine on npm. It is an internal, unversioned API
// (see STACK-NOTES §1), so everything that touches it stays in this file and is kept under
// test by test/integration/migrations.test.ts.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import * as engineBindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import type { SchemaEngine } from "@prisma/schema-engine-wasm/schema_engine_bg";

export type { SchemaEngine };

// The wasm-bindgen glue keeps the instance in module state, so instantiate once per process.
let bindingsReady: Promise<typeof engineBindings> | undefined;

/**
 * Instantiates the engine's WebAssembly module and wires it to its JavaScript glue.
 * The package's own entry does `import * as wasm from "./schema_engine_bg.wasm"`, which
 * Node 20 cannot load, so this repeats what that entry does with WebAssembly.instantiate.
 */
export function loadEngineBindings(): Promise<typeof engineBindings> {
  bindingsReady ??= (async () => {
    const require = createRequire(import.meta.url);
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmBytes = await readFile(path.join(path.dirname(gluePath), "schema_engine_bg.wasm"));
    // The module imports every host function from the glue file under this exact name.
    const { instance } = await WebAssembly.instantiate(wasmBytes, {
      "./schema_engine_bg.js": engineBindings,
    });
    const exports = instance.exports as { __wbindgen_start(): void };
    engineBindings.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return engineBindings;
  })();
  return bindingsReady;
}

/**
 * better-sqlite3 refuses several statements in one prepared statement ("The supplied SQL
 * string contains more than one statement"), but the engine replays whole migration.sql
 * files into the shadow database through `executeRaw`. Scripts without parameters are
 * therefore run with `executeScript` (better-sqlite3's `exec`), which accepts many statements.
 */
function acceptMultiStatementScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (query) => {
    if (query.args.length > 0) return executeRaw(query);
    await adapter.executeScript(query.sql);
    return 0;
  };
  return adapter;
}

/**
 * An adapter factory for the engine: the main database is in memory (diffs never touch a
 * real file) and so is the shadow database the engine replays migrations into.
 */
function createSqliteAdapterFactory(): SqlMigrationAwareDriverAdapterFactory {
  const factory = new PrismaBetterSqlite3({ url: ":memory:" });
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => factory.connect(),
    connectToShadowDb: async () => acceptMultiStatementScripts(await factory.connectToShadowDb()),
  };
}

/**
 * Creates a SQLite schema engine. Call `free()` on it when done; engine log lines go to
 * `onLog` (ignored by default, they are debugging noise for a successful diff).
 */
export async function createSqliteSchemaEngine({
  onLog = () => {},
}: { onLog?: (line: string) => void } = {}): Promise<SchemaEngine> {
  const bindings = await loadEngineBindings();
  const adapterFactory = bindMigrationAwareSqlAdapterFactory(createSqliteAdapterFactory());
  return bindings.SchemaEngine.new({ datamodels: undefined }, onLog, adapterFactory);
}
