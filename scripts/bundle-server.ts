// The server as users run it: `server/main.ts` and the packages it imports, bundled by esbuild
// into dist/cli/ (`main.mjs` plus chunks for what is imported on demand: the PostgreSQL client,
// the Prisma compilers), with o200k_base's rank file and Prisma's query compilers (`.wasm`) beside
// it. `bin/switchboard.mjs` runs it.
//
// One file instead of ~1,500 modules: ready after start falls from ~1.0 s to ~0.55 s, because
// Node no longer resolves, opens, stats and compiles each module on its own (issue 16).
//
// Kept apart from the bundle: better-sqlite3 (a native addon), the large data modules named in
// `external` below, and what the server loads with createRequire only when the config asks for
// it (ioredis, pino-pretty, google-auth-library, Smithy), which esbuild does not follow and Node
// resolves from node_modules as before. The output stays two directories below the package root,
// as dist/<folder>/*.js is, so the `import.meta` paths to prisma/migrations and dashboard/dist
// resolve the same.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { bpeRanksOf, writeBpeRankFile } from "../server/gateway/bpe-rank-file.ts";
import { gptTokenizerRanks } from "../server/gateway/tokens.ts";

/**
 * Rewrites what is left outside ASCII in the output: comment text only, since esbuild escapes
 * every string, regular expression and identifier (its default `charset: "ascii"`). V8 keeps a
 * script's source for as long as it runs (functions compile from it lazily) and stores it as
 * UTF-16 when one character is not Latin-1: ~40 typographic apostrophes in undici's comments
 * kept the 6 MB bundle as 12 MB of heap (issue 16).
 */
const asciiOutput: Plugin = {
  name: "ascii-output",
  setup(bundle) {
    bundle.initialOptions.metafile = true;
    bundle.onEnd((result) => {
      const root = bundle.initialOptions.absWorkingDir ?? process.cwd();
      for (const output of Object.keys(result.metafile?.outputs ?? {})) {
        const file = path.resolve(root, output);
        const text = readFileSync(file, "utf8");
        if (/[^\x00-\x7f]/.test(text)) writeFileSync(file, text.replace(/[^\x00-\x7f]/g, "?"));
      }
    });
  },
};

/**
 * Writes o200k_base's ranks beside the bundle as `o200k_base.bpe` (server/gateway/tokens.ts reads
 * them from there; server/gateway/bpe-rank-file.ts says why). Only o200k_base: every start loads
 * it, while cl100k_base loads only for a GPT-4 / GPT-3.5 config, from gpt-tokenizer's module, and
 * its file would add ~0.45 MB to the package.
 */
const bpeRankFiles: Plugin = {
  name: "bpe-rank-files",
  setup(bundle) {
    bundle.onEnd(async () => {
      const outdir = bundle.initialOptions.outdir;
      if (!outdir) return;
      const ranks = bpeRanksOf(await gptTokenizerRanks("o200k_base"));
      writeFileSync(path.join(outdir, "o200k_base.bpe"), writeBpeRankFile(ranks));
    });
  },
};

/**
 * Prisma's query compilers from `.wasm` files beside the bundle instead of their base64 modules.
 * The generated clients (server/generated/<dialect>/internal/class.ts) import
 * `@prisma/client/runtime/query_compiler_*.wasm-base64.mjs` and decode its string: V8 then kept
 * the module's 2.2 MB source and the 2.2 MB string it exports for as long as the server ran
 * (issue 16). The bundle reads the file the build writes instead. A Prisma release that loads its
 * compiler some other way fails the build here rather than quietly keeping the base64 module.
 */
const queryCompilerWasmFiles: Plugin = {
  name: "query-compiler-wasm-files",
  setup(bundle) {
    const compilers = new Set<string>();
    const base64Import =
      /const \{ wasm \} = await import\("@prisma\/client\/runtime\/(query_compiler_[\w.]+)\.wasm-base64\.mjs"\)\s*return await decodeBase64AsWasm\(wasm\)/;
    bundle.onLoad({ filter: /[\\/]generated[\\/]\w+[\\/]internal[\\/]class\.ts$/ }, (file) => {
      const source = readFileSync(file.path, "utf8");
      const compiler = base64Import.exec(source)?.[1];
      if (!compiler)
        throw new Error(`${file.path} no longer imports Prisma's query compiler as base64`);
      compilers.add(compiler);
      const fromFile = `const { readFile } = await import("node:fs/promises");
    return new WebAssembly.Module(await readFile(new URL("./${compiler}.wasm", import.meta.url)))`;
      return { contents: source.replace(base64Import, fromFile), loader: "ts" };
    });
    bundle.onEnd(async () => {
      const outdir = bundle.initialOptions.outdir;
      if (!outdir) return;
      for (const compiler of compilers) {
        const { wasm } = (await import(`@prisma/client/runtime/${compiler}.wasm-base64.mjs`)) as {
          wasm: string;
        };
        writeFileSync(path.join(outdir, `${compiler}.wasm`), Buffer.from(wasm, "base64"));
      }
    });
  },
};

/** esbuild's options for a server bundle: `entryPoints` and `outdir` are the caller's. */
export const serverBundleOptions: BuildOptions = {
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outExtension: { ".js": ".mjs" },
  chunkNames: "[name]-[hash]",
  // Loaded on demand from node_modules (one module each, so nothing to gain) rather than copied:
  // Prisma's query compilers' JavaScript (their WebAssembly is read from files beside the bundle),
  // and the tokenizer's ranks (o200k_base's are read from the rank file beside the bundle
  // instead; cl100k_base's only for a GPT-4 / GPT-3.5 config).
  external: [
    "better-sqlite3",
    "gpt-tokenizer/esm/bpeRanks/*",
    "@prisma/client/runtime/query_compiler_*",
  ],
  // The CommonJS packages inside an ESM bundle call `require` for Node's built-ins.
  banner: {
    js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
  },
  legalComments: "none",
  // Whitespace, comments and the longer spellings of syntax out, names kept (stack traces keep
  // their function names), lines at most ~200 characters (a stack trace's line:column stays
  // readable). V8 keeps a script's source for as long as it runs, and a line-ends table of it
  // once a stack trace is formatted: heap in use after the memory phase ~34 -> ~30.5 MiB, and
  // parsing the bundle at start peaks lower, which left the main malloc arena ~7 MB smaller
  // (issue 16).
  minifyWhitespace: true,
  minifySyntax: true,
  lineLimit: 200,
  plugins: [asciiOutput, bpeRankFiles, queryCompilerWasmFiles],
  logLevel: "warning",
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outdir = fileURLToPath(new URL("../dist/cli/", import.meta.url));
  rmSync(outdir, { recursive: true, force: true });
  await build({
    ...serverBundleOptions,
    entryPoints: [fileURLToPath(new URL("../server/main.ts", import.meta.url))],
    outdir,
  });
}
