import { GatewayError } from "../../gateway/errors.ts";
import type { Principal } from "../../gateway/principal.ts";
import type { LimitScope, RateLimiter } from "../../gateway/rate-limit.ts";
import type { Deployment } from "../../gateway/router.ts";
import type { KeyDirectory } from "../keys/key-directory.ts";
import type { RequestCharge } from "./usage-accounting.ts";

/** What a request asks of the limits before it is sent. */
export interface AdmissionRequest {
  principal: Principal;
  deployment: Deployment;
  /** Estimated prompt tokens (the provider reports the real count afterwards). */
  promptTokens: number;
  /** The caller's max_tokens, when given: counted against tokens per minute until the real count is known. */
  maxOutputTokens?: number;
}

/** A request let through: `finish` returns what it held (the parallel slot, its token estimate) once, with what it really cost. */
export interface Admission {
  finish(charge: RequestCharge | undefined): void;
}

export type Admit = (request: AdmissionRequest) => Admission;

/** Admits everything (no limits configured anywhere, or a library user who wants none). */
export const admitEverything: Admit = () => ({ finish: () => {} });

/**
 * Request flow step 3 (DESIGN §6): the key's, the team's and the deployment's rate limits,
 * acquired together before anything is sent; a refusal is RATE_LIMITED (REST 429 with
 * retry-after) naming the limit. Key and team settings come from the in-memory directory, so a
 * change by the admin applies to the next request.
 */
export function createAdmission({ directory, limiter }: { directory: KeyDirectory; limiter: RateLimiter }): Admit {
  return function admit({ principal, deployment, promptTokens, maxOutputTokens = 0 }) {
    const scopes: LimitScope[] = [];
    const key = principal.apiKeyId ? directory.key(principal.apiKeyId) : undefined;
    const team = principal.teamId ? directory.team(principal.teamId) : undefined;
    if (key) scopes.push({ key: `apiKey:${key.id}`, label: `API key '${key.name}'`, limits: { rpm: key.rpmLimit, tpm: key.tpmLimit, maxParallel: key.maxParallel } });
    if (team) scopes.push({ key: `team:${team.id}`, label: `team '${team.name}'`, limits: { rpm: team.rpmLimit, tpm: team.tpmLimit, maxParallel: team.maxParallel } });
    const { rpm, tpm } = deployment.entry;
    if (rpm || tpm) scopes.push({ key: `deployment:${deployment.id}`, label: `deployment ${deployment.id}`, limits: { rpm, tpm } });

    const acquired = limiter.acquire(scopes, promptTokens + maxOutputTokens);
    if (!acquired.ok) throw new GatewayError("RATE_LIMITED", acquired.message, { retryAfterMs: acquired.retryAfterMs });
    let finished = false;
    return {
      finish(charge) {
        if (finished) return;
        finished = true;
        acquired.lease.release(charge ? charge.promptTokens + charge.completionTokens : 0);
      },
    };
  };
}
