import type { ModelPrice } from "../../gateway/pricing.ts";
import type { Router } from "../../gateway/router.ts";

export interface ModelView {
  name: string;
  provider: string;
  isWildcard: boolean;
  contextWindow: number | null;
  maxOutputTokens: number | null;
  price: ModelPrice | undefined;
  deployments: Array<{ id: string; provider: string; model: string; healthy: boolean }>;
}

/** What the caller may use: every configured model name with its deployments and prices. */
export function createModelsService({ router }: { router: Router }) {
  function list(): ModelView[] {
    return router.listGroups().map((group) => {
      const [first] = group.deployments;
      return {
        name: group.name,
        provider: first.provider,
        isWildcard: group.isWildcard,
        contextWindow: first.entry.contextWindow ?? first.price?.contextWindow ?? null,
        maxOutputTokens: first.entry.maxOutputTokens ?? null,
        price: group.isWildcard ? undefined : first.price,
        // Health (cooldowns) arrives with the routing work; until then every deployment is in service.
        deployments: group.deployments.map((deployment) => ({ id: deployment.id, provider: deployment.provider, model: deployment.model, healthy: true })),
      };
    });
  }
  return { list };
}
