import { setTimeout as delay } from "node:timers/promises";
import type { AttemptTracker, DeploymentHealth } from "./deployment-health.ts";
import { GatewayError, UpstreamError } from "./errors.ts";
import { decideRetry, retriesOverride } from "./retry.ts";
import { tokenCountOf, type TokenEstimate } from "./tokens.ts";
import type { Deployment, Router } from "./router.ts";
import { type CandidateStats, orderCandidates, type RoutingStrategy } from "./routing-strategy.ts";
import { type Admission, DeploymentAtLimitError } from "./admission.ts";
import type { UpstreamExchange } from "./upstream-exchange.ts";
import { toGatewayError } from "./usage-accounting.ts";
import { callerHasGone, type Caller } from "./request-deadline.ts";
import type { SpanHandle, SpanStarter } from "./request-tracing.ts";
import type { AttemptRecord } from "./request-record.ts";

export interface AttemptWalkOptions {
  router: Router;
  /** Retries within a model group (DESIGN §3 router.retries); a request's metadata `{ retries }` overrides it. */
  retries: number;
  fallbacks?: Record<string, string[]>;
  contextWindowFallbacks?: Record<string, string[]>;
  /** Where a request goes when the provider refused it on content (UpstreamError.isContentPolicyViolation). */
  contentPolicyFallbacks?: Record<string, string[]>;
  health?: DeploymentHealth;
  /** How a group's deployments are ordered (DESIGN §3 router.strategy). */
  strategy?: RoutingStrategy;
  /** A deployment's context window when known (config, catalog): the context-window pre-check. */
  contextWindowOf?: (deployment: Deployment) => number | null | undefined;
  /** A deployment's requests and tokens in the last minute (the `usage` strategy). */
  usageOf?: (deploymentId: string) => { requestsLastMinute: number; tokensLastMinute: number };
  now?: () => number;
  /** Waits between attempts; rejects with the signal's reason when it aborts. */
  sleep?: (milliseconds: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Told when the walk retries or falls back to another model (for warnings in the log). */
  onEvent?: (event: WalkEvent) => void;
  /** OpenTelemetry: one client span per attempt, under the completion's span; none when off. */
  tracing?: SpanStarter;
}

/** A retry on the same model group, or a move to a fallback model; `requestId` is the walk's. */
export type WalkEvent =
  | {
      kind: "retry";
      requestId?: string;
      model: string;
      /** The deployment that failed, its attempt number in the group and the failure. */
      deployment: string;
      attempt: number;
      errorCode: string;
      upstreamStatus?: number;
      delayMs: number;
    }
  | {
      kind: "fallback";
      requestId?: string;
      from: string;
      to: string;
      /** The failure code, or CONTEXT_WINDOW when the prompt was estimated too big to try. */
      reason: string;
    };

export interface Walk<Value> {
  model: string;
  /**
   * The models to try after `model` for this request alone, in order, instead of the configured
   * `fallbacks` (the SDK's `model: [a, b]`). Context-window and content-policy fallbacks still apply.
   */
  fallbacks?: readonly string[];
  metadata: unknown;
  /** Named in the walk's events, and sent upstream as `x-request-id` unless `forwardedRequestId` is given. */
  requestId?: string;
  /** The caller's own `x-request-id`, sent upstream in its place. */
  forwardedRequestId?: string;
  /** The prompt's estimated tokens: a model whose every deployment is known to be smaller goes straight to its context-window fallbacks. */
  promptTokens?: TokenEstimate;
  /** Streams are ordered by time to first token under the `latency` strategy. */
  stream?: boolean;
  /**
   * The request's deadline: its signal aborts when the time is up or the caller cancels (which
   * ends the walk at once). Read only once an attempt failed, so a request whose first attempt
   * answers never makes the signal (request-deadline.ts).
   */
  deadline: { readonly signal: AbortSignal };
  /** The caller, looked at only when an attempt failed: cancelled or not. */
  caller?: Caller;
  /** Limits and budget for one attempt on `deployment`; throws RATE_LIMITED / BUDGET_EXCEEDED. */
  admit(deployment: Deployment): Admission | Promise<Admission>;
  /**
   * The attempt itself; its upstream calls' signal must be bound to `exchange`
   * (`bindUpstreamExchange`) for the request ids to be sent and noted.
   */
  call(deployment: Deployment, exchange: UpstreamExchange): Promise<Value>;
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
 * then its fallback models in order. A context-length failure, or a prompt estimated larger than
 * every deployment's known context window, jumps to the context-window fallbacks; a refusal on
 * content to the content-policy fallbacks. Cooling-down deployments go last; a deployment at its
 * own rpm/tpm is skipped. Every attempt is reported; a cancelled caller
 * ends the walk at once.
 */
export function createAttemptWalker({
  router,
  retries,
  fallbacks = {},
  contextWindowFallbacks = {},
  contentPolicyFallbacks = {},
  contextWindowOf = () => undefined,
  health,
  strategy = "simple-shuffle",
  usageOf,
  now = Date.now,
  sleep = (milliseconds, signal) => delay(milliseconds, undefined, { signal }),
  random = Math.random,
  onEvent,
  tracing,
}: AttemptWalkOptions) {
  /** True when every deployment's known context window is smaller than the prompt. */
  function fitsNowhere(planned: Deployment[], promptTokens: number): boolean {
    return planned.every((deployment) => (contextWindowOf(deployment) ?? Infinity) < promptTokens);
  }

  return async function walk<Value>(
    walk: Walk<Value>,
  ): Promise<{ value: Value; deployment: Deployment; admission: Admission }> {
    const retryCount = retriesOverride(walk.metadata) ?? retries;
    let chain = [walk.model, ...(walk.fallbacks ?? fallbacks[walk.model] ?? [])];
    let lastFailure: WalkFailure | undefined;
    for (let groupIndex = 0; groupIndex < chain.length; groupIndex += 1) {
      const model = chain[groupIndex];
      const planned = router.plan(model);
      const biggerModels = contextWindowFallbacks[model];
      if (
        biggerModels?.length &&
        walk.promptTokens !== undefined &&
        fitsNowhere(planned, tokenCountOf(walk.promptTokens))
      ) {
        // The pre-check: the prompt cannot fit any deployment of this model, so none is called.
        chain = [...chain.slice(0, groupIndex + 1), ...biggerModels];
        announceFallback(model, chain[groupIndex + 1], "CONTEXT_WINDOW");
        continue;
      }
      // Deployments still open to this request, in strategy order; one at its own limit leaves it.
      const rotation = ordered(planned, walk.stream ?? false);
      let atLimit: DeploymentAtLimitError | undefined;
      let attempt = 0;
      let position = 0;
      let fellBack = false;
      while (rotation.length > 0 && !fellBack) {
        position %= rotation.length;
        const deployment = rotation[position];
        let admission: Admission;
        try {
          admission = await walk.admit(deployment);
        } catch (refusal) {
          if (!(refusal instanceof DeploymentAtLimitError)) throw refusal;
          // Not an attempt: nothing was sent. The next deployment takes this one's place.
          if (!atLimit || (refusal.retryAfterMs ?? 0) < (atLimit.retryAfterMs ?? 0))
            atLimit = refusal;
          rotation.splice(position, 1);
          continue;
        }
        attempt += 1;
        const startedAt = now();
        const tracker = health?.start(deployment.id);
        const span = tracing?.startSpan(
          `chat ${deployment.model}`,
          {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": deployment.provider,
            "gen_ai.request.model": deployment.model,
            "switchboard.deployment": deployment.id,
            "switchboard.attempt": attempt,
          },
          "client",
        );
        const exchange: UpstreamExchange = {
          requestId: walk.forwardedRequestId ?? walk.requestId,
        };
        try {
          const value = await walk.call(deployment, exchange);
          // A stream's call returns with its first chunk: that is its time to first token.
          const answeredMs = now() - startedAt;
          walk.onAttempt(
            {
              deployment: deployment.id,
              provider: deployment.provider,
              status: "success",
              upstreamRequestId: exchange.providerRequestId,
              latencyMs: answeredMs,
            },
            deployment,
          );
          // The deployment stays busy (least-busy) until the request ends, when its latency is known.
          const held: Admission = {
            finish(charge, failure) {
              if (failure) span?.fail(failure);
              span?.setAttributes({ "gen_ai.response.id": exchange.providerRequestId });
              span?.end();
              admission.finish(charge, failure);
              if (failure) reportFailure(tracker, failure);
              else if (charge)
                tracker?.succeeded({
                  latencyMs: now() - startedAt,
                  ...(walk.stream ? { timeToFirstTokenMs: answeredMs } : {}),
                });
              else tracker?.abandoned();
            },
          };
          return { value, deployment, admission: held };
        } catch (thrown) {
          admission.finish(undefined);
          const error = toGatewayError(thrown, callerHasGone(walk.caller), deployment.provider);
          const cancelled = error.code === "CANCELLED";
          if (span) endFailedAttemptSpan(span, error);
          reportFailure(tracker, error);
          walk.onAttempt(
            {
              deployment: deployment.id,
              provider: deployment.provider,
              status: cancelled ? "cancelled" : "error",
              errorCode: error.code,
              httpStatus: error.status,
              upstreamStatus: error instanceof UpstreamError ? error.upstreamStatus : undefined,
              upstreamRequestId: exchange.providerRequestId,
              latencyMs: now() - startedAt,
            },
            deployment,
          );
          lastFailure = new WalkFailure(error, deployment);
          if (cancelled || walk.deadline.signal.aborted) throw lastFailure;
          // The prompt does not fit, or the provider refused on content: only another model can help.
          const jumpTo =
            error instanceof UpstreamError
              ? error.isContextLengthExceeded
                ? contextWindowFallbacks[model]
                : error.isContentPolicyViolation
                  ? contentPolicyFallbacks[model]
                  : undefined
              : undefined;
          if (jumpTo?.length) {
            chain = [...chain.slice(0, groupIndex + 1), ...jumpTo];
            fellBack = true;
            announceFallback(model, chain[groupIndex + 1], error.code);
            continue;
          }
          const decision = decideRetry(error, attempt, {
            hasOtherDeployment: rotation.length > 1,
            retries: retryCount,
            random,
          });
          if (!decision.retry) {
            // Retryable failures that used up the group's retries fall back to the next model.
            if (isRetryableUpstream(error) && groupIndex + 1 < chain.length) {
              fellBack = true;
              announceFallback(model, chain[groupIndex + 1], error.code);
              continue;
            }
            throw lastFailure;
          }
          position += 1;
          onEvent?.({
            kind: "retry",
            requestId: walk.requestId,
            model,
            deployment: deployment.id,
            attempt,
            errorCode: error.code,
            upstreamStatus: error instanceof UpstreamError ? error.upstreamStatus : undefined,
            delayMs: decision.delayMs,
          });
          if (decision.delayMs > 0)
            await sleep(decision.delayMs, walk.deadline.signal).catch(() => {
              throw new WalkFailure(
                toGatewayError(
                  walk.deadline.signal.reason,
                  callerHasGone(walk.caller),
                  deployment.provider,
                ),
                deployment,
              );
            });
        }
      }
      // Every deployment of the group is at its own limit: the next model, else the shortest wait.
      if (!fellBack && groupIndex + 1 >= chain.length)
        throw new WalkFailure(groupAtLimit(model, atLimit), lastFailure?.deployment);
    }
    throw lastFailure ?? new Error("no deployment was tried");

    function announceFallback(from: string, to: string, reason: string): void {
      onEvent?.({ kind: "fallback", requestId: walk.requestId, from, to, reason });
    }
  };

  /** Retryable upstream failures count towards a cooldown (a retry-after takes it out at once); anything else only frees the slot. */
  function reportFailure(tracker: AttemptTracker | undefined, error: GatewayError): void {
    if (isRetryableUpstream(error)) tracker?.failed({ retryAfterMs: error.retryAfterMs });
    else tracker?.abandoned();
  }

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

function isRetryableUpstream(error: GatewayError): error is UpstreamError {
  return error instanceof UpstreamError && error.isRetryable;
}

/** The refusal when no deployment of `model` has room under its own limits: RATE_LIMITED with the soonest retry-after. */
function groupAtLimit(model: string, soonest: DeploymentAtLimitError | undefined): GatewayError {
  const retryAfterMs = soonest?.retryAfterMs ?? 1000;
  return new GatewayError(
    "RATE_LIMITED",
    `Every deployment of '${model}' is at its own rate limit (${soonest?.message ?? "rpm/tpm"}). Retry after ${Math.ceil(retryAfterMs / 1000)} s.`,
    { retryAfterMs },
  );
}

/** A failed attempt's span: the gateway's error code and the provider's HTTP status. */
function endFailedAttemptSpan(span: SpanHandle, error: GatewayError): void {
  span.setAttributes({
    "error.type": error.code,
    "http.response.status_code": error instanceof UpstreamError ? error.upstreamStatus : undefined,
  });
  span.fail(error);
  span.end();
}
