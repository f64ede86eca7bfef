/*
 * What a completion's span says, in OpenTelemetry's GenAI semantic conventions
 * (gen_ai.operation.name, gen_ai.request.*, gen_ai.response.model, gen_ai.usage.*) plus the
 * gateway's own `switchboard.*` attributes. The span itself comes from `RequestTracing`.
 */
import type { GatewayError } from "../../gateway/errors.ts";
import { formatUsd } from "../../gateway/money.ts";
import type { DeploymentIdentity } from "../../gateway/router.ts";
import type { SpanAttributes, SpanHandle } from "../../gateway/request-tracing.ts";
import type { RequestRecord } from "../../gateway/request-record.ts";
import type { CompletionContext } from "./completions.service.ts";
import type { RequestCharge } from "../../gateway/usage-accounting.ts";

/** The attributes known when the request arrives (read defensively: the body is not validated yet). */
export function completionSpanAttributes(
  operation: "chat" | "embeddings",
  requestId: string,
  body: unknown,
  context: CompletionContext,
): SpanAttributes {
  const request = (body ?? {}) as Record<string, unknown>;
  const numberOf = (value: unknown) => (typeof value === "number" ? value : undefined);
  return {
    "gen_ai.operation.name": operation,
    "gen_ai.request.model": typeof request.model === "string" ? request.model : undefined,
    "gen_ai.request.max_tokens": numberOf(request.max_completion_tokens ?? request.max_tokens),
    "gen_ai.request.temperature": numberOf(request.temperature),
    "gen_ai.request.top_p": numberOf(request.top_p),
    "switchboard.request_id": requestId,
    "switchboard.source": context.source,
    "switchboard.team_id": context.principal.teamId,
    "switchboard.stream": request.stream === true,
  };
}

/** Ends the span with what the request came to: model, usage, cost, status. */
export function endCompletionSpan(
  span: SpanHandle,
  outcome: {
    status: RequestRecord["status"];
    deployment?: DeploymentIdentity;
    error?: GatewayError;
  },
  charge: RequestCharge,
  attempts: number,
): void {
  span.setAttributes({
    "gen_ai.provider.name": outcome.deployment?.provider,
    "gen_ai.response.model": outcome.deployment?.model,
    "gen_ai.usage.input_tokens": charge.promptTokens,
    "gen_ai.usage.output_tokens": charge.completionTokens,
    "switchboard.deployment": outcome.deployment?.id,
    "switchboard.status": outcome.status,
    "switchboard.attempts": attempts,
    "switchboard.cost_usd": formatUsd(charge.costNanoUsd),
    "error.type": outcome.error?.code,
  });
  if (outcome.error && outcome.status === "error") span.fail(outcome.error);
  span.end();
}
