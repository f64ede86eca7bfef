import { LRUCache } from "lru-cache";
import type { ModelEntry } from "../config.ts";
import { GatewayError } from "./errors.ts";
import { collectModelAliases } from "./model-aliases.ts";
import type { ModelPrice } from "./pricing.ts";
import type { ProviderAdapter } from "./spec.ts";

/** One configured upstream that can serve a model: a provider, its credentials and an upstream model id. */
export interface Deployment {
  /** Stable id shown to callers and logged, e.g. "openai:gpt-4o#0" (#n = the config entry). */
  id: string;
  /**
   * The id of the config entry's own deployment: `id` itself for a configured model, the
   * entry's (e.g. "openai:openai/*#2") for a model a caller named through a wildcard or a
   * `provider/` prefix. Counters kept per deployment (rate limits, metric labels) use it, so they
   * grow with the config and never with the names callers invent.
   */
  entryId: string;
  /** The model group (the name callers send). */
  group: string;
  provider: string;
  /** The model id sent upstream. */
  model: string;
  entry: ModelEntry;
  adapter: ProviderAdapter;
  price?: ModelPrice;
}

/** What callers are told about the deployment that answered (an answer from the response cache has no live one). */
export type DeploymentIdentity = Pick<Deployment, "id" | "group" | "provider" | "model">;

/** A model name as callers see it: `models` lists these. */
export interface ModelGroup {
  name: string;
  deployments: Deployment[];
  /** True for `provider/*` entries, which serve any model of that provider. */
  isWildcard: boolean;
}

export interface RouterOptions {
  models: ModelEntry[];
  /** Config `modelAliases` (entries' own `aliases` are read from `models`): names that mean a group. */
  aliases?: Readonly<Record<string, string>>;
  createAdapter(entry: ModelEntry): ProviderAdapter;
  priceFor(provider: string, model: string, entry: ModelEntry): ModelPrice | undefined;
  /** Injected for deterministic tests. */
  random?: () => number;
  /** How many deployments made for callers' own model names (`openai/<anything>`) are kept for reuse (least recently used go first). */
  maxCallerDeployments?: number;
}

/**
 * Resolves the model a caller names to the deployments that may serve it, in the order to try
 * (an alias first becomes the name it stands for, `resolveModel`):
 * 1. a configured group with that exact name (weighted shuffle across its entries),
 * 2. a wildcard entry (`openai/*`) whose prefix matches,
 * 3. `provider/model` when that provider's credentials are configured on any entry.
 */
export function createRouter({
  models,
  aliases: configuredAliases,
  createAdapter,
  priceFor,
  random = Math.random,
  maxCallerDeployments = 1_000,
}: RouterOptions) {
  const adapters = new Map<ModelEntry, ProviderAdapter>();
  // The config's own deployments are kept for good; those made for names a caller chose are an
  // LRU, so a flood of invented `openai/<uuid>` names cannot grow memory.
  const configuredDeployments = new Map<string, Deployment>();
  const callerDeployments = new LRUCache<string, Deployment>({ max: maxCallerDeployments });

  function entryIdOf(entry: ModelEntry, index = models.indexOf(entry)): string {
    return `${entry.provider}:${entry.model ?? entry.name}#${index}`;
  }

  function deploymentFor(entry: ModelEntry, group: string, upstreamModel: string): Deployment {
    const index = models.indexOf(entry);
    const id = `${entry.provider}:${upstreamModel}#${index}`;
    const entryId = entryIdOf(entry, index);
    const cache = id === entryId ? configuredDeployments : callerDeployments;
    let deployment = cache.get(id);
    if (!deployment) {
      let adapter = adapters.get(entry);
      if (!adapter) adapters.set(entry, (adapter = createAdapter(entry)));
      deployment = {
        id,
        entryId,
        group,
        provider: entry.provider,
        model: upstreamModel,
        entry,
        adapter,
        price: priceFor(entry.provider, upstreamModel, entry),
      };
      cache.set(id, deployment);
    }
    return deployment;
  }

  const groups = new Map<string, ModelEntry[]>();
  for (const entry of models) groups.set(entry.name, [...(groups.get(entry.name) ?? []), entry]);
  const aliases = collectModelAliases(models, configuredAliases);

  /**
   * The name `requestedModel` stands for: an alias's group (or provider/model name), any other
   * name as it is. Every surface's request is resolved through here (the completions service),
   * so an alias reaches the same group, allow-list check and fallbacks as the group's own name.
   */
  function resolveModel(requestedModel: string): string {
    return aliases.get(requestedModel) ?? requestedModel;
  }

  function weightedShuffle(entries: ModelEntry[]): ModelEntry[] {
    const remaining = [...entries];
    const ordered: ModelEntry[] = [];
    while (remaining.length > 0) {
      const total = remaining.reduce((sum, entry) => sum + entry.weight, 0);
      let point = random() * total;
      const index = Math.max(
        0,
        remaining.findIndex((entry) => (point -= entry.weight) < 0),
      );
      ordered.push(...remaining.splice(index, 1));
    }
    return ordered;
  }

  /** The ordered deployments for `requestedModel`; throws MODEL_NOT_FOUND naming what is served. */
  function plan(requestedModel: string): Deployment[] {
    const { entries, upstreamModel, group } = match(requestedModel);
    return weightedShuffle(entries).map((entry) =>
      deploymentFor(entry, group, upstreamModel ?? entry.model ?? entry.name),
    );
  }

  /**
   * Throws MODEL_NOT_FOUND unless `requestedModel` is served, without planning a route: a
   * caller's model list is checked whole before anything is sent.
   */
  function assertServed(requestedModel: string): void {
    match(requestedModel);
  }

  /**
   * The config entries that serve `requestedModel` (an alias resolved), the name they serve it
   * as (`group`), and the upstream model id when the name carries it (`provider/model`).
   */
  function match(requestedModel: string): {
    entries: ModelEntry[];
    group: string;
    upstreamModel?: string;
  } {
    const group = resolveModel(requestedModel);
    const exact = groups.get(group);
    // A wildcard entry's own name ("openai/*") is a pattern, never a model to call.
    if (group.endsWith("*")) throw notFound(requestedModel);
    if (exact) return { entries: exact, group };
    const separator = group.indexOf("/");
    if (separator > 0 && separator < group.length - 1) {
      const prefix = group.slice(0, separator);
      const upstreamModel = group.slice(separator + 1);
      const wildcard = groups.get(`${prefix}/*`);
      const sameProvider =
        wildcard ?? models.filter((entry) => entry.provider === prefix).slice(0, 1);
      if (sameProvider.length > 0) return { entries: sameProvider, group, upstreamModel };
    }
    throw notFound(requestedModel);
  }

  /**
   * What `requestedModel` is when something serves it: the name it resolves to (an alias's
   * target) and the provider of the entry that would answer; undefined otherwise. Plans nothing
   * (GET /v1/models/{id}).
   */
  function describeModel(requestedModel: string): { name: string; provider: string } | undefined {
    try {
      const { entries, group } = match(requestedModel);
      return { name: group, provider: entries[0].provider };
    } catch {
      return undefined;
    }
  }

  /** Every alias with the name it stands for, in config order (GET /v1/models lists them). */
  function listAliases(): Array<{ alias: string; target: string }> {
    return [...aliases].map(([alias, target]) => ({ alias, target }));
  }

  function notFound(requestedModel: string): GatewayError {
    return new GatewayError(
      "MODEL_NOT_FOUND",
      `The model '${requestedModel}' is not served by this gateway. Served: ${describeServed()}.`,
      { param: "model" },
    );
  }

  function describeServed(): string {
    return groups.size === 0
      ? "none (configure models or set a provider key such as OPENAI_API_KEY)"
      : [...groups.keys()].join(", ");
  }

  /** Every configured model name with its deployments (wildcards show their configured id). */
  function listGroups(): ModelGroup[] {
    return [...groups.entries()].map(([name, entries]) => ({
      name,
      isWildcard: name.endsWith("/*"),
      deployments: entries.map((entry) => deploymentFor(entry, name, entry.model ?? entry.name)),
    }));
  }

  /**
   * The configured name a metric may count `requestedModel` under: the group's own name, or the
   * wildcard (`openai/*`) or provider prefix that serves it; undefined for a name nothing serves.
   */
  function configuredNameOf(requestedModel: string): string | undefined {
    // An alias counts under the group it stands for, so a group's numbers are in one series.
    const group = resolveModel(requestedModel);
    if (groups.has(group) && !group.endsWith("*")) return group;
    try {
      match(group);
      // Served, but not by its own name: through `prefix/*` or the provider named `prefix`.
      return `${group.slice(0, group.indexOf("/"))}/*`;
    } catch {
      return undefined;
    }
  }

  /** The config entry's deployment id (`entryId`) of any deployment id this router made; undefined for one it did not. */
  function entryIdOfDeployment(deploymentId: string): string | undefined {
    const index = /#(\d+)$/.exec(deploymentId)?.[1];
    const entry = index === undefined ? undefined : models[Number(index)];
    return entry && entryIdOf(entry, Number(index));
  }

  /** Deployments kept for callers' own model names (at most maxCallerDeployments). */
  function callerDeploymentCount(): number {
    return callerDeployments.size;
  }

  return {
    plan,
    assertServed,
    resolveModel,
    describeModel,
    listAliases,
    listGroups,
    configuredNameOf,
    entryIdOfDeployment,
    callerDeploymentCount,
  };
}

export type Router = ReturnType<typeof createRouter>;
