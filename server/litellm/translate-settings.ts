import { isEnvironmentReference, readBoolean, readString } from "./litellm-values.ts";
import { sharedRouterKeys } from "./translate-router-settings.ts";
import type { TranslationLog } from "./translation-log.ts";

/*
 * `general_settings` and the module-level `litellm_settings` (those the Router does not take) as
 * Switchboard's auth and database sections, and the reason for every key left out. Reference:
 * https://docs.litellm.ai/docs/proxy/config_settings
 */

const callbacks =
  "Switchboard has no callback integrations: every request is in its request log (GraphQL requestLogs and requestLogged), /metrics and OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT)";
const budgets = "budgets are per team and key in Switchboard (GraphQL createTeam, createApiKey)";

const litellmSettingReasons: Record<string, string> = {
  success_callback: callbacks,
  failure_callback: callbacks,
  callbacks,
  service_callback: callbacks,
  cache:
    "Switchboard's response cache is set under cache: { enabled: true, ttlSeconds } (exact match; in Redis when redis.url is set)",
  cache_params:
    "Switchboard's response cache is set under cache: { enabled: true, ttlSeconds } (exact match; in Redis when redis.url is set)",
  set_verbose: "Switchboard's log level is logging.level",
  json_logs: "Switchboard logs JSON lines by default (logging.format)",
  turn_off_message_logging:
    "Switchboard stores no prompt or completion text unless logging.storeBodies is set",
  max_budget: budgets,
  budget_duration: budgets,
  vertex_project:
    "set vertex_project on each vertex_ai model (or VERTEX_PROJECT / GOOGLE_CLOUD_PROJECT in the environment)",
  vertex_location:
    "set vertex_location on each vertex_ai model (or VERTEX_LOCATION in the environment)",
};

const generalSettingReasons: Record<string, string> = {
  alerting:
    "Switchboard's alerts are the budgetThresholdReached GraphQL subscription; no Slack or email",
  alert_types:
    "Switchboard's alerts are the budgetThresholdReached GraphQL subscription; no Slack or email",
  store_model_in_db: "Switchboard's models come from its config file",
  database_connection_pool_limit: "Switchboard sizes its own database pool",
  database_connection_timeout: "Switchboard sizes its own database pool",
  proxy_batch_write_at: "Switchboard batches request log writes itself",
  disable_spend_logs: "Switchboard always records each request's metadata, tokens and cost",
  background_health_checks:
    "Switchboard tracks deployment health from real traffic (cooldowns); /ready checks the database and Redis",
  health_check_interval:
    "Switchboard tracks deployment health from real traffic (cooldowns); /ready checks the database and Redis",
  max_parallel_requests:
    "parallel-request limits are per team and key in Switchboard (maxParallel)",
  global_max_parallel_requests:
    "parallel-request limits are per team and key in Switchboard (maxParallel)",
  custom_auth: "Switchboard authenticates with its master key and the keys it issues",
  enable_jwt_auth: "Switchboard authenticates with its master key and the keys it issues",
};

/** The auth and database sections from general_settings; every other key noted. */
export function translateGeneralSettings(
  settings: Record<string, unknown>,
  log: TranslationLog,
): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(settings)) {
    const key = `general_settings.${name}`;
    if (name === "master_key") {
      const masterKey = readString(value, key, log);
      if (masterKey === undefined) continue;
      output.auth = { masterKey: log.secret(masterKey, key, "SWITCHBOARD_MASTER_KEY") };
      log.source("auth.masterKey", key);
      log.mapped(key, "auth.masterKey");
    } else if (name === "database_url") {
      const url = readString(value, key, log);
      if (url === undefined) continue;
      if (!isEnvironmentReference(url) && !/^postgres(ql)?:\/\//i.test(url)) {
        log.ignored(key, "not a PostgreSQL URL; Switchboard keeps its default SQLite database");
        continue;
      }
      output.database = { url: hasPassword(url) ? log.secret(url, key, "DATABASE_URL") : url };
      log.source("database.url", key);
      log.mapped(
        key,
        "database.url (Switchboard creates its own tables there, beside LiteLLM's if it is the same database)",
      );
    } else log.ignored(key, generalSettingReasons[name] ?? "no Switchboard equivalent");
  }
  return output;
}

/** Notes for litellm_settings' module-level keys (the Router's are translated with router_settings). */
export function noteLiteLLMSettings(settings: Record<string, unknown>, log: TranslationLog): void {
  for (const [name, value] of Object.entries(settings)) {
    const key = `litellm_settings.${name}`;
    if (sharedRouterKeys.has(name)) continue;
    if (name === "drop_params") {
      const drop = readBoolean(value, key, log);
      if (drop === true)
        log.mapped(
          key,
          "by behaviour: Switchboard's adapters translate each OpenAI parameter for the provider and leave out those it has no field for (OpenAI-compatible servers receive every parameter)",
        );
      else if (drop === false)
        log.ignored(
          key,
          "Switchboard always leaves out the parameters a provider has no field for",
        );
    } else log.ignored(key, litellmSettingReasons[name] ?? "no Switchboard equivalent");
  }
}

/** Notes for the top-level keys besides model_list and the settings sections. */
export function noteTopLevelKeys(document: Record<string, unknown>, log: TranslationLog): void {
  const translated = new Set([
    "model_list",
    "router_settings",
    "litellm_settings",
    "general_settings",
    "credential_list",
  ]);
  for (const name of Object.keys(document)) {
    if (translated.has(name)) continue;
    if (name === "include")
      log.problem(
        name,
        "Switchboard reads one file: copy the included files' model_list entries into this one",
      );
    else if (name === "environment_variables")
      log.ignored(
        name,
        "Switchboard sets no environment variables from its config: export them before starting",
      );
    else log.ignored(name, "no Switchboard equivalent");
  }
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== "";
  } catch {
    return false;
  }
}
