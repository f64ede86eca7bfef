import { isMapping, perTokenToPerMillion, readBoolean, readNumber } from "./litellm-values.ts";
import type { TranslationLog } from "./translation-log.ts";

/*
 * A model_list entry's `model_info` (and the custom prices LiteLLM also accepts in
 * `litellm_params`) as Switchboard's contextWindow, maxOutputTokens, capabilities and pricing.
 * Reference: https://docs.litellm.ai/docs/proxy/custom_pricing and /docs/proxy/model_management.
 */

const priceFields: Array<[litellmKey: string, pricingField: string]> = [
  ["input_cost_per_token", "inputPerMillion"],
  ["output_cost_per_token", "outputPerMillion"],
  ["cache_read_input_token_cost", "cachedInputPerMillion"],
  ["cache_creation_input_token_cost", "cacheWritePerMillion"],
];

const capabilityFields: Record<string, string> = {
  supports_function_calling: "tools",
  supports_vision: "vision",
  supports_response_schema: "jsonSchema",
};

const infoReasons: Record<string, string> = {
  id: "Switchboard names deployments itself (provider:model#n)",
  base_model:
    "Switchboard looks prices up by the upstream model id; give a deployment whose name is not a model's its prices (input_cost_per_token, output_cost_per_token)",
  access_groups: "model access is set per team and key in Switchboard (their models list)",
  description: "not shown by Switchboard",
  supported_environments: "Switchboard has no deployment environments",
};

interface EntryContext {
  /** `model_list[3]`. */
  base: string;
  /** `models[2]`. */
  entryPath: string;
  /** The entry's litellm_params (credentials merged in) with each key's path. */
  parameters: Record<string, unknown>;
  parameterKeys: Record<string, string>;
  log: TranslationLog;
}

/** The fields model_info and the custom prices give a Switchboard model entry. */
export function translateModelInfo(
  modelInfo: unknown,
  { base, entryPath, parameters, parameterKeys, log }: EntryContext,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const info = isMapping(modelInfo) ? modelInfo : {};
  if (modelInfo !== undefined && !isMapping(modelInfo))
    log.problem(`${base}.model_info`, "expected a mapping");
  const infoKey = (name: string) => `${base}.model_info.${name}`;

  const set = (field: string, key: string, value: unknown) => {
    if (value === undefined) return;
    fields[field] = value;
    log.source(`${entryPath}.${field}`, key);
  };
  set(
    "contextWindow",
    infoKey("max_input_tokens"),
    readNumber(info.max_input_tokens, infoKey("max_input_tokens"), log),
  );
  const outputKey = info.max_output_tokens !== undefined ? "max_output_tokens" : "max_tokens";
  set("maxOutputTokens", infoKey(outputKey), readNumber(info[outputKey], infoKey(outputKey), log));

  const capabilities: Record<string, unknown> = {};
  for (const [name, capability] of Object.entries(capabilityFields)) {
    const value = readBoolean(info[name], infoKey(name), log);
    if (value === undefined) continue;
    capabilities[capability] = value;
    log.source(`${entryPath}.capabilities.${capability}`, infoKey(name));
  }
  if (info.mode === "embedding") {
    capabilities.embeddings = true;
    log.source(`${entryPath}.capabilities.embeddings`, infoKey("mode"));
  }
  if (Object.keys(capabilities).length > 0) fields.capabilities = capabilities;

  const pricing = translatePrices(info, { base, entryPath, parameters, parameterKeys, log });
  if (pricing) fields.pricing = pricing;

  const read = new Set([
    "max_input_tokens",
    "max_output_tokens",
    "max_tokens",
    "mode",
    ...Object.keys(capabilityFields),
    ...priceFields.map(([key]) => key),
  ]);
  for (const name of Object.keys(info)) {
    if (name === "max_tokens" && outputKey !== "max_tokens")
      log.ignored(infoKey(name), "max_output_tokens is used");
    else if (name === "mode" && info.mode !== "chat" && info.mode !== "embedding")
      log.ignored(infoKey(name), "Switchboard serves chat completions and embeddings");
    else if (!read.has(name))
      log.ignored(infoKey(name), infoReasons[name] ?? "no Switchboard equivalent");
  }
  return fields;
}

/** Switchboard's pricing (USD per million tokens) from LiteLLM's USD per token; both directions or none. */
function translatePrices(
  info: Record<string, unknown>,
  { base, entryPath, parameters, parameterKeys, log }: EntryContext,
): Record<string, unknown> | undefined {
  const pricing: Record<string, unknown> = {};
  const keys: string[] = [];
  for (const [litellmKey, field] of priceFields) {
    const fromParameters = parameters[litellmKey] !== undefined;
    const key = fromParameters ? parameterKeys[litellmKey] : `${base}.model_info.${litellmKey}`;
    const value = readNumber(fromParameters ? parameters[litellmKey] : info[litellmKey], key, log);
    if (value === undefined) continue;
    pricing[field] = perTokenToPerMillion(value);
    keys.push(key);
    log.source(`${entryPath}.pricing.${field}`, key);
  }
  if (keys.length === 0) return undefined;
  if (pricing.inputPerMillion === undefined || pricing.outputPerMillion === undefined) {
    for (const key of keys)
      log.ignored(
        key,
        "Switchboard's pricing needs both input_cost_per_token and output_cost_per_token; the bundled prices apply",
      );
    return undefined;
  }
  log.mapped(
    keys.join(", "),
    `pricing: ${Object.entries(pricing)
      .map(([field, value]) => `${field} ${String(value)}`)
      .join(", ")} (USD per million tokens)`,
  );
  return pricing;
}
