import type { ProviderName } from "./config.ts";

/*
 * What the configuration takes from the environment (DESIGN §2, §3): `${VAR}` substitution,
 * models detected from provider keys when there is no config file, and provider credentials a
 * model entry leaves to the environment. Every function is given the environment: only
 * config.ts reads process.env (DESIGN §10.6).
 */

/** The environment variable each key-based provider's API key is conventionally in. */
export const providerKeyVariables: Record<string, string> = {
  openai: "OPENAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
  gemini: "GEMINI_API_KEY",
  deepseek: "DEEPSEEK_API_KEY",
  azure: "AZURE_API_KEY",
};

/**
 * Without a config file, one wildcard entry (`<provider>/*`) per provider whose credentials are
 * in the environment (DESIGN §2), so `model: "anthropic/claude-sonnet-4"` works at once.
 */
function environmentModels(environment: NodeJS.ProcessEnv): Array<Record<string, unknown>> {
  const variable = (...names: string[]) =>
    names.map((name) => environment[name]).find((value) => value !== undefined && value !== "");
  const wildcard = (provider: ProviderName, fields: Record<string, string | undefined>) => ({
    name: `${provider}/*`,
    provider,
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)),
  });
  const models: Array<Record<string, unknown>> = [];
  const openAIKey = variable("OPENAI_API_KEY");
  if (openAIKey)
    models.push(wildcard("openai", { apiKey: openAIKey, apiBase: variable("OPENAI_BASE_URL") }));
  const anthropicKey = variable("ANTHROPIC_API_KEY");
  if (anthropicKey)
    models.push(
      wildcard("anthropic", { apiKey: anthropicKey, apiBase: variable("ANTHROPIC_BASE_URL") }),
    );
  const geminiKey = variable("GEMINI_API_KEY", "GOOGLE_API_KEY");
  if (geminiKey) models.push(wildcard("gemini", { apiKey: geminiKey }));
  const deepseekKey = variable("DEEPSEEK_API_KEY");
  if (deepseekKey)
    models.push(
      wildcard("deepseek", { apiKey: deepseekKey, apiBase: variable("DEEPSEEK_BASE_URL") }),
    );
  const azureKey = variable("AZURE_API_KEY", "AZURE_OPENAI_API_KEY");
  const azureBase = variable("AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT");
  if (azureKey && azureBase)
    models.push(
      wildcard("azure", {
        apiKey: azureKey,
        apiBase: azureBase,
        apiVersion: variable("AZURE_API_VERSION", "OPENAI_API_VERSION"),
      }),
    );
  if (
    variable("AWS_ACCESS_KEY_ID") &&
    variable("AWS_SECRET_ACCESS_KEY") &&
    variable("AWS_REGION", "AWS_DEFAULT_REGION")
  ) {
    // Region and credentials are filled in from the environment like any bedrock entry's.
    models.push(wildcard("bedrock", {}), wildcard("sagemaker", {}));
  }
  if (
    variable("GOOGLE_APPLICATION_CREDENTIALS") &&
    variable("VERTEX_PROJECT", "GOOGLE_CLOUD_PROJECT")
  )
    models.push(wildcard("vertex", {}));
  const ollamaHost = variable("OLLAMA_HOST");
  if (ollamaHost)
    models.push(
      wildcard("ollama", {
        apiBase: /^https?:\/\//.test(ollamaHost) ? ollamaHost : `http://${ollamaHost}`,
      }),
    );
  return models;
}

/**
 * Fields a model entry may leave to the environment, as each provider's own SDK does: AWS
 * credentials and region for bedrock and sagemaker, the service-account file, project and
 * location for vertex. Applied to config-file entries and environment wildcards alike.
 */
export function completeFromEnvironment(
  entry: Record<string, unknown>,
  environment: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const variable = (...names: string[]) =>
    names.map((name) => environment[name]).find((value) => value !== undefined && value !== "");
  const defaults: Record<string, string | undefined> =
    entry.provider === "bedrock" || entry.provider === "sagemaker"
      ? {
          region: variable("AWS_REGION", "AWS_DEFAULT_REGION"),
          accessKeyId: variable("AWS_ACCESS_KEY_ID"),
          secretAccessKey: variable("AWS_SECRET_ACCESS_KEY"),
          // A session token belongs to the environment's key pair only.
          sessionToken: entry.accessKeyId === undefined ? variable("AWS_SESSION_TOKEN") : undefined,
        }
      : entry.provider === "vertex"
        ? {
            credentials:
              entry.apiKey === undefined ? variable("GOOGLE_APPLICATION_CREDENTIALS") : undefined,
            project: variable("VERTEX_PROJECT", "GOOGLE_CLOUD_PROJECT"),
            location: variable("VERTEX_LOCATION", "GOOGLE_CLOUD_LOCATION"),
          }
        : {};
  const completed = { ...entry };
  for (const [field, value] of Object.entries(defaults))
    if (completed[field] === undefined && value !== undefined) completed[field] = value;
  return completed;
}

/** Without a config file: the models the environment's provider keys give. */
export function defaultsFromEnvironment(environment: NodeJS.ProcessEnv): Record<string, unknown> {
  return { models: environmentModels(environment) };
}

function isPlainObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `SWITCHBOARD_MASTER_KEY` fills `auth.masterKey` when the configuration (a file or none) leaves
 * it unset or empty; a key the file sets itself wins, so what is written is what runs.
 */
export function fillMasterKeyFromEnvironment(
  raw: Record<string, unknown>,
  environment: NodeJS.ProcessEnv,
): void {
  const masterKey = environment.SWITCHBOARD_MASTER_KEY;
  // An auth that is not an object is left for validation to report.
  if (!masterKey || (raw.auth !== undefined && !isPlainObject(raw.auth))) return;
  const auth = (raw.auth ?? {}) as Record<string, unknown>;
  if (auth.masterKey !== undefined && auth.masterKey !== "") return;
  raw.auth = { ...auth, masterKey };
}

const environmentReference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` and `${NAME:-default}` in every string; reports unset names by field. */
export function substituteEnvironment(
  value: unknown,
  environment: NodeJS.ProcessEnv,
  onMissing: (fieldPath: string, name: string) => void,
  fieldPath: PropertyKey[] = [],
): unknown {
  if (typeof value === "string") {
    return value.replace(
      environmentReference,
      (_match, name: string, fallback: string | undefined) => {
        const found = environment[name];
        if (found !== undefined && found !== "") return found;
        if (fallback !== undefined) return fallback;
        onMissing(formatPath(fieldPath), name);
        return "";
      },
    );
  }
  if (Array.isArray(value))
    return value.map((item, index) =>
      substituteEnvironment(item, environment, onMissing, [...fieldPath, index]),
    );
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        substituteEnvironment(item, environment, onMissing, [...fieldPath, key]),
      ]),
    );
  }
  return value;
}

/** A field path as the problems name it: `models[0].apiKey`. */
export function formatPath(fieldPath: readonly PropertyKey[]): string {
  return fieldPath.reduce<string>(
    (text, part) =>
      typeof part === "number"
        ? `${text}[${part}]`
        : text
          ? `${text}.${String(part)}`
          : String(part),
    "",
  );
}
