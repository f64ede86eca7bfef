import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const repositoryRoot = path.resolve(import.meta.dirname, "../..");
const typescriptCompiler = path.join(repositoryRoot, "node_modules/typescript/bin/tsc");

/**
 * The environment for a child npm or node, without the `npm_*` variables `npm test` exports:
 * they name this repository as the project (npm_config_local_prefix, ...), which would make an
 * install in the new project resolve against this one.
 */
function strangersEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")),
  );
}

/** What a command printed and how it ended (never throws on a non-zero exit). */
export interface CommandResult {
  code: number;
  output: string;
}

async function command(
  file: string,
  args: string[],
  cwd: string,
  timeoutMs = 180_000,
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd,
      env: strangersEnvironment(),
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof failed.code === "number" ? failed.code : 1,
      output: `${failed.stdout ?? ""}${failed.stderr ?? failed.message}`,
    };
  }
}

async function mustSucceed(file: string, args: string[], cwd: string): Promise<string> {
  const result = await command(file, args, cwd);
  if (result.code !== 0)
    throw new Error(
      `${path.basename(file)} ${args.join(" ")} failed (exit ${result.code}):\n${result.output}`,
    );
  return result.output;
}

/**
 * `npm pack` of a package of this repository (the root, or a workspace folder such as `client`)
 * into `destination`; returns the tarball's path. Scripts are skipped: `npm test` built dist/
 * already (pretest), and the tarball must hold what was built.
 */
async function packPackage(packageFolder: string, destination: string): Promise<string> {
  const before = new Set(readdirSync(destination));
  await mustSucceed(
    "npm",
    ["pack", "--ignore-scripts", "--pack-destination", destination],
    path.join(repositoryRoot, packageFolder),
  );
  const tarball = readdirSync(destination).find(
    (name) => name.endsWith(".tgz") && !before.has(name),
  );
  if (!tarball) throw new Error(`npm pack of ${packageFolder} wrote no tarball`);
  return path.join(destination, tarball);
}

/** The paths a tarball holds, without npm's `package/` prefix. */
export function tarballFiles(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((file) => file.replace(/^package\//, ""));
}

/** A new project in a temp folder outside this repository, as a stranger would make one. */
export interface StrangerProject {
  directory: string;
  /** The packed tarball of this repository's package, inside the project's folder. */
  tarball: string;
  /** Writes a file into the project. */
  write(name: string, contents: string): void;
  /** Runs `node <file>` in the project. */
  node(file: string, args?: string[]): Promise<CommandResult>;
  /** Runs this repository's TypeScript compiler with the project's tsconfig.json (`tsc -p`). */
  typecheck(): Promise<CommandResult>;
  remove(): void;
}

/**
 * Creates an empty ESM project (package.json, a strict `module: nodenext` tsconfig.json), packs
 * `packageFolder` of this repository into it and `npm install`s that tarball and `alsoInstall`
 * from the registry, preferring npm's cache. Nothing of this repository's node_modules is visible
 * from there (the folder is under the OS temp dir); `remove()` deletes the folder, tarball included.
 */
export async function createStrangerProject(
  packageFolder: string,
  {
    alsoInstall = [],
    ignoreScripts = false,
  }: { alsoInstall?: string[]; ignoreScripts?: boolean } = {},
): Promise<StrangerProject> {
  const directory = mkdtempSync(path.join(tmpdir(), "switchboard-stranger-"));
  const tarball = await packPackage(packageFolder, directory);
  const write = (name: string, contents: string) =>
    writeFileSync(path.join(directory, name), contents);
  write(
    "package.json",
    JSON.stringify(
      { name: "stranger-project", version: "1.0.0", private: true, type: "module" },
      null,
      2,
    ),
  );
  write(
    "tsconfig.json",
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022", "DOM", "DOM.Iterable"],
          types: [],
          module: "nodenext",
          moduleResolution: "nodenext",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ["*.ts"],
      },
      null,
      2,
    ),
  );
  const flags = [
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--no-package-lock",
    ...(ignoreScripts ? ["--ignore-scripts"] : []),
  ];
  await mustSucceed("npm", ["install", ...flags, tarball, ...alsoInstall], directory);
  return {
    directory,
    tarball,
    write,
    node: (file, args = []) => command(process.execPath, [file, ...args], directory, 60_000),
    typecheck: () =>
      command(
        process.execPath,
        [typescriptCompiler, "-p", path.join(directory, "tsconfig.json")],
        directory,
        120_000,
      ),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
