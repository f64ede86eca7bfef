import { resolveLiteLLMModel, type ModelTarget } from "./litellm-providers.ts";
import { isMapping, readNumber, readString } from "./litellm-values.ts";
import {
  ignoredParameterReason,
  parameterFields,
  parametersReadElsewhere,
} from "./model-parameter-rules.ts";
import { translateModelInfo } from "./translate-model-info.ts";
import type { TranslationLog } from "./translation-log.ts";

/*
 * LiteLLM's `model_list` as Switchboard's `models`: one entry per deployment, entries sharing a
 * `model_name` forming a load-balanced group in both. Reference:
 * https://docs.litellm.ai/docs/proxy/configs#llm-configs-model_list
 */

/** A `credential_list` entry's values (`credential_values`), with the path each came from. */
export interface Credential {
  values: Record<string, unknown>;
  key: string;
}

export interface ModelListTranslation {
  models: Array<Record<string, unknown>>;
  /** Names of entries left out, so fallbacks naming them add no second problem. */
  skippedNames: Set<string>;
}

/** Translates every entry; a broken one is a problem and is left out, the others still count. */
export function translateModelList(
  modelList: unknown,
  { credentials, log }: { credentials: Map<string, Credential>; log: TranslationLog },
): ModelListTranslation {
  const models: Array<Record<string, unknown>> = [];
  const skippedNames = new Set<string>();
  if (!Array.isArray(modelList)) {
    log.problem("model_list", "expected a list of { model_name, litellm_params } entries");
    return { models, skippedNames };
  }
  modelList.forEach((entry, index) => {
    const base = `model_list[${index}]`;
    const name = isMapping(entry) ? entry.model_name : undefined;
    const translated = translateEntry(entry, {
      base,
      entryPath: `models[${models.length}]`,
      credentials,
      log,
    });
    if (translated) models.push(translated);
    else if (typeof name === "string") skippedNames.add(name);
  });
  return { models, skippedNames };
}

function translateEntry(
  entry: unknown,
  context: {
    base: string;
    entryPath: string;
    credentials: Map<string, Credential>;
    log: TranslationLog;
  },
): Record<string, unknown> | undefined {
  const { base, entryPath, log } = context;
  if (!isMapping(entry))
    return void log.problem(base, "expected a mapping with model_name and litellm_params");
  const name = readString(entry.model_name, `${base}.model_name`, log);
  if (!name) log.problem(`${base}.model_name`, "missing: the name clients send as model");
  if (!isMapping(entry.litellm_params))
    return void log.problem(`${base}.litellm_params`, "missing: a mapping with at least model");
  const { parameters, parameterKeys } = withCredential(entry.litellm_params, context);
  const modelKey = `${base}.litellm_params.model`;
  const model = readString(parameters.model, modelKey, log);
  if (!model)
    return void log.problem(modelKey, 'missing: the provider/model to call, e.g. "openai/gpt-4o"');
  if (!name) return undefined;
  if (model === "*") {
    log.ignored(
      base,
      "Switchboard has no catch-all model: list a provider/* entry (e.g. model_name: openai/*, model: openai/*) for each provider callers may name",
    );
    return undefined;
  }
  const customProvider = readString(
    parameters.custom_llm_provider,
    `${base}.litellm_params.custom_llm_provider`,
    log,
  );
  const target = resolveLiteLLMModel(model, { customProvider, apiBase: parameters.api_base });
  if ("problem" in target) return void log.problem(modelKey, target.problem);

  const translated: Record<string, unknown> = {
    ...namesOf(name, target, { base, log }),
    provider: target.provider,
  };
  if (target.model !== "*") translated.model = target.model;
  log.mapped(
    base,
    `${translated.name} → ${target.provider}${target.model === "*" ? " (any model)" : ` ${target.model}`}${target.caveat ? ` (${target.caveat})` : ""}`,
  );
  log.source(entryPath, base);
  // Fields the entry leaves out are still named by their LiteLLM key in the schema's problems.
  for (const [parameter, rule] of Object.entries(parameterFields).reverse())
    log.source(`${entryPath}.${rule.field}`, `${base}.litellm_params.${parameter}`);
  log.source(`${entryPath}.name`, `${base}.model_name`);
  log.source(`${entryPath}.provider`, modelKey);
  log.source(`${entryPath}.model`, modelKey);
  copyParameters(parameters, parameterKeys, translated, { ...context, target, name });
  // Older configs (and LiteLLM's Router examples) put rpm and tpm beside litellm_params.
  for (const limit of ["rpm", "tpm"])
    if (entry[limit] !== undefined && translated[limit] === undefined) {
      const value = readNumber(entry[limit], `${base}.${limit}`, log);
      if (value === undefined) continue;
      translated[limit] = value;
      log.source(`${entryPath}.${limit}`, `${base}.${limit}`);
    }
  Object.assign(
    translated,
    translateModelInfo(entry.model_info, { base, entryPath, parameters, parameterKeys, log }),
  );
  for (const key of Object.keys(entry))
    if (!["model_name", "litellm_params", "model_info", "rpm", "tpm"].includes(key))
      log.ignored(`${base}.${key}`, "no Switchboard equivalent");
  return translated;
}

/** A wildcard's name: Switchboard's wildcards are `prefix/*`, so callers name `prefix/<model>`. */
function namesOf(
  name: string,
  target: ModelTarget,
  { base, log }: { base: string; log: TranslationLog },
) {
  if (target.model !== "*" || name.endsWith("/*")) return { name };
  log.mapped(
    `${base}.model_name`,
    `"${name}" → "${target.prefix}/*": callers name ${target.prefix}/<model> (Switchboard's wildcards keep the provider prefix)`,
  );
  return { name: `${target.prefix}/*` };
}

/** litellm_params with the named credential's values under them (the entry's own win). */
function withCredential(
  litellmParams: Record<string, unknown>,
  {
    base,
    credentials,
    log,
  }: { base: string; credentials: Map<string, Credential>; log: TranslationLog },
) {
  const parameterKeys: Record<string, string> = Object.fromEntries(
    Object.keys(litellmParams).map((name) => [name, `${base}.litellm_params.${name}`]),
  );
  const credentialName = litellmParams.litellm_credential_name;
  if (credentialName === undefined) return { parameters: litellmParams, parameterKeys };
  const credential =
    typeof credentialName === "string" ? credentials.get(credentialName) : undefined;
  if (!credential) {
    log.problem(
      `${base}.litellm_params.litellm_credential_name`,
      `no credential_list entry is named ${JSON.stringify(credentialName)}`,
    );
    return { parameters: litellmParams, parameterKeys };
  }
  for (const name of Object.keys(credential.values))
    if (litellmParams[name] === undefined) parameterKeys[name] = `${credential.key}.${name}`;
  return { parameters: { ...credential.values, ...litellmParams }, parameterKeys };
}

/** Copies the parameters with a Switchboard field; notes why each other one is left out. */
function copyParameters(
  parameters: Record<string, unknown>,
  parameterKeys: Record<string, string>,
  translated: Record<string, unknown>,
  {
    base,
    entryPath,
    target,
    name,
    log,
  }: { base: string; entryPath: string; target: ModelTarget; name: string; log: TranslationLog },
): void {
  for (const [parameter, value] of Object.entries(parameters)) {
    const key = parameterKeys[parameter];
    if (parametersReadElsewhere.has(parameter)) continue;
    const rule = parameterFields[parameter];
    if (!rule) {
      log.ignored(key, ignoredParameterReason(parameter));
      continue;
    }
    if (rule.providers && !rule.providers.includes(target.provider)) {
      log.ignored(
        key,
        `means nothing to Switchboard's ${target.provider} provider (it is for ${rule.providers.join(", ")})`,
      );
      continue;
    }
    const read = rule.kind === "number" ? readNumber(value, key, log) : readString(value, key, log);
    if (read === undefined) continue;
    // LiteLLM also takes the service account's JSON itself; Switchboard (google-auth) takes its file.
    if (rule.field === "credentials" && read.toString().trim().startsWith("{")) {
      log.problem(
        key,
        "Switchboard reads a service-account JSON file: save the JSON and give its path",
      );
      continue;
    }
    translated[rule.field] = rule.secretVariable
      ? log.secret(read, key, variableName(name, rule.secretVariable))
      : read;
    log.source(`${entryPath}.${rule.field}`, key);
  }
  // What LiteLLM reads from the environment when the entry does not say.
  if (translated.apiKey === undefined && target.keyVariable) {
    translated.apiKey = `\${${target.keyVariable}}`;
    log.source(`${entryPath}.apiKey`, `${base}.litellm_params.api_key`);
  }
  if (translated.apiBase === undefined && target.apiBase) {
    translated.apiBase = target.apiBase;
    log.source(`${entryPath}.apiBase`, `${base}.litellm_params.api_base`);
  }
}

/** `GPT_4O_API_KEY` for model gpt-4o's literal api_key moved to the environment. */
function variableName(modelName: string, suffix: string): string {
  const stem = modelName
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();
  return `${/^[A-Z_]/.test(stem) ? stem : `MODEL_${stem}`}_${suffix}`;
}
