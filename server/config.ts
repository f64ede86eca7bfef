import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import {
  completeFromEnvironment,
  defaultsFromEnvironment,
  fillMasterKeyFromEnvironment,
  formatPath,
  providerKeyVariables,
  substituteEnvironment,
} from "./config-environment.ts";
import { modelAliasProblems } from "./gateway/model-aliases.ts";
import { readAsSwitchboardConfig } from "./litellm/read-litellm-config.ts";

/**
 * The one place configuration is read (DESIGN §3, §10.6): the YAML file, `${ENV}` substitution,
 * CLI overrides and, without a file, models detected from provider keys in the environment.
 * Every problem is collected and reported together, each naming the file and the field.
 */

export const providerNames = [
  "openai",
  "azure",
  "anthropic",
  "bedrock",
  "sagemaker",
  "vertex",
  "gemini",
  "deepseek",
  "ollama",
  "openai-compatible",
  "demo",
] as const;

const positiveInteger = z.int().positive();

const modelEntrySchema = z
  .strictObject({
    name: z.string().min(1),
    provider: z.enum(providerNames),
    model: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    apiBase: z.url().optional(),
    apiVersion: z.string().optional(),
    azureAdToken: z.string().optional(),
    region: z.string().optional(),
    accessKeyId: z.string().optional(),
    secretAccessKey: z.string().optional(),
    sessionToken: z.string().optional(),
    project: z.string().optional(),
    location: z.string().optional(),
    credentials: z.string().optional(),
    // More names clients may send for this entry's group (modelAliases, written beside the model).
    aliases: z.array(z.string().min(1)).optional(),
    weight: z.number().positive().default(1),
    rpm: positiveInteger.optional(),
    tpm: positiveInteger.optional(),
    contextWindow: positiveInteger.optional(),
    maxOutputTokens: positiveInteger.optional(),
    /** Overrides what the model catalog says the model can do (GraphQL `models { capabilities }`). */
    capabilities: z
      .strictObject({
        tools: z.boolean().optional(),
        vision: z.boolean().optional(),
        jsonSchema: z.boolean().optional(),
        embeddings: z.boolean().optional(),
      })
      .optional(),
    pricing: z
      .strictObject({
        inputPerMillion: z.number().nonnegative(),
        outputPerMillion: z.number().nonnegative(),
        cachedInputPerMillion: z.number().nonnegative().optional(),
        cacheWritePerMillion: z.number().nonnegative().optional(),
      })
      .optional(),
  })
  .superRefine((entry, context) => {
    for (const [field, message] of missingProviderFields(entry))
      context.addIssue({ code: "custom", path: [field], message });
  });

/** What each provider cannot work without: [field, problem] pairs for the ones missing. */
function missingProviderFields(entry: {
  provider: string;
  apiKey?: string;
  apiBase?: string;
  azureAdToken?: string;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  project?: string;
  credentials?: string;
}): Array<[string, string]> {
  const problems: Array<[string, string]> = [];
  const keyVariable = providerKeyVariables[entry.provider];
  switch (entry.provider) {
    case "openai":
    case "anthropic":
    case "gemini":
    case "deepseek":
      if (!entry.apiKey)
        problems.push([
          "apiKey",
          `the ${entry.provider} provider needs an apiKey (e.g. "\${${keyVariable}}")`,
        ]);
      break;
    case "openai-compatible":
      if (!entry.apiBase)
        problems.push([
          "apiBase",
          "the openai-compatible provider needs an apiBase (the server's /v1 URL)",
        ]);
      break;
    case "azure":
      if (!entry.apiBase)
        problems.push([
          "apiBase",
          "the azure provider needs an apiBase (https://<resource>.openai.azure.com)",
        ]);
      if (!entry.apiKey && !entry.azureAdToken)
        problems.push([
          "apiKey",
          'the azure provider needs an apiKey (e.g. "${AZURE_API_KEY}") or an azureAdToken',
        ]);
      break;
    case "bedrock":
    case "sagemaker":
      if (!entry.region)
        problems.push([
          "region",
          `the ${entry.provider} provider needs a region (or AWS_REGION in the environment)`,
        ]);
      if (!entry.accessKeyId)
        problems.push([
          "accessKeyId",
          `the ${entry.provider} provider needs AWS credentials: accessKeyId (or AWS_ACCESS_KEY_ID in the environment)`,
        ]);
      if (!entry.secretAccessKey)
        problems.push([
          "secretAccessKey",
          `the ${entry.provider} provider needs AWS credentials: secretAccessKey (or AWS_SECRET_ACCESS_KEY in the environment)`,
        ]);
      break;
    case "vertex":
      if (!entry.project)
        problems.push([
          "project",
          "the vertex provider needs a project (or GOOGLE_CLOUD_PROJECT in the environment)",
        ]);
      if (!entry.credentials && !entry.apiKey)
        problems.push([
          "credentials",
          "the vertex provider needs credentials: a service-account JSON path (or GOOGLE_APPLICATION_CREDENTIALS in the environment)",
        ]);
      break;
  }
  return problems;
}

const modelListSchema = z.record(z.string(), z.array(z.string().min(1)));

export const configSchema = z
  .strictObject({
    server: z
      .strictObject({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.int().min(0).max(65535).default(4000),
        // Browser origins allowed to call /v1 and /graphql (CORS); none by default.
        corsOrigins: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    database: z
      .strictObject({ url: z.string().min(1).default("file:./.switchboard/switchboard.db") })
      .prefault({}),
    redis: z
      .strictObject({
        url: z
          .string()
          .min(1)
          .refine(
            (value) => /^rediss?:\/\//.test(value),
            "the Redis URL must start with redis:// or rediss://",
          ),
        // false: a request that needs a limit or budget check while Redis is down gets 503 redis_unavailable.
        failOpen: z.boolean().default(false),
        // Every key and channel starts with it: gateways that must not share state can share a Redis.
        keyPrefix: z.string().min(1).default("switchboard:"),
      })
      .optional(),
    // Exact-match response cache: in memory on one instance, in Redis when redis.url is set.
    cache: z
      .strictObject({
        enabled: z.boolean().default(false),
        ttlSeconds: positiveInteger.default(3600),
        maxEntries: positiveInteger.default(10_000),
        // Answers sampled with temperature > 0 differ run to run; caching them is opt-in.
        cacheNonDeterministic: z.boolean().default(false),
      })
      .prefault({}),
    auth: z
      .strictObject({
        // An empty value (e.g. "${SWITCHBOARD_MASTER_KEY:-}") means "no master key".
        masterKey: z
          .string()
          .optional()
          .transform((value) => (value === "" ? undefined : value))
          .refine(
            (value) => value === undefined || value.length >= 8,
            "the master key must be at least 8 characters",
          ),
      })
      .prefault({}),
    models: z.array(modelEntrySchema).default([]),
    // Names clients send → configured groups (or wildcard-served provider/model names).
    modelAliases: z.record(z.string().min(1), z.string().min(1)).default({}),
    logging: z
      .strictObject({
        level: z
          .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
          .default("info"),
        // json: one line per event on stdout (pino); pretty: for a terminal.
        format: z.enum(["json", "pretty"]).default("json"),
        // Keep each request's prompt and answer with its log row (secrets redacted) for audit.
        storeBodies: z.boolean().default(false),
      })
      .prefault({}),
    retention: z
      .strictObject({
        // Older request logs (and their bodies) are pruned; daily rollups keep spend exact.
        requestLogsDays: positiveInteger.default(90),
      })
      .prefault({}),
    // Limits every GraphQL operation must pass (HTTP, SSE, WebSocket); the shipped client and
    // dashboard need at most depth 9, 3 aliases, cost 800, 2 nested lists and 250 tokens.
    graphql: z
      .strictObject({
        maxDepth: positiveInteger.default(12),
        maxAliases: positiveInteger.default(30),
        maxTokens: positiveInteger.default(5_000),
        // GraphQL Armor's cost: objects 2, scalars 1, x1.5 per level, x`first`; a page of 500
        // request logs with a dozen fields is ~37,000, one of 1000 with every field ~107,000.
        maxCost: positiveInteger.default(50_000),
        // List fields along one path: teams { apiKeys { team { apiKeys } } } is 3 (teams x keys^2 rows).
        maxListNesting: positiveInteger.default(3),
        // Operations in one JSON array body (a batch).
        maxBatch: positiveInteger.default(10),
        // Unset: on without a master key (local development), off with one.
        introspection: z.boolean().optional(),
        graphiql: z.boolean().optional(),
      })
      .prefault({}),
    metrics: z
      .strictObject({
        // When set, /metrics answers only `Authorization: Bearer <apiKey>`.
        apiKey: z.string().min(8).optional(),
      })
      .prefault({}),
    router: z
      .strictObject({
        strategy: z
          .enum(["simple-shuffle", "least-busy", "latency", "usage", "cost"])
          .default("simple-shuffle"),
        retries: z.int().min(0).max(10).default(2),
        timeoutMs: positiveInteger.default(600_000),
        // One non-streaming upstream attempt; past it the attempt fails over like a 5xx (within timeoutMs).
        attemptTimeoutMs: positiveInteger.default(60_000),
        // A stream attempt with no first chunk within this fails over; after it, a gap this long ends the stream with an error.
        firstTokenTimeoutMs: positiveInteger.default(120_000),
        streamIdleTimeoutMs: positiveInteger.default(60_000),
        fallbacks: modelListSchema.default({}),
        contextWindowFallbacks: modelListSchema.default({}),
        contentPolicyFallbacks: modelListSchema.default({}),
        cooldown: z
          .strictObject({
            failures: positiveInteger.default(3),
            seconds: z.number().nonnegative().default(30),
          })
          .prefault({}),
      })
      .prefault({}),
  })
  .superRefine((config, context) => {
    const { fallbacks, contextWindowFallbacks, contentPolicyFallbacks } = config.router;
    for (const [field, chains] of [
      ["fallbacks", fallbacks],
      ["contextWindowFallbacks", contextWindowFallbacks],
      ["contentPolicyFallbacks", contentPolicyFallbacks],
    ] as const) {
      for (const [path, problem] of fallbackProblems(
        chains,
        new Set(config.models.map((model) => model.name)),
      )) {
        context.addIssue({ code: "custom", path: ["router", field, ...path], message: problem });
      }
    }
    for (const [path, message] of modelAliasProblems(config.models, config.modelAliases))
      context.addIssue({ code: "custom", path, message });
  });

/**
 * What is wrong with a fallback map: a name that is no configured model, and chains that loop
 * (`a → b → a`), which would send a failing request round in circles.
 */
function fallbackProblems(
  chains: Record<string, string[]>,
  modelNames: Set<string>,
): Array<[string[], string]> {
  const problems: Array<[string[], string]> = [];
  for (const [model, targets] of Object.entries(chains)) {
    if (!modelNames.has(model))
      problems.push([[model], `'${model}' is not a model name in models[]`]);
    targets.forEach((target, index) => {
      if (!modelNames.has(target))
        problems.push([[model, String(index)], `'${target}' is not a model name in models[]`]);
    });
  }
  const visiting: string[] = [];
  const done = new Set<string>();
  const visit = (model: string): void => {
    if (done.has(model)) return;
    const loopStart = visiting.indexOf(model);
    if (loopStart >= 0) {
      const loop = [...visiting.slice(loopStart), model];
      problems.push([[loop[0]], `fallbacks loop: ${loop.join(" → ")}`]);
      return;
    }
    visiting.push(model);
    for (const target of chains[model] ?? []) visit(target);
    visiting.pop();
    done.add(model);
  };
  for (const model of Object.keys(chains)) visit(model);
  return problems;
}

export type Config = z.output<typeof configSchema>;
export type ModelEntry = Config["models"][number];
export type ProviderName = (typeof providerNames)[number];

/** Raised when the configuration cannot be used; `problems` lists every one found. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** What the command line may set on top of (or instead of) the file. */
export interface ConfigOverrides {
  configPath?: string;
  port?: number;
  host?: string;
  model?: string;
  apiKey?: string;
  apiBase?: string;
  /** `--demo`: add the built-in echo model (provider `demo`) for a first run without provider keys. */
  demo?: boolean;
}

/**
 * The model `--demo` adds: the `demo` provider's echo model, priced like a small hosted model
 * so spend and budgets show real numbers.
 */
export const demoModelEntry = {
  name: "demo-echo",
  provider: "demo",
  model: "echo",
  contextWindow: 128_000,
  maxOutputTokens: 4_096,
  pricing: { inputPerMillion: 0.5, outputPerMillion: 1.5 },
  capabilities: { tools: false, vision: false, jsonSchema: false, embeddings: false },
} as const;

const loopbackHosts = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return loopbackHosts.has(host) || host.startsWith("127.");
}

/**
 * Builds the configuration: `configPath` (or ./switchboard.yaml when present), then CLI overrides.
 * A LiteLLM proxy config (top-level `model_list`) is translated first; what it mapped and
 * ignored is added to `notices`. Throws ConfigError listing every problem at once.
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  environment: NodeJS.ProcessEnv = process.env,
  workingDirectory = process.cwd(),
  notices: string[] = [],
): Config {
  const defaultPath = path.join(workingDirectory, "switchboard.yaml");
  const configPath = overrides.configPath
    ? path.resolve(workingDirectory, overrides.configPath)
    : existsSync(defaultPath)
      ? defaultPath
      : undefined;
  const source = configPath ?? "defaults";
  const problems: string[] = [];
  const { raw: given, keyOf } = readAsSwitchboardConfig(
    configPath ? readConfigFile(configPath, problems) : defaultsFromEnvironment(environment),
    { source, problems, notices },
  );
  const raw = resolveEnvironment(given, { source, environment, problems, overrides, keyOf });
  fillMasterKeyFromEnvironment(raw, environment);
  const parsed = validate(raw, source, problems, keyOf);
  // Checked on the raw values too, so this problem is listed with the others.
  const server = (raw.server ?? {}) as { host?: unknown };
  const host = typeof server.host === "string" ? server.host : "127.0.0.1";
  const masterKey = (raw.auth as { masterKey?: unknown } | undefined)?.masterKey;
  if (!masterKey && !isLoopbackHost(host)) {
    problems.push(
      `refusing to listen on ${host} without a master key: authentication is off without one, so Switchboard serves only on loopback. ` +
        `Set auth.masterKey in the config (or SWITCHBOARD_MASTER_KEY), or use --host 127.0.0.1.`,
    );
  }
  if (problems.length > 0 || !parsed) throw new ConfigError(problems);
  return parsed;
}

/** The config as the YAML file's shape, written as a JavaScript object (defaults not applied yet). */
export type ConfigObject = z.input<typeof configSchema>;

/** An in-process gateway's configuration, and whether it asked for a database. */
export interface LibraryConfig {
  config: Config;
  /** `database` was in the file or object: the server defaults to a SQLite file, the SDK to none. */
  databaseConfigured: boolean;
}

/**
 * The configuration of an in-process gateway (the SDK): a YAML file's path (relative to
 * `workingDirectory`), the same shape as an object, or nothing — then one wildcard model per
 * provider whose key is in the environment, as the CLI does without a file (no ./switchboard.yaml
 * is read implicitly). The same `${ENV}` substitution, environment defaults and validation as
 * loadConfig, every problem in one ConfigError; no server checks, since nothing listens.
 */
export function loadLibraryConfig(
  input?: string | ConfigObject,
  environment: NodeJS.ProcessEnv = process.env,
  workingDirectory = process.cwd(),
): LibraryConfig {
  const problems: string[] = [];
  const configPath = typeof input === "string" ? path.resolve(workingDirectory, input) : undefined;
  const source = configPath ?? (input === undefined ? "defaults" : "config object");
  if (
    input !== undefined &&
    typeof input !== "string" &&
    (typeof input !== "object" || input === null || Array.isArray(input))
  ) {
    throw new ConfigError([
      `${source}: the configuration must be a file path or an object (models, router, ...)`,
    ]);
  }
  const { raw: given, keyOf } = readAsSwitchboardConfig(
    configPath
      ? readConfigFile(configPath, problems)
      : input === undefined
        ? defaultsFromEnvironment(environment)
        : (input as Record<string, unknown>),
    { source, problems, notices: [] },
  );
  const raw = resolveEnvironment(given, { source, environment, problems, keyOf });
  const config = validate(raw, source, problems, keyOf);
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { config, databaseConfigured: raw.database !== undefined };
}

/**
 * `${ENV}` substituted (a copy: the given object is not changed), the CLI's overrides applied,
 * and model entries completed from the environment. Unset variables are added to `problems`.
 */
function resolveEnvironment(
  raw: Record<string, unknown>,
  {
    source,
    environment,
    problems,
    overrides = {},
    keyOf = (fieldPath) => fieldPath,
  }: {
    source: string;
    environment: NodeJS.ProcessEnv;
    problems: string[];
    overrides?: ConfigOverrides;
    /** How problems name a field: a LiteLLM config's by its own keys. */
    keyOf?: (fieldPath: string) => string;
  },
): Record<string, unknown> {
  const resolved = substituteEnvironment(raw, environment, (fieldPath, name) =>
    problems.push(`${source}: ${keyOf(fieldPath)}: environment variable ${name} is not set`),
  ) as Record<string, unknown>;
  applyOverrides(resolved, overrides, environment);
  if (Array.isArray(resolved.models))
    resolved.models = resolved.models.map((entry) =>
      entry && typeof entry === "object"
        ? completeFromEnvironment(entry as Record<string, unknown>, environment)
        : entry,
    );
  return resolved;
}

/** The validated config, or undefined with every schema problem added to `problems`, each naming its field. */
function validate(
  raw: Record<string, unknown>,
  source: string,
  problems: string[],
  keyOf: (fieldPath: string) => string = (fieldPath) => fieldPath,
): Config | undefined {
  const parsed = configSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    problems.push(`${source}: ${keyOf(formatPath(issue.path)) || "(root)"}: ${issue.message}`);
  return undefined;
}

function readConfigFile(configPath: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(configPath, "utf8");
  } catch (error) {
    throw new ConfigError([`${configPath}: cannot read the file (${(error as Error).message})`]);
  }
  try {
    const document = parseYaml(text) ?? {};
    if (typeof document !== "object" || Array.isArray(document)) {
      problems.push(`${configPath}: the file must be a YAML mapping (server:, models:, ...)`);
      return {};
    }
    return document as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError([`${configPath}: not valid YAML: ${(error as Error).message}`]);
  }
}

function applyOverrides(
  raw: Record<string, unknown>,
  overrides: ConfigOverrides,
  environment: NodeJS.ProcessEnv,
): void {
  if (overrides.port !== undefined || overrides.host !== undefined) {
    const server = { ...(raw.server as Record<string, unknown> | undefined) };
    if (overrides.port !== undefined) server.port = overrides.port;
    if (overrides.host !== undefined) server.host = overrides.host;
    raw.server = server;
  }
  if (overrides.model) {
    const separator = overrides.model.indexOf("/");
    const named = separator > 0 ? overrides.model.slice(0, separator) : undefined;
    const provider =
      named && (providerNames as readonly string[]).includes(named)
        ? named
        : overrides.apiBase
          ? "openai-compatible"
          : "openai";
    const upstreamModel =
      named === provider ? overrides.model.slice(separator + 1) : overrides.model;
    const keyVariable = providerKeyVariables[provider];
    const apiKey = overrides.apiKey ?? (keyVariable ? environment[keyVariable] : undefined);
    const entry = {
      name: upstreamModel,
      provider,
      model: upstreamModel,
      ...(apiKey ? { apiKey } : {}),
      ...(overrides.apiBase ? { apiBase: overrides.apiBase } : {}),
    };
    raw.models = [
      ...((raw.models as unknown[] | undefined) ?? []).filter((model) => !isWildcardEntry(model)),
      entry,
    ];
  }
  if (overrides.demo)
    raw.models = [...((raw.models as unknown[] | undefined) ?? []), { ...demoModelEntry }];
}

function isWildcardEntry(model: unknown): boolean {
  return (
    typeof model === "object" &&
    model !== null &&
    String((model as { name?: unknown }).name).endsWith("/*")
  );
}

/** Every model name the config serves: each entry's group name and provider model id (token encodings are chosen by them). */
export function configuredModelNames(config: Pick<Config, "models">): string[] {
  return config.models.flatMap((entry) => (entry.model ? [entry.name, entry.model] : [entry.name]));
}
