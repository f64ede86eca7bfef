import {
  isEnvironmentReference,
  isMapping,
  readNumber,
  readString,
  secondsToMilliseconds,
} from "./litellm-values.ts";
import type { TranslationLog } from "./translation-log.ts";

/*
 * LiteLLM's Router settings (`router_settings`, and the subset `litellm_settings` also takes) as
 * Switchboard's `router`, `redis` and `modelAliases`. References:
 * https://docs.litellm.ai/docs/routing, /docs/proxy/reliability, /docs/proxy/load_balancing.
 */

const strategies: Record<string, string> = {
  "simple-shuffle": "simple-shuffle",
  "least-busy": "least-busy",
  "usage-based-routing": "usage",
  "usage-based-routing-v2": "usage",
  "latency-based-routing": "latency",
  "cost-based-routing": "cost",
};

const fallbackFields: Record<string, string> = {
  fallbacks: "fallbacks",
  context_window_fallbacks: "contextWindowFallbacks",
  content_policy_fallbacks: "contentPolicyFallbacks",
};

/** Keys `litellm_settings` shares with the Router; router_settings wins when both set one (as LiteLLM's Router does). */
export const sharedRouterKeys = new Set([
  "num_retries",
  "request_timeout",
  "allowed_fails",
  "cooldown_time",
  ...Object.keys(fallbackFields),
]);

const redisKeys = ["redis_url", "redis_host", "redis_port", "redis_password"];

const ignoredReasons: Record<string, string> = {
  routing_strategy_args: "Switchboard's strategies take no arguments",
  retry_policy:
    "Switchboard retries every retryable error (429, 5xx, timeouts) up to router.retries",
  allowed_fails_policy:
    "Switchboard counts every retryable failure towards router.cooldown.failures",
  default_fallbacks: "Switchboard has fallbacks per model only: list the model under fallbacks",
  enable_pre_call_checks:
    "Switchboard always checks a prompt against the context window before the call when the model has contextWindowFallbacks",
  cache_responses: "Switchboard's response cache is set under cache: (enabled, ttlSeconds)",
  provider_budget_config: "budgets are per team and key in Switchboard",
};

/** The router, redis and modelAliases sections; `skippedNames` are models already reported as problems. */
export function translateRouterSettings(
  routerSettings: Record<string, unknown>,
  litellmSettings: Record<string, unknown>,
  { skippedNames, log }: { skippedNames: Set<string>; log: TranslationLog },
): Record<string, unknown> {
  const router: Record<string, unknown> = {};
  const output: Record<string, unknown> = {};
  const setting = (name: string): [unknown, string] | undefined => {
    if (routerSettings[name] !== undefined) {
      if (litellmSettings[name] !== undefined)
        log.ignored(
          `litellm_settings.${name}`,
          `router_settings.${name} is used (it wins in LiteLLM too)`,
        );
      return [routerSettings[name], `router_settings.${name}`];
    }
    if (litellmSettings[name] !== undefined)
      return [litellmSettings[name], `litellm_settings.${name}`];
    return undefined;
  };
  const set = (field: string, value: unknown, key: string, detail: string) => {
    if (value === undefined) return;
    router[field] = value;
    log.source(`router.${field}`, key);
    log.mapped(key, detail);
  };

  // routing_strategy and stream_timeout are the Router's own (litellm_settings does not take them).
  const strategySetting = routerOnly(routerSettings, "routing_strategy");
  if (strategySetting) {
    const [value, key] = strategySetting;
    const strategy = typeof value === "string" ? strategies[value] : undefined;
    if (strategy) set("strategy", strategy, key, `router.strategy: ${strategy}`);
    else
      log.problem(
        key,
        `unknown routing strategy ${JSON.stringify(value)}: Switchboard maps ${Object.keys(strategies).join(", ")}`,
      );
  }
  const retries = setting("num_retries");
  if (retries)
    set("retries", readNumber(retries[0], retries[1], log), retries[1], "router.retries");
  // LiteLLM's timeout is per call; Switchboard's timeoutMs bounds the whole request.
  const timeout = timeoutSetting(routerSettings, litellmSettings, log);
  if (timeout) {
    const seconds = readNumber(timeout[0], timeout[1], log);
    if (seconds !== undefined)
      set(
        "timeoutMs",
        secondsToMilliseconds(seconds),
        timeout[1],
        "router.timeoutMs (bounds the whole request, retries and fallbacks included)",
      );
  }
  const streamTimeout = routerOnly(routerSettings, "stream_timeout");
  if (streamTimeout) {
    const seconds = readNumber(streamTimeout[0], streamTimeout[1], log);
    if (seconds !== undefined) {
      router.firstTokenTimeoutMs = router.streamIdleTimeoutMs = secondsToMilliseconds(seconds);
      log.source("router.firstTokenTimeoutMs", streamTimeout[1]);
      log.source("router.streamIdleTimeoutMs", streamTimeout[1]);
      log.mapped(streamTimeout[1], "router.firstTokenTimeoutMs and streamIdleTimeoutMs");
    }
  }
  for (const [name, field] of Object.entries(fallbackFields)) {
    const found = setting(name);
    if (found)
      set(
        field,
        fallbackMap(found[0], found[1], { skippedNames, log, field }),
        found[1],
        `router.${field}`,
      );
  }
  const cooldown: Record<string, unknown> = {};
  const allowedFails = setting("allowed_fails");
  if (allowedFails) {
    const count = readNumber(allowedFails[0], allowedFails[1], log);
    // LiteLLM cools a deployment down when its failures exceed allowed_fails; Switchboard when they reach failures.
    cooldown.failures = typeof count === "number" ? count + 1 : count;
    log.source("router.cooldown.failures", allowedFails[1]);
    log.mapped(
      allowedFails[1],
      `router.cooldown.failures: ${String(cooldown.failures)} (allowed_fails + 1)`,
    );
  }
  const cooldownTime = setting("cooldown_time");
  if (cooldownTime) {
    cooldown.seconds = readNumber(cooldownTime[0], cooldownTime[1], log);
    log.source("router.cooldown.seconds", cooldownTime[1]);
    log.mapped(cooldownTime[1], "router.cooldown.seconds");
  }
  if (Object.keys(cooldown).length > 0) router.cooldown = cooldown;
  if (Object.keys(router).length > 0) output.router = router;

  const aliases = modelAliases(routerSettings.model_group_alias, log);
  if (aliases) output.modelAliases = aliases;
  const redis = redisUrl(routerSettings, log);
  if (redis) output.redis = { url: redis };

  const handled = new Set([
    ...[...sharedRouterKeys].filter((name) => name !== "request_timeout"),
    "routing_strategy",
    "timeout",
    "stream_timeout",
    "model_group_alias",
    ...redisKeys,
  ]);
  for (const name of Object.keys(routerSettings))
    if (!handled.has(name))
      log.ignored(`router_settings.${name}`, ignoredReasons[name] ?? "no Switchboard equivalent");
  return output;
}

function routerOnly(
  routerSettings: Record<string, unknown>,
  name: string,
): [unknown, string] | undefined {
  return routerSettings[name] === undefined
    ? undefined
    : [routerSettings[name], `router_settings.${name}`];
}

/** router_settings.timeout, else litellm_settings.request_timeout (LiteLLM's two names for one per-call timeout). */
function timeoutSetting(
  routerSettings: Record<string, unknown>,
  litellmSettings: Record<string, unknown>,
  log: TranslationLog,
): [unknown, string] | undefined {
  if (routerSettings.timeout === undefined)
    return litellmSettings.request_timeout === undefined
      ? undefined
      : [litellmSettings.request_timeout, "litellm_settings.request_timeout"];
  if (litellmSettings.request_timeout !== undefined)
    log.ignored("litellm_settings.request_timeout", "router_settings.timeout is used");
  return [routerSettings.timeout, "router_settings.timeout"];
}

/** LiteLLM's list of single-key maps (`[{"gpt-4o": ["claude"]}]`) as one map. */
function fallbackMap(
  value: unknown,
  key: string,
  { skippedNames, log, field }: { skippedNames: Set<string>; log: TranslationLog; field: string },
): Record<string, string[]> | undefined {
  if (!Array.isArray(value)) {
    log.problem(key, 'expected a list of maps, e.g. [{"gpt-4o": ["claude-sonnet"]}]');
    return undefined;
  }
  const chains: Record<string, string[]> = {};
  value.forEach((item, index) => {
    if (!isMapping(item))
      return log.problem(
        `${key}[${index}]`,
        'expected a map from a model name to its fallbacks, e.g. {"gpt-4o": ["claude-sonnet"]}',
      );
    for (const [model, targets] of Object.entries(item)) {
      const list = typeof targets === "string" ? [targets] : targets;
      if (!Array.isArray(list) || !list.every((target) => typeof target === "string")) {
        log.problem(`${key}[${index}].${model}`, "expected a list of model names");
        continue;
      }
      // A model left out for its own problem is not reported a second time here.
      if (skippedNames.has(model)) continue;
      chains[model] = [
        ...(chains[model] ?? []),
        ...list.filter((target) => !skippedNames.has(target)),
      ];
      log.source(`router.${field}.${model}`, `${key}[${index}].${model}`);
    }
  });
  return chains;
}

/** `model_group_alias` (`{"gpt-4": "gpt-4o"}` or `{"gpt-4": {model: "gpt-4o", hidden: true}}`) as modelAliases. */
function modelAliases(value: unknown, log: TranslationLog): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const key = "router_settings.model_group_alias";
  if (!isMapping(value))
    return void log.problem(key, "expected a map from an alias to a model_name");
  const aliases: Record<string, string> = {};
  for (const [alias, target] of Object.entries(value)) {
    const group = isMapping(target) ? target.model : target;
    if (typeof group !== "string") {
      log.problem(`${key}.${alias}`, "expected a model_name (or { model, hidden })");
      continue;
    }
    if (isMapping(target) && target.hidden !== undefined)
      log.ignored(
        `${key}.${alias}.hidden`,
        "Switchboard lists every alias in models with the group it stands for",
      );
    aliases[alias] = group;
    log.source(`modelAliases.${alias}`, `${key}.${alias}`);
  }
  log.mapped(key, "modelAliases");
  return aliases;
}

/** LiteLLM's Redis settings (a URL, or host, port and password) as one `redis://` URL. */
function redisUrl(settings: Record<string, unknown>, log: TranslationLog): string | undefined {
  const read = (name: string) => readString(settings[name], `router_settings.${name}`, log);
  const url = read("redis_url");
  const host = read("redis_host");
  if (!url && !host) return undefined;
  const password =
    settings.redis_password === undefined
      ? undefined
      : log.secret(read("redis_password"), "router_settings.redis_password", "REDIS_PASSWORD");
  const written =
    url ??
    `redis://${password ? `:${String(password)}@` : ""}${host}:${read("redis_port") ?? 6379}`;
  const keys = redisKeys
    .filter((name) => settings[name] !== undefined)
    .map((name) => `router_settings.${name}`);
  log.source("redis", keys[0]);
  log.mapped(
    keys.join(", "),
    `redis.url (shared limits, cooldowns and counters across instances${isEnvironmentReference(written) ? "" : `: ${url ? "the URL" : `redis://${host}`}`})`,
  );
  return written;
}
