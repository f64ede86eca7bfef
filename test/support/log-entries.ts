import type { RequestRecord } from "../../server/gateway/request-record.ts";

/** A successful request's log entry (10 + 5 tokens, 1,000 nano-USD), with the fields a test sets. */
export function logEntry(
  overrides: Partial<RequestRecord> & Pick<RequestRecord, "id" | "createdAt">,
): RequestRecord {
  return {
    source: "rest",
    requestedModel: "gpt-4o-mini",
    model: "gpt-4o-mini",
    provider: "openai",
    deployment: "openai:gpt-4o-mini#0",
    status: "success",
    httpStatus: 200,
    promptTokens: 10,
    completionTokens: 5,
    cachedTokens: 0,
    reasoningTokens: 0,
    costNanoUsd: 1_000n,
    usageEstimated: false,
    latencyMs: 12,
    stream: false,
    attempts: [],
    ...overrides,
  };
}
