import {
  createModelCatalog,
  type DescribeModel,
  type ModelCapabilities,
} from "../../gateway/model-catalog.ts";
import type { DeploymentHealth } from "../../gateway/deployment-health.ts";
import type { ModelPrice } from "../../gateway/pricing.ts";
import type { Router } from "../../gateway/router.ts";

export interface ModelView {
  name: string;
  provider: string;
  isWildcard: boolean;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  capabilities: ModelCapabilities;
  price: ModelPrice | undefined;
  deployments: Array<{
    id: string;
    provider: string;
    model: string;
    healthy: boolean;
    cooldownUntil: Date | null;
    inFlight: number;
    latencyMs: number | null;
    timeToFirstTokenMs: number | null;
  }>;
}

/**
 * What the caller may use: every configured model name with its deployments, prices, limits
 * and capabilities (the group's first deployment speaks for the group).
 */
export function createModelsService({
  router,
  health,
  describeModel = createModelCatalog(),
}: {
  router: Router;
  health?: DeploymentHealth;
  describeModel?: DescribeModel;
}) {
  function list(): ModelView[] {
    return router.listGroups().map((group) => {
      const [first] = group.deployments;
      const facts = describeModel({
        provider: first.provider,
        model: first.model,
        servesEmbeddings: typeof first.adapter.embed === "function",
        overrides: {
          contextWindow: first.entry.contextWindow ?? first.price?.contextWindow,
          maxOutputTokens: first.entry.maxOutputTokens,
          capabilities: first.entry.capabilities,
        },
      });
      return {
        name: group.name,
        provider: first.provider,
        isWildcard: group.isWildcard,
        contextWindow: facts.contextWindow,
        maxOutputTokens: facts.maxOutputTokens,
        capabilities: facts.capabilities,
        price: group.isWildcard ? undefined : first.price,
        deployments: group.deployments.map((deployment) => {
          const snapshot = health?.snapshot(deployment.id);
          return {
            id: deployment.id,
            provider: deployment.provider,
            model: deployment.model,
            healthy: !snapshot?.coolingDown,
            cooldownUntil: snapshot?.cooldownUntil ?? null,
            inFlight: snapshot?.inFlight ?? 0,
            latencyMs: snapshot?.latencyMs == null ? null : Math.round(snapshot.latencyMs),
            timeToFirstTokenMs:
              snapshot?.timeToFirstTokenMs == null ? null : Math.round(snapshot.timeToFirstTokenMs),
          };
        }),
      };
    });
  }

  /**
   * The configured aliases (modelAliases) with the group each stands for and that group's
   * provider; an alias whose target nothing serves any more is left out.
   */
  function aliases(): Array<{ name: string; target: string; provider: string }> {
    return router.listAliases().flatMap(({ alias, target }) => {
      const served = router.describeModel(alias);
      return served ? [{ name: alias, target, provider: served.provider }] : [];
    });
  }

  /**
   * One model as a caller may name it (a group, an alias or a provider/model name a wildcard
   * serves): the name it resolves to and its provider; undefined when nothing serves it.
   */
  function find(name: string): { name: string; provider: string } | undefined {
    const served = router.describeModel(name);
    if (served) return served;
    // A wildcard entry's own name ("openai/*") serves nothing itself, but `models` lists it.
    const group = router.listGroups().find((candidate) => candidate.name === name);
    return group && { name, provider: group.deployments[0].provider };
  }

  return { list, aliases, find };
}
