import type { BudgetLedger } from "../../gateway/budget.ts";
import { GatewayError } from "../../gateway/errors.ts";
import { costNanoUsd } from "../../gateway/pricing.ts";
import type { Principal } from "../../gateway/principal.ts";
import type { LimitScope, RateLimiter } from "../../gateway/rate-limit.ts";
import type { Deployment } from "../../gateway/router.ts";
import type { BudgetsService } from "../budgets/budgets.service.ts";
import type { KeyDirectory } from "../keys/key-directory.ts";
import { tokenCountOf, type TokenEstimate } from "../../gateway/tokens.ts";
import type { RequestCharge } from "../../gateway/usage-accounting.ts";
import {
  type Admission,
  type AdmissionRequest,
  type Admit,
  DeploymentAtLimitError,
} from "../../gateway/admission.ts";

/**
 * A budget cannot bind on a model whose price is unknown (it would cost 0 and reserve nothing),
 * so a caller with a budget is refused it, naming the fix; callers without one are served.
 */
function unpricedModelError(deployment: Deployment): GatewayError {
  return new GatewayError(
    "BAD_REQUEST",
    `Model '${deployment.group}' (${deployment.provider} '${deployment.model}') has no known price, so the budget on this key or team cannot be enforced on it. Add pricing: { inputPerMillion, outputPerMillion } (USD per million tokens) to model '${deployment.entry.name}' in switchboard.yaml, or refresh the price data with 'switchboard prices --update'.`,
    { param: "model" },
  );
}

/** Output tokens assumed when neither the caller, the config nor the catalog caps them. */
const defaultMaxOutputTokens = 4096;
/**
 * The prompt is reserved at twice its estimate: the reservation must be the most the request
 * can cost, and the estimate is OpenAI's BPE count (tokens.ts), which another provider's
 * tokenizer may exceed (Claude counts CJK text about 1.45× o200k).
 */
const promptReserveFactor = 2;

export interface AdmissionOptions {
  limiter: RateLimiter;
  /**
   * Keys, teams and their budgets (the server). Without them only a deployment's own rpm/tpm
   * apply: the in-process SDK has one caller, the process itself.
   */
  callers?: { directory: KeyDirectory; budgets: BudgetsService; ledger: BudgetLedger };
  /** The model's output limit from the catalog, when the request and the config give none. */
  maxOutputTokensOf?: (deployment: Deployment) => number | null;
}

/**
 * Request flow steps 3 and 4 (DESIGN §6), before anything is sent:
 * - the key's, the team's and the deployment's rate limits, acquired together; a refusal is
 *   RATE_LIMITED (REST 429 with retry-after) naming the limit;
 * - the request's most possible cost (prompt reserved generously, output at its cap) reserved
 *   against the key's and the team's budgets at once; a refusal is BUDGET_EXCEEDED. Finishing
 *   settles the reservation to the real cost, or releases it when the request cost nothing.
 * Settings come from the in-memory directory, so an admin's change applies to the next request.
 */
export function createAdmission({
  limiter,
  callers,
  maxOutputTokensOf = () => null,
}: AdmissionOptions): Admit {
  return async function admit({
    principal,
    deployment,
    promptTokens,
    maxOutputTokens,
    producesOutput = true,
  }) {
    const scopes: LimitScope[] = [];
    const key = principal.apiKeyId ? callers?.directory.key(principal.apiKeyId) : undefined;
    const team = principal.teamId ? callers?.directory.team(principal.teamId) : undefined;
    if (key)
      scopes.push({
        key: `apiKey:${key.id}`,
        group: `team:${key.teamId}`,
        label: `API key '${key.name}'`,
        limits: { rpm: key.rpmLimit, tpm: key.tpmLimit, maxParallel: key.maxParallel },
      });
    if (team)
      scopes.push({
        key: `team:${team.id}`,
        group: `team:${team.id}`,
        label: `team '${team.name}'`,
        limits: { rpm: team.rpmLimit, tpm: team.tpmLimit, maxParallel: team.maxParallel },
      });
    const { rpm, tpm } = deployment?.entry ?? {};
    if (deployment && (rpm || tpm))
      scopes.push({
        key: deploymentScopeKey(deployment),
        label: `deployment ${deployment.id}`,
        limits: { rpm, tpm },
      });

    const applicable = callers?.budgets.budgetsFor(principal) ?? [];
    if (callers && deployment && applicable.length > 0 && !deployment.price)
      throw unpricedModelError(deployment);

    // Counting a long prompt takes milliseconds: only for a tokens-per-minute limit, a deployment's
    // counters (the `usage` strategy reads them) or a budget reservation.
    const needsTokens =
      scopes.some(
        (scope) =>
          scope.limits.tpm != null || (deployment && scope.key === deploymentScopeKey(deployment)),
      ) ||
      (callers !== undefined && deployment !== undefined && applicable.length > 0);
    const prompt = needsTokens ? tokenCountOf(promptTokens) : 0;
    const acquired = await limiter.acquire(scopes, prompt + (maxOutputTokens ?? 0));
    if (!acquired.ok) {
      if (deployment && acquired.scope.key === deploymentScopeKey(deployment))
        throw new DeploymentAtLimitError(acquired.message, acquired.retryAfterMs);
      throw new GatewayError("RATE_LIMITED", acquired.message, {
        retryAfterMs: acquired.retryAfterMs,
      });
    }

    let reservation: Awaited<ReturnType<BudgetLedger["reserve"]>> | undefined;
    if (callers && deployment && applicable.length > 0) {
      const outputCap = producesOutput
        ? (maxOutputTokens ??
          deployment.entry.maxOutputTokens ??
          maxOutputTokensOf(deployment) ??
          defaultMaxOutputTokens)
        : 0;
      const maxCost = costNanoUsd(deployment.price!, {
        promptTokens: prompt * promptReserveFactor,
        completionTokens: outputCap,
        cachedTokens: 0,
      });
      try {
        reservation = await callers.ledger.reserve(applicable, maxCost);
      } catch (error) {
        // Redis went away between the two checks: the slot taken must not stay taken.
        acquired.lease.release(0);
        throw error;
      }
      if (!reservation.ok) {
        acquired.lease.release(0);
        throw new GatewayError("BUDGET_EXCEEDED", reservation.message);
      }
    }

    let finished = false;
    return {
      finish(charge) {
        if (finished) return;
        finished = true;
        acquired.lease.release(charge ? charge.promptTokens + charge.completionTokens : 0);
        if (reservation?.ok) {
          if (charge) reservation.reservation.settle(charge.costNanoUsd);
          else reservation.reservation.release();
        }
      },
    };
  };
}

/**
 * The rate limiter's counters of one deployment (also read by the `usage` routing strategy),
 * kept per config entry: the rpm/tpm a wildcard entry sets count every model called through it,
 * and callers' invented model names make no counters of their own.
 */
export function deploymentScopeKey(deployment: Pick<Deployment, "entryId">): string {
  return `deployment:${deployment.entryId}`;
}
