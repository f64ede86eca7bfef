import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError, loadConfig } from "../config.ts";
import {
  isLiteLLMConfig,
  translateLiteLLMConfig,
  type LiteLLMTranslation,
} from "./read-litellm-config.ts";

export const convertConfigUsage = `Usage:
  switchboard convert-config litellm.yaml                           print the equivalent switchboard.yaml
  switchboard convert-config litellm.yaml --output switchboard.yaml write it to a file

Reads a LiteLLM proxy config (model_list, router_settings, litellm_settings, general_settings).
os.environ/NAME values become \${NAME}; literal keys become \${...} variables listed in the header,
so the output holds no secret. Keys with no Switchboard equivalent are listed as comments.
\`switchboard --config litellm.yaml\` also starts from the LiteLLM file directly.

Options:
  -o, --output <file>   write the YAML to this file instead of printing it
  -h, --help            show this help`;

interface Output {
  log(message: string): void;
  error(message: string): void;
}

/**
 * `switchboard convert-config`: prints (or writes) a LiteLLM proxy config as switchboard.yaml.
 * Returns the exit code: 0 done, 2 usage, 78 the file cannot be used (as the CLI's config errors).
 */
export function runConvertConfigCommand(
  argv: string[],
  output: Output = { log: console.log, error: console.error },
  workingDirectory = process.cwd(),
): number {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
    }));
    if (!values.help && positionals.length !== 1)
      throw new Error("give one LiteLLM config file, e.g. switchboard convert-config litellm.yaml");
  } catch (error) {
    output.error(
      `switchboard convert-config: ${(error as Error).message}\n\n${convertConfigUsage}`,
    );
    return 2;
  }
  if (values.help) {
    output.log(convertConfigUsage);
    return 0;
  }
  const file = path.resolve(workingDirectory, positionals[0]);
  try {
    const document = parseYaml(readFileSync(file, "utf8")) as unknown;
    if (!isLiteLLMConfig(document))
      throw new ConfigError([
        `${file}: not a LiteLLM proxy config (it has no top-level model_list, or it has Switchboard's models)`,
      ]);
    // Everything the start would check except the environment's values, which may be set only where it runs.
    loadConfig({ configPath: file }, everyVariableSet, workingDirectory);
    const yaml = switchboardYaml(
      translateLiteLLMConfig(document, { moveLiteralSecrets: true }),
      positionals[0],
    );
    if (values.output === undefined) output.log(yaml);
    else {
      writeFileSync(path.resolve(workingDirectory, values.output), `${yaml}\n`);
      output.log(
        `switchboard: wrote ${values.output}; start it with: switchboard --config ${values.output}`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      output.error(`switchboard convert-config: ${error.message}`);
      return 78;
    }
    output.error(`switchboard convert-config: cannot read ${file}: ${(error as Error).message}`);
    return 78;
  }
}

/**
 * An environment in which every variable is set, to a value that passes the checks of the field
 * it usually fills (a URL, a Redis or PostgreSQL URL, a key of 8 characters or more).
 */
const everyVariableSet = new Proxy({} as NodeJS.ProcessEnv, {
  get: (_target, name) =>
    typeof name !== "string"
      ? undefined
      : /REDIS/.test(name)
        ? "redis://environment.invalid:6379"
        : /DATABASE|POSTGRES/.test(name)
          ? "postgresql://environment.invalid/switchboard"
          : "https://environment.invalid",
});

/** The YAML with its header: where it came from, the variables to set, and what was left out. */
function switchboardYaml(translation: LiteLLMTranslation, source: string): string {
  const ignored = translation.notes.filter((note) => note.outcome === "ignored");
  const header = [
    `switchboard.yaml converted from the LiteLLM proxy config ${source} by \`switchboard convert-config\`.`,
    "Secrets stay in the environment: os.environ/NAME became ${NAME}.",
    ...(translation.movedSecrets.length > 0
      ? [
          `Set these variables before starting (their values were literal in ${source} and are not printed here):`,
          ...translation.movedSecrets.map(
            (secret) => `  ${secret.variable}: the value of ${secret.key}`,
          ),
        ]
      : []),
    ...(ignored.length > 0
      ? ["Not converted:", ...ignored.map((note) => `  ${note.key}: ${note.detail}`)]
      : []),
  ];
  return [
    ...header.map((line) => `# ${line}`),
    "",
    stringify(translation.config, { lineWidth: 0 }).trimEnd(),
  ].join("\n");
}
