import { type ConfigObject, configuredModelNames, loadLibraryConfig } from "../config.ts";
import { createGatewayCore } from "../gateway-core.ts";
import { GatewayError } from "../gateway/errors.ts";
import { createUpstreamDispatcher } from "../gateway/http-pool.ts";
import { formatUsd } from "../gateway/money.ts";
import { sdkCaller } from "../gateway/principal.ts";
import { loadTokenEncodings } from "../gateway/tokens.ts";
import type { DeploymentIdentity } from "../gateway/router.ts";
import type { ChatChunk } from "../gateway/spec.ts";
import type {
  CompletionContext,
  CompletionResult,
  CompletionStream,
  EmbeddingResult,
} from "../modules/completions/completions.service.ts";
import { readObject, responseFormatFor } from "./completion-object.ts";
import type {
  CompletionFacts,
  CompletionRequest,
  Gateway,
  GatewayOptions,
  GatewayStream,
  ModelChoice,
  StreamFacts,
} from "./gateway-types.ts";
import { createDatabaseRequestLog, discardRequestLogs } from "./request-log-sink.ts";

/** How long close() lets requests in flight finish before it cancels them. */
const closeGraceMs = 5_000;
/** How long it then waits for the cancelled ones to be logged (a stream nobody reads any more never is). */
const cancelledLogWaitMs = 1_000;

/**
 * The gateway core as an in-process library (DESIGN §12): the same routing, retries,
 * fallbacks, timeouts and pricing as the server, with no HTTP server and no database unless
 * the config names one (`database: { url }`: then every request is logged there).
 *
 * `config` is a YAML file's path, the same shape as an object, or nothing (one wildcard model
 * per provider key in the environment: `openai/gpt-4o` with OPENAI_API_KEY set). `${VAR}` is
 * substituted and provider credentials default from the environment, as for the CLI. Throws
 * ConfigError listing every problem.
 *
 * @example
 * const gateway = createGateway("switchboard.yaml");
 * const answer = await gateway.completion({ model: ["gpt-4o", "claude-sonnet"], messages: [{ role: "user", content: "Hi" }] });
 * console.log(answer.choices[0].message.content, answer.switchboard.costUsd);
 * await gateway.close();
 */
export function createGateway(
  config?: string | ConfigObject,
  options: GatewayOptions = {},
): Gateway {
  const {
    environment,
    onProblem = (message, error) => console.error(`switchboard: ${message}`, error ?? ""),
  } = options;
  const { config: resolved, databaseConfigured } = loadLibraryConfig(config, environment);
  const dispatcher = options.dispatcher ?? createUpstreamDispatcher();
  const requestLog = databaseConfigured
    ? createDatabaseRequestLog({ url: resolved.database.url, onProblem })
    : discardRequestLogs;
  const { completions } = createGatewayCore({
    config: resolved,
    dispatcher,
    recordRequest: requestLog.record,
  });
  let closing: Promise<void> | undefined;

  /** The service's body and context for an SDK request: a model list's first name is the request's model, the rest its fallbacks. */
  async function serviceCall<Fields extends { model: ModelChoice; signal?: AbortSignal }>({
    model,
    signal,
    ...fields
  }: Fields) {
    if (closing)
      throw new GatewayError(
        "BAD_REQUEST",
        "This gateway is closed; create another with createGateway().",
      );
    await Promise.all([requestLog.ready, loadTokenEncodings(configuredModelNames(resolved))]);
    // Anything but a list is the request's model as it is: the service's validation names what is wrong with it.
    const [first, ...rest] = Array.isArray(model) ? model : [model];
    const context: CompletionContext = {
      principal: sdkCaller,
      source: "sdk",
      signal,
      fallbacks: Array.isArray(model) ? rest : undefined,
    };
    return { body: { ...fields, model: first }, context };
  }

  const completion: Gateway["completion"] = async (request) => {
    const { body, context } = await serviceCall(request);
    const result = await completions.chat(body, context);
    return { ...result.response, switchboard: factsOf(result) };
  };

  function stream(request: CompletionRequest): GatewayStream {
    let facts: StreamFacts | undefined;
    const iterator = streamedChunks(
      async () => {
        const { body, context } = await serviceCall(request);
        return completions.chatStream({ ...body, stream: true }, context);
      },
      (known) => {
        facts = known;
      },
    );
    return {
      [Symbol.asyncIterator]: () => iterator,
      get switchboard() {
        return facts;
      },
    };
  }

  const embed: Gateway["embed"] = async (request) => {
    const { body, context } = await serviceCall(request);
    const result = await completions.embed(body, context);
    return { ...result.response, switchboard: factsOf(result) };
  };

  const completionObject: Gateway["completionObject"] = async ({
    schema,
    schemaName,
    ...request
  }) => {
    const answer = await completion({
      ...request,
      response_format: responseFormatFor(schema, schemaName),
    });
    return { object: await readObject(schema, answer), completion: answer };
  };

  function close(): Promise<void> {
    closing ??= (async () => {
      await completions.whenAllRecorded(closeGraceMs);
      // What is still running is cancelled by closing its connections, and logged as such.
      if (!options.dispatcher) await dispatcher.destroy();
      await completions.whenAllRecorded(cancelledLogWaitMs);
      await requestLog.close();
    })();
    return closing;
  }

  return { completion, stream, embed, completionObject, close };
}

/**
 * The chunks of the stream `start` starts; `report` gets its facts once it started, and again,
 * usage and cost added from its summary, when it ends.
 * Declared once at module level on purpose: see RelayedChunks in completions/started-stream.ts.
 */
async function* streamedChunks(
  start: () => Promise<CompletionStream>,
  report: (facts: StreamFacts) => void,
): AsyncGenerator<ChatChunk> {
  const started = await start();
  const facts = servedBy(started);
  report(facts);
  try {
    // Delegating forwards return(): breaking out of the caller's loop closes the upstream.
    yield* started;
  } finally {
    const summary = started.summary;
    if (summary)
      report({
        ...facts,
        usage: summary.usage,
        finishReason: summary.finishReason,
        costUsd: formatUsd(summary.charge.costNanoUsd),
        latencyMs: summary.latencyMs,
      });
  }
}

/** Which request it was and where it was served: known once the provider answered (a stream: its first chunk). */
function servedBy({
  requestId,
  deployment,
  attempts,
  cache,
}: {
  requestId: string;
  deployment: DeploymentIdentity;
  attempts: number;
  cache?: "hit" | "miss";
}): Omit<CompletionFacts, "costUsd" | "latencyMs"> {
  return {
    requestId,
    model: deployment.group,
    provider: deployment.provider,
    deployment: deployment.id,
    attempts,
    ...(cache === "hit" ? { cached: true } : {}),
  };
}

function factsOf(result: CompletionResult | EmbeddingResult): CompletionFacts {
  return {
    ...servedBy(result),
    costUsd: formatUsd(result.charge.costNanoUsd),
    latencyMs: result.latencyMs,
  };
}
