import type { ModelEntry } from "../config.ts";
import { GatewayError } from "./errors.ts";
import type { ModelPrice } from "./pricing.ts";
import type { ProviderAdapter } from "./spec.ts";

/** One configured upstream that can serve a model: a provider, its credentials and an upstream model id. */
export interface Deployment {
  /** Stable id shown to callers and logged, e.g. "openai:gpt-4o#0" (#n = the config entry). */
  id: string;
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
  createAdapter(entry: ModelEntry): ProviderAdapter;
  priceFor(provider: string, model: string, entry: ModelEntry): ModelPrice | undefined;
  /** Injected for deterministic tests. */
  random?: () => number;
}

/**
 * Resolves the model a caller names to the deployments that may serve it, in the order to try:
 * 1. a configured group with that exact name (weighted shuffle across its entries),
 * 2. a wildcard entry (`openai/*`) whose prefix matches,
 * 3. `provider/model` when that provider's credentials are configured on any entry.
 */
export function createRouter({
  models,
  createAdapter,
  priceFor,
  random = Math.random,
}: RouterOptions) {
  const adapters = new Map<ModelEntry, ProviderAdapter>();
  const deploymentCache = new Map<string, Deployment>();

  function deploymentFor(entry: ModelEntry, group: string, upstreamModel: string): Deployment {
    const index = models.indexOf(entry);
    const id = `${entry.provider}:${upstreamModel}#${index}`;
    let deployment = deploymentCache.get(id);
    if (!deployment) {
      let adapter = adapters.get(entry);
      if (!adapter) adapters.set(entry, (adapter = createAdapter(entry)));
      deployment = {
        id,
        group,
        provider: entry.provider,
        model: upstreamModel,
        entry,
        adapter,
        price: priceFor(entry.provider, upstreamModel, entry),
      };
      deploymentCache.set(id, deployment);
    }
    return deployment;
  }

  const groups = new Map<string, ModelEntry[]>();
  for (const entry of models) groups.set(entry.name, [...(groups.get(entry.name) ?? []), entry]);

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
    const { entries, upstreamModel } = match(requestedModel);
    return weightedShuffle(entries).map((entry) =>
      deploymentFor(entry, requestedModel, upstreamModel ?? entry.model ?? entry.name),
    );
  }

  /**
   * Throws MODEL_NOT_FOUND unless `requestedModel` is served, without planning a route: a
   * caller's model list is checked whole before anything is sent.
   */
  function assertServed(requestedModel: string): void {
    match(requestedModel);
  }

  /** The config entries that serve `requestedModel`, and the upstream model id when the name carries it (`provider/model`). */
  function match(requestedModel: string): { entries: ModelEntry[]; upstreamModel?: string } {
    const exact = groups.get(requestedModel);
    // A wildcard entry's own name ("openai/*") is a pattern, never a model to call.
    if (requestedModel.endsWith("*")) throw notFound(requestedModel);
    if (exact) return { entries: exact };
    const separator = requestedModel.indexOf("/");
    if (separator > 0 && separator < requestedModel.length - 1) {
      const prefix = requestedModel.slice(0, separator);
      const upstreamModel = requestedModel.slice(separator + 1);
      const wildcard = groups.get(`${prefix}/*`);
      const sameProvider =
        wildcard ?? models.filter((entry) => entry.provider === prefix).slice(0, 1);
      if (sameProvider.length > 0) return { entries: sameProvider, upstreamModel };
    }
    throw notFound(requestedModel);
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

  return { plan, assertServed, listGroups };
}

export type Router = ReturnType<typeof createRouter>;
