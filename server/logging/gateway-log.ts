import { formatUsd } from "../gateway/money.ts";
import type { WalkEvent } from "../gateway/attempt-walk.ts";
import type { KeyDirectory } from "../modules/keys/key-directory.ts";
import type { RequestRecord } from "../gateway/request-record.ts";
import type { Logger } from "./logger.ts";

/**
 * What the gateway says in its log (issue 14.1): one `info` line per request, warnings for
 * retries, fallbacks, cooldowns and expected outages, errors with their stack for anything
 * unexpected. Lines name a key by its prefix and a team by its name, never by a secret; request
 * headers are never logged.
 */
export function createGatewayLog({
  logger,
  directory,
}: {
  logger: Logger;
  /** Where a key's prefix and a team's name are looked up (in memory). */
  directory?: Pick<KeyDirectory, "key" | "team">;
}) {
  // The request line's fields are fixed and hold no secret (a key's prefix, never the key), so it
  // skips the redaction the other lines get: pino's wildcard redaction cost ~45 µs a line, more
  // than the rest of the line (issue 16).
  const requestLogger = logger.child({}, { redact: { paths: [] } });
  return {
    /** The request's one `info` line, whatever its outcome (a failure's code, not its message). */
    request(entry: RequestRecord): void {
      requestLogger.info(requestLine(entry), `${entry.requestedModel} ${entry.status}`);
    },

    /** A retry on the same model, or a move to a fallback model. */
    walkEvent(event: WalkEvent): void {
      if (event.kind === "retry")
        logger.warn(
          { ...event, kind: undefined, event: "retry" },
          `retrying ${event.model} after ${event.errorCode} on ${event.deployment}`,
        );
      else
        logger.warn(
          { ...event, kind: undefined, event: "fallback" },
          `falling back from ${event.from} to ${event.to} (${event.reason})`,
        );
    },

    /** A deployment taken out of rotation by its failures. */
    cooldown(deploymentId: string, untilMs: number): void {
      logger.warn(
        { event: "cooldown", deployment: deploymentId, until: new Date(untilMs).toISOString() },
        `deployment ${deploymentId} cools down until ${new Date(untilMs).toISOString()}`,
      );
    },

    /** A GraphQL error masked as "Unexpected error." for the caller: logged here with its stack. */
    unexpectedGraphQLError(error: unknown, path: readonly (string | number)[] | undefined): void {
      logger.error(
        { err: error, path: path?.join(".") },
        "unexpected error in a GraphQL operation",
      );
    },
  };

  function requestLine(entry: RequestRecord) {
    const key = entry.apiKeyId ? directory?.key(entry.apiKeyId) : undefined;
    const team = entry.teamId ? directory?.team(entry.teamId) : undefined;
    const last = entry.attempts.at(-1);
    return {
      event: "request",
      requestId: entry.id,
      clientRequestId: entry.clientRequestId,
      source: entry.source,
      keyPrefix: key?.prefix,
      apiKeyId: entry.apiKeyId,
      team: team?.name,
      teamId: entry.teamId,
      model: entry.requestedModel,
      provider: entry.provider,
      deployment: entry.deployment,
      stream: entry.stream,
      attempts: entry.attempts.length,
      status: entry.status,
      httpStatus: entry.httpStatus,
      errorCode: entry.errorCode,
      upstreamStatus: last?.upstreamStatus,
      upstreamRequestId: last?.upstreamRequestId,
      latencyMs: entry.latencyMs,
      timeToFirstTokenMs: entry.timeToFirstTokenMs,
      promptTokens: entry.promptTokens,
      completionTokens: entry.completionTokens,
      cachedTokens: entry.cachedTokens,
      costUsd: formatUsd(entry.costNanoUsd),
      cache: entry.status === "cache_hit" ? "hit" : undefined,
    };
  }
}

export type GatewayLog = ReturnType<typeof createGatewayLog>;

/**
 * The `onProblem(message, error)` the rest of the server calls, as log lines: `error` with the
 * stack when there is an error, `warn` when it is only news.
 */
export function reportProblemTo(logger: Logger): (message: string, error: unknown) => void {
  return (message, error) => {
    if (error === undefined) logger.warn(message);
    else logger.error({ err: error }, message);
  };
}
