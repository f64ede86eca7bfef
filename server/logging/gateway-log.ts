import { formatUsd } from "../gateway/money.ts";
import type { WalkEvent } from "../gateway/attempt-walk.ts";
import type { KeyDirectory } from "../modules/keys/key-directory.ts";
import type { RequestRecord } from "../gateway/request-record.ts";
import { pino } from "pino";
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
  const writeRequestLine = requestLineWriter(logger);
  return {
    /** The request's one `info` line, whatever its outcome (a failure's code, not its message). */
    request(entry: RequestRecord): void {
      writeRequestLine(requestLine(entry), `${entry.requestedModel} ${entry.status}`);
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

/** The parts of a pino logger the request line is written with (pino.symbols, pino's documented internals). */
interface PinoInternals {
  [pino.symbols.streamSym]: { write(line: string): unknown };
  [pino.symbols.chindingsSym]: string;
  [pino.symbols.timeSym]: () => string;
}

/**
 * Writes the request line as pino writes an `info` line of this logger — level, time, the
 * logger's bindings, the fields, `msg` — to the logger's own destination (JSON, or pino-pretty,
 * which reads the same JSON). One `JSON.stringify` of the fields: pino's generic writer costs
 * ~12 µs a line on this 22-field object against ~3 µs, once per request (issue 16). The fields
 * are fixed and hold no secret (a key's prefix, never the key), so the redaction the other lines
 * get does not apply. test/unit/logger.test.ts checks the line equals pino's own.
 */
function requestLineWriter(logger: Logger): (fields: object, message: string) => void {
  const internals = logger as unknown as PinoInternals;
  const stream = internals[pino.symbols.streamSym];
  const bindings = internals[pino.symbols.chindingsSym];
  const configuredTime = internals[pino.symbols.timeSym];
  const time =
    configuredTime === pino.stdTimeFunctions.isoTime ? isoTimePerMillisecond() : configuredTime;
  const info = logger.levels.values.info;
  return (fields, message) => {
    if (logger.levelVal > info) return;
    stream.write(
      `{"level":${info}${time()}${bindings},${JSON.stringify(fields).slice(1, -1)},"msg":${JSON.stringify(message)}}\n`,
    );
  };
}

/**
 * pino's `isoTime` (the same text), formatted once per millisecond: under load several request
 * lines share one, and `toISOString` was ~1% of the REST path's CPU (issue 16).
 */
function isoTimePerMillisecond(): () => string {
  let formattedMs = Number.NaN;
  let formatted = "";
  return () => {
    const ms = Date.now();
    if (ms !== formattedMs) {
      formattedMs = ms;
      formatted = `,"time":"${new Date(ms).toISOString()}"`;
    }
    return formatted;
  };
}

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
