import type { ProviderName } from "../config.ts";

/*
 * What each `litellm_params` key of a model_list entry becomes in a Switchboard model entry, and
 * why the others are left out. Reference: https://docs.litellm.ai/docs/proxy/configs and
 * https://docs.litellm.ai/docs/completion/input.
 */

const awsProviders: ProviderName[] = ["bedrock", "sagemaker"];

interface FieldRule {
  /** The Switchboard model entry field. */
  field: string;
  kind: "string" | "number";
  /** A secret: convert-config writes `${<NAME>_<variable>}` instead of a literal value. */
  secretVariable?: string;
  /** The providers the field means something to; for others the key is ignored with a reason. */
  providers?: ProviderName[];
}

/** `litellm_params` keys copied to a model entry field. */
export const parameterFields: Record<string, FieldRule> = {
  api_key: { field: "apiKey", kind: "string", secretVariable: "API_KEY" },
  api_base: { field: "apiBase", kind: "string" },
  api_version: { field: "apiVersion", kind: "string", providers: ["azure"] },
  azure_ad_token: {
    field: "azureAdToken",
    kind: "string",
    secretVariable: "AZURE_AD_TOKEN",
    providers: ["azure"],
  },
  aws_region_name: { field: "region", kind: "string", providers: awsProviders },
  aws_access_key_id: {
    field: "accessKeyId",
    kind: "string",
    secretVariable: "AWS_ACCESS_KEY_ID",
    providers: awsProviders,
  },
  aws_secret_access_key: {
    field: "secretAccessKey",
    kind: "string",
    secretVariable: "AWS_SECRET_ACCESS_KEY",
    providers: awsProviders,
  },
  aws_session_token: {
    field: "sessionToken",
    kind: "string",
    secretVariable: "AWS_SESSION_TOKEN",
    providers: awsProviders,
  },
  vertex_project: { field: "project", kind: "string", providers: ["vertex"] },
  vertex_ai_project: { field: "project", kind: "string", providers: ["vertex"] },
  vertex_location: { field: "location", kind: "string", providers: ["vertex"] },
  vertex_ai_location: { field: "location", kind: "string", providers: ["vertex"] },
  vertex_credentials: { field: "credentials", kind: "string", providers: ["vertex"] },
  rpm: { field: "rpm", kind: "number" },
  tpm: { field: "tpm", kind: "number" },
  weight: { field: "weight", kind: "number" },
};

/** Keys read elsewhere in the translation (the model string, pricing, credentials). */
export const parametersReadElsewhere = new Set([
  "model",
  "custom_llm_provider",
  "litellm_credential_name",
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_read_input_token_cost",
  "cache_creation_input_token_cost",
]);

/** Request parameters LiteLLM adds to every call of the model: Switchboard has no per-model defaults. */
const requestDefaults = new Set([
  "temperature",
  "max_tokens",
  "max_completion_tokens",
  "top_p",
  "seed",
  "stop",
  "n",
  "frequency_penalty",
  "presence_penalty",
  "logit_bias",
  "response_format",
  "tools",
  "tool_choice",
  "user",
  "reasoning_effort",
  "thinking",
  "safety_settings",
]);

const parameterReasons: Record<string, string> = {
  timeout:
    "per-model timeouts: Switchboard's are router-wide (router.timeoutMs, attemptTimeoutMs; see router_settings.timeout)",
  stream_timeout:
    "per-model timeouts: Switchboard's stream timeouts are router-wide (router.firstTokenTimeoutMs, streamIdleTimeoutMs)",
  max_retries: "retries are router-wide in Switchboard (router.retries, from num_retries)",
  organization: "Switchboard sends no OpenAI-Organization header per model",
  extra_headers: "Switchboard sends no extra headers per model",
  headers: "Switchboard sends no extra headers per model",
  region_name: "Switchboard does not filter deployments by region",
  input_cost_per_second:
    "Switchboard prices by token (input_cost_per_token, output_cost_per_token)",
  output_cost_per_second:
    "Switchboard prices by token (input_cost_per_token, output_cost_per_token)",
  mock_response: "Switchboard has no mock responses (try switchboard --demo)",
};

/** Why a `litellm_params` key has no Switchboard equivalent. */
export function ignoredParameterReason(name: string): string {
  if (requestDefaults.has(name))
    return "a default request parameter: Switchboard sends each request's parameters as the caller gave them, with no per-model defaults";
  return parameterReasons[name] ?? "no Switchboard equivalent";
}
