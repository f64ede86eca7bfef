import { isMapping, withEnvironmentReferences } from "./litellm-values.ts";
import { translateModelList, type Credential } from "./translate-model-list.ts";
import { translateRouterSettings } from "./translate-router-settings.ts";
import {
  noteLiteLLMSettings,
  noteTopLevelKeys,
  translateGeneralSettings,
} from "./translate-settings.ts";
import {
  createTranslationLog,
  type LiteLLMNote,
  type LiteLLMProblem,
  type MovedSecret,
  type TranslationLog,
} from "./translation-log.ts";

/*
 * A LiteLLM proxy config (https://docs.litellm.ai/docs/proxy/configs) as Switchboard's config
 * object — the YAML file's shape, `${NAME}` references unresolved — which config.ts then
 * substitutes and validates like any switchboard.yaml, so every later check applies to it too.
 */

/** The result of reading a LiteLLM config. */
export interface LiteLLMTranslation {
  /** Switchboard's config object (the input shape of config.ts's schema). */
  config: Record<string, unknown>;
  notes: LiteLLMNote[];
  /** What stops the config from being used, by LiteLLM key path. */
  problems: LiteLLMProblem[];
  /** Literal secrets written as `${variable}` (only with `moveLiteralSecrets`). */
  movedSecrets: MovedSecret[];
  /** The LiteLLM key a Switchboard field path (`models[1].apiBase`) comes from. */
  litellmKeyOf(switchboardPath: string): string;
}

/** A LiteLLM proxy config: a top-level `model_list` and no Switchboard `models`. */
export function isLiteLLMConfig(document: unknown): document is Record<string, unknown> {
  return isMapping(document) && "model_list" in document && !("models" in document);
}

/**
 * Translates a parsed LiteLLM config. `moveLiteralSecrets` (convert-config) writes literal keys
 * as `${VARIABLE}` references and lists them in `movedSecrets`, so the printed YAML holds none.
 */
export function translateLiteLLMConfig(
  document: Record<string, unknown>,
  { moveLiteralSecrets = false }: { moveLiteralSecrets?: boolean } = {},
): LiteLLMTranslation {
  const log = createTranslationLog({ moveLiteralSecrets });
  const litellm = withEnvironmentReferences(document) as Record<string, unknown>;
  const section = (name: string): Record<string, unknown> => {
    const value = litellm[name];
    if (value === undefined || value === null) return {};
    if (isMapping(value)) return value;
    log.problem(name, "expected a mapping");
    return {};
  };
  const credentials = readCredentials(litellm.credential_list, log);
  const { models, skippedNames } = translateModelList(litellm.model_list, { credentials, log });
  const general = translateGeneralSettings(section("general_settings"), log);
  const routing = translateRouterSettings(section("router_settings"), section("litellm_settings"), {
    skippedNames,
    log,
  });
  noteLiteLLMSettings(section("litellm_settings"), log);
  noteTopLevelKeys(litellm, log);
  const { redis, modelAliases, router } = routing;
  const config = Object.fromEntries(
    Object.entries({ ...general, redis, models, modelAliases, router }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  return {
    config,
    notes: log.notes,
    problems: log.problems,
    movedSecrets: log.movedSecrets,
    litellmKeyOf: log.litellmKeyOf,
  };
}

/** `credential_list` (https://docs.litellm.ai/docs/proxy/configs#centralized-credential-management) by name. */
function readCredentials(value: unknown, log: TranslationLog): Map<string, Credential> {
  const credentials = new Map<string, Credential>();
  if (value === undefined) return credentials;
  if (!Array.isArray(value)) {
    log.problem("credential_list", "expected a list of { credential_name, credential_values }");
    return credentials;
  }
  value.forEach((entry, index) => {
    const key = `credential_list[${index}]`;
    if (
      !isMapping(entry) ||
      typeof entry.credential_name !== "string" ||
      !isMapping(entry.credential_values)
    )
      return log.problem(key, "expected { credential_name, credential_values }");
    credentials.set(entry.credential_name, {
      values: entry.credential_values,
      key: `${key}.credential_values`,
    });
    log.mapped(
      key,
      "its credential_values are used by the models that name it (litellm_credential_name)",
    );
  });
  return credentials;
}

/** What reading `source` as a LiteLLM config mapped and ignored, one line per key, for the CLI to print. */
export function describeLiteLLMNotes(source: string, notes: LiteLLMNote[]): string[] {
  return [
    `Read LiteLLM config ${source}:`,
    ...notes.map(
      (note) =>
        `  ${note.outcome === "mapped" ? "mapped " : "ignored"} ${note.key}: ${note.detail}`,
    ),
  ];
}

/**
 * For config.ts: a LiteLLM config becomes Switchboard's config object, its problems are added to
 * `problems` and its notes to `notices`; `keyOf` names a Switchboard field path by the LiteLLM
 * key it came from, so the schema's problems point into the file the user wrote. Any other
 * document is returned as it is.
 */
export function readAsSwitchboardConfig(
  document: Record<string, unknown>,
  { source, problems, notices }: { source: string; problems: string[]; notices: string[] },
): { raw: Record<string, unknown>; keyOf: (switchboardPath: string) => string } {
  if (!isLiteLLMConfig(document)) return { raw: document, keyOf: (path) => path };
  const translation = translateLiteLLMConfig(document);
  notices.push(...describeLiteLLMNotes(source, translation.notes));
  for (const problem of translation.problems)
    problems.push(`${source}: ${problem.key}: ${problem.message}`);
  return { raw: translation.config, keyOf: translation.litellmKeyOf };
}
