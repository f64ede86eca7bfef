import { setTimeout as delay } from "node:timers/promises";
import type { DeploymentHealth } from "../../gateway/deployment-health.ts";
import { type GatewayError, UpstreamError } from "../../gateway/errors.ts";
import { decideRetry, retriesOverride } from "../../gateway/retry.ts";
import type { Deployment, Router } from "../../gateway/router.ts";
import { type CandidateStats, orderCandidates, type RoutingStrategy } from "../../gateway/routing-strategy.ts";
import type { Admission } from "./admission.ts";
import { toGatewayError } from "./usage-accounting.ts";

/** One upstream attempt as the request log keeps it. */
export interface AttemptRecord {
  deployment: string;
  provider: string;
  status: "success" | "error" | "cancelled";
  errorCode?: string;
  httpStatus?: number;
  latencyMs: number;
}

export interface AttemptWalkOptions {
  router: Router;
  /** Retries within a model group (DESIGN §3 router.retries); a request's metadata `{ retries }` overrides it. */
  retries: number;
  fallbacks?: Record<string, string[]>;
  contextWindowFallbacks?: Record<string, string[]>;
  health?: DeploymentHealth;
  /** How a group's deployments are ordered (DESIGN §3 router.strategy). */
  strategy?: RoutingStrategy;
  /** A deployment's requests and tokens in the last minute (the `usage` strategy). */
  usageOf?: (deploymentId: string) => { requestsLastMinute: number; tokensLastMinute: number };
  now?: () => number;
  /** Waits between attempts; rejects with the signal's reason when it aborts. */
  sleep?: (milliseconds: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface Walk<Value> {
  model: string;
  metadata: unknown;
  /** Streams are ordered by time to first token under the `latency` strategy. */
  stream?: boolean;
  /** The request's deadline and the caller's signal (cancellation ends the walk at once). */
  signal: AbortSignal;
  callerSignal?: AbortSignal;
  /** Limits and budget for one attempt on `deployment`; throws RATE_LIMITED / BUDGET_EXCEEDED. */
  admit(deployment: Deployment): Admission;
  /** The attempt itself. */
  call(deployment: Deployment): Promise<Value>;
  /** Told about each attempt as it ends (successful or not), in order. */
  onAttempt(attempt: AttemptRecord, deployment: Deployment): void;
}

/** Thrown when every attempt failed: the last failure, and the deployment it happened on. */
export class WalkFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly deployment: Deployment | undefined,
  ) {
    super(error.message, { cause: error });
    this.name = "WalkFailure";
  }
}

/**
 * Routing and reliability for one request (issue 6): the model's group, tried deployment by
 * deployment with retries on retryable failures (backoff with jitter, retry-after honoured),
 * then its fallback models in order; a context-length failure jumps to the context-window
 * fallbacks. Cooling-down deployments go last. Every attempt is reported; a cancelled caller
 * ends the walk at once.
 */
export function createAttemptWalker({
  router,
  retries,
  fallbacks = {},
  contextWindowFallbacks = {},
  health,
  strategy = "simple-shuffle",
  usageOf,
  now = Date.now,
  sleep = (milliseconds, signal) => delay(milliseconds, undefined, { signal }),
  random = Math.random,
}: AttemptWalkOptions) {
  return async function walk<Value>(walk: Walk<Value>): Promise<{ value: Value; deployment: Deployment; admission: Admission }> {
    const retryCount = retriesOverride(walk.metadata) ?? retries;
    let chain = [walk.model, ...(fallbacks[walk.model] ?? [])];
    let lastFailure: WalkFailure | undefined;
    for (let groupIndex = 0; groupIndex < chain.length; groupIndex += 1) {
      const deployments = ordered(router.plan(chain[groupIndex]), walk.stream ?? false);
      for (let attempt = 1; ; attempt += 1) {
        const deployment = deployments[(attempt - 1) % deployments.length];
        const startedAt = now();
        const admission = walk.admit(deployment);
        const tracker = health?.start(deployment.id);
        try {
          const value = await walk.call(deployment);
          // A stream's call returns with its first chunk: that is its time to first token.
          const answeredMs = now() - startedAt;
          walk.onAttempt({ deployment: deployment.id, provider: deployment.provider, status: "success", latencyMs: answeredMs }, deployment);
          // The deployment stays busy (least-busy) until the request ends, when its latency is known.
          const held: Admission = {
            finish(charge) {
              admission.finish(charge);
              if (charge) tracker?.succeeded({ latencyMs: now() - startedAt, ...(walk.stream ? { timeToFirstTokenMs: answeredMs } : {}) });
              else tracker?.abandoned();
            },
          };
          return { value, deployment, admission: held };
        } catch (thrown) {
          admission.finish(undefined);
          const error = toGatewayError(thrown, walk.callerSignal, deployment.provider);
          const cancelled = error.code === "CANCELLED";
          const countsAgainstDeployment = error instanceof UpstreamError && error.isRetryable;
          if (countsAgainstDeployment) tracker?.failed();
          else tracker?.abandoned();
          walk.onAttempt({ deployment: deployment.id, provider: deployment.provider, status: cancelled ? "cancelled" : "error", errorCode: error.code, httpStatus: error.status, latencyMs: now() - startedAt }, deployment);
          lastFailure = new WalkFailure(error, deployment);
          if (cancelled || walk.signal.aborted) throw lastFailure;
          const windowFallbacks = error instanceof UpstreamError && error.isContextLengthExceeded ? contextWindowFallbacks[chain[groupIndex]] : undefined;
          if (windowFallbacks?.length) {
            // The prompt does not fit this model: only a bigger one can help.
            chain = [...chain.slice(0, groupIndex + 1), ...windowFallbacks];
            break;
          }
          const decision = decideRetry(error, attempt, { hasOtherDeployment: deployments.length > 1, retries: retryCount, random });
          if (!decision.retry) {
            // Retryable failures that used up the group's retries fall back to the next model.
            if (countsAgainstDeployment && groupIndex + 1 < chain.length) break;
            throw lastFailure;
          }
          if (decision.delayMs > 0) await sleep(decision.delayMs, walk.signal).catch(() => {
            throw new WalkFailure(toGatewayError(walk.signal.reason, walk.callerSignal, deployment.provider), deployment);
          });
        }
      }
    }
    throw lastFailure ?? new Error("no deployment was tried");
  };

  /** The group's deployments in strategy order: healthy and within their own limits first (routing-strategy.ts). */
  function ordered(deployments: Deployment[], stream: boolean): Deployment[] {
    if (deployments.length < 2) return deployments;
    const stats = deployments.map((deployment): CandidateStats => {
      const snapshot = health?.snapshot(deployment.id);
      const usage = usageOf?.(deployment.id);
      return {
        inFlight: snapshot?.inFlight ?? 0,
        latencyMs: snapshot?.latencyMs ?? null,
        timeToFirstTokenMs: snapshot?.timeToFirstTokenMs ?? null,
        healthy: !snapshot?.coolingDown,
        requestsLastMinute: usage?.requestsLastMinute ?? 0,
        tokensLastMinute: usage?.tokensLastMinute ?? 0,
        rpm: deployment.entry.rpm,
        tpm: deployment.entry.tpm,
        inputNanoUsdPerMillion: deployment.price?.inputNanoUsdPerMillion,
        outputNanoUsdPerMillion: deployment.price?.outputNanoUsdPerMillion,
        weight: deployment.entry.weight,
      };
    });
    return orderCandidates(strategy, stats, { random, stream }).map((index) => deployments[index]);
  }
}

export type AttemptWalker = ReturnType<typeof createAttemptWalker>;
