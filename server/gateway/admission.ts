import { GatewayError } from "./errors.ts";
import type { Principal } from "./principal.ts";
import type { Deployment } from "./router.ts";
import type { TokenEstimate } from "./tokens.ts";
import type { RequestCharge } from "./usage-accounting.ts";

/*
 * The admission interface of the request pipeline: before each upstream attempt the pipeline
 * asks `Admit` whether the caller's limits and budget let the request through, and tells the
 * admission what the request cost once it is recorded. The server's implementation (keys,
 * teams, budgets, Redis) is in modules/completions/admission.ts; the core admits everything.
 */

/** What a request asks of the limits before it is sent. */
export interface AdmissionRequest {
  principal: Principal;
  /**
   * The deployment it will be sent to. Absent for an answer from the response cache: nothing is
   * sent, so only the key's and the team's rate limits apply and no budget is reserved.
   */
  deployment?: Deployment;
  /** Estimated prompt tokens (the provider reports the real count afterwards), counted only when a limit or budget needs them. */
  promptTokens: TokenEstimate;
  /** The caller's max_tokens, when given: counted against tokens per minute until the real count is known. */
  maxOutputTokens?: number;
  /** Embeddings produce no output tokens: their most possible cost is their input's. */
  producesOutput?: boolean;
}

/**
 * A request let through: `finish` returns what it held (the parallel slot, its token estimate)
 * once, with what it really cost, and the error it ended with if it failed after starting
 * (a stream that broke): the router counts that against the deployment.
 */
export interface Admission {
  finish(charge: RequestCharge | undefined, failure?: GatewayError): void;
}

/** Refused because the deployment itself is at its configured rpm/tpm: the router tries another deployment of the group instead. */
export class DeploymentAtLimitError extends GatewayError {
  constructor(message: string, retryAfterMs: number) {
    super("RATE_LIMITED", message, { retryAfterMs });
    this.name = "DeploymentAtLimitError";
  }
}

/** Synchronous with in-memory counters; a promise when they live in Redis. */
export type Admit = (request: AdmissionRequest) => Admission | Promise<Admission>;

/** Admits everything (no limits configured anywhere, or a library user who wants none). */
export const admitEverything: Admit = () => ({ finish: () => {} });
