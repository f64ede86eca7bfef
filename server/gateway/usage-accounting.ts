import { GatewayError, UpstreamError } from "./errors.ts";
import { costNanoUsd } from "./pricing.ts";
import type { Deployment } from "./router.ts";
import type { ChatChunk, ChatMessage, EmbeddingResponse, FinishReason, Usage } from "./spec.ts";
import { estimatePromptTokens, estimateTokens } from "./tokens.ts";
import type { RequestRecord } from "./request-record.ts";

/** Token counts and cost of one request: exactly the request log's fields for them. */
export type RequestCharge = Pick<
  RequestRecord,
  | "promptTokens"
  | "completionTokens"
  | "cachedTokens"
  | "reasoningTokens"
  | "costNanoUsd"
  | "usageEstimated"
>;

export const noCharge: RequestCharge = {
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
  costNanoUsd: 0n,
  usageEstimated: false,
};

/**
 * Prices a request from the provider's usage or, when it reported none (a cancelled stream,
 * a server that ignores include_usage), from estimates of the prompt and of the text received,
 * so spend is never silently zero.
 */
export function chargeFor(
  deployment: Deployment,
  usage: Usage | null | undefined,
  estimate: UsageEstimate,
): RequestCharge {
  const charge: RequestCharge = tokensOf(usage, estimate, deployment.model);
  const cacheWriteTokens = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  // The cost is filled in rather than spread into a new object: this runs once per request.
  if (deployment.price)
    charge.costNanoUsd = costNanoUsd(
      deployment.price,
      cacheWriteTokens === 0 ? charge : { ...charge, cacheWriteTokens },
    );
  return charge;
}

/**
 * An answer from the response cache costs nothing; its tokens (those of the stored answer) still
 * count against the caller's tokens per minute and show in the log.
 */
export function chargeForCacheHit(
  usage: Usage | null | undefined,
  estimate: UsageEstimate,
): RequestCharge {
  return tokensOf(usage, estimate);
}

/** What the token counts are estimated from when the provider reported no usage. */
interface UsageEstimate {
  messages: ChatMessage[];
  completionText: string;
}

/** A charge's token fields, its cost and estimate flag still to fill (one object shape). */
function tokensOf(usage: Usage | null | undefined, estimate: UsageEstimate, model?: string) {
  return usage
    ? {
        promptTokens: usage.prompt_tokens ?? 0,
        completionTokens: usage.completion_tokens ?? 0,
        cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
        reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
        costNanoUsd: 0n,
        usageEstimated: false,
      }
    : {
        promptTokens: estimatePromptTokens(estimate.messages, model),
        completionTokens: estimateTokens(estimate.completionText, model),
        cachedTokens: 0,
        reasoningTokens: 0,
        costNanoUsd: 0n,
        usageEstimated: true,
      };
}

/**
 * What a stream's chunks add up to as they pass: the last usage reported, the last finish reason,
 * and the text received (content and tool-call arguments), to estimate tokens without usage.
 */
export function createStreamTally() {
  const tally = {
    usage: undefined as Usage | undefined,
    finishReason: null as FinishReason | null,
    completionText: "",
    add(chunk: ChatChunk): void {
      if (chunk.usage) tally.usage = chunk.usage;
      for (const choice of chunk.choices) {
        tally.completionText +=
          (choice.delta.content ?? "") +
          (choice.delta.tool_calls ?? []).map((call) => call.function?.arguments ?? "").join("");
        if (choice.finish_reason) tally.finishReason = choice.finish_reason;
      }
    },
  };
  return tally;
}

/** The provider's usage, or one made of the charge's (estimated) counts when it reported none. */
export function usageOrEstimate(usage: Usage | undefined, charge: RequestCharge): Usage {
  return (
    usage ?? {
      prompt_tokens: charge.promptTokens,
      completion_tokens: charge.completionTokens,
      total_tokens: charge.promptTokens + charge.completionTokens,
    }
  );
}

/**
 * Prices an embeddings call: its prompt tokens at the input price. Providers that report no
 * token count get an estimate of the input text, flagged as estimated.
 */
export function chargeForEmbedding(
  deployment: Deployment,
  response: EmbeddingResponse,
  estimatedPromptTokens: number,
): RequestCharge {
  const reported = response.usage?.prompt_tokens;
  const promptTokens = typeof reported === "number" ? reported : estimatedPromptTokens;
  const tokens = { promptTokens, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
  const cost = deployment.price ? costNanoUsd(deployment.price, tokens) : 0n;
  return { ...tokens, costNanoUsd: cost, usageEstimated: typeof reported !== "number" };
}

/**
 * Turns anything thrown while serving a request into the GatewayError the caller sees:
 * the caller going away is CANCELLED, the gateway's own timeout is an upstream timeout,
 * and anything unexpected is a PROVIDER_ERROR that keeps its cause (and is not shown verbatim).
 */
export function toGatewayError(
  error: unknown,
  callerGone: boolean,
  provider: string | undefined,
): GatewayError {
  if (callerGone)
    return new GatewayError("CANCELLED", "The caller cancelled the request.", { cause: error });
  if (error instanceof GatewayError) return error;
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return new UpstreamError({
      provider: provider ?? "unknown",
      kind: "timeout",
      message: "The provider did not answer within the configured timeout.",
      cause: error,
    });
  }
  return new UpstreamError({
    provider: provider ?? "unknown",
    kind: "invalid-response",
    message: "The provider call failed unexpectedly.",
    cause: error,
  });
}
