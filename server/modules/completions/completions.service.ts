import { newRequestId } from "../../gateway/identifiers.ts";
import type { CachedAnswer } from "../../gateway/cache.ts";
import { encodeEmbeddingsAsBase64 } from "../../gateway/embedding-encoding.ts";
import { GatewayError } from "../../gateway/errors.ts";
import type { NativeRelay } from "../../gateway/native-relay.ts";
import { bindUpstreamExchange, type UpstreamExchange } from "../../gateway/upstream-exchange.ts";
import type { Principal } from "../../gateway/principal.ts";
import type { Deployment, DeploymentIdentity, Router } from "../../gateway/router.ts";
import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingResponse,
  FinishReason,
  Usage,
} from "../../gateway/spec.ts";
import { validateChatRequest } from "../../gateway/validate-chat-request.ts";
import { validateEmbeddingRequest } from "../../gateway/validate-embedding-request.ts";
import type { AttemptRecord, RequestRecord } from "../../gateway/request-record.ts";
import {
  countedOnce,
  estimateInputTokens,
  estimatePromptTokens,
  type TokenEstimate,
} from "../../gateway/tokens.ts";
import { type Admission, type Admit, admitEverything } from "../../gateway/admission.ts";
import {
  type CacheEntry,
  cachedChunks,
  cachedResponse,
  cacheEntryFor,
  completionTextOf,
  findCachedAnswer,
  type ResponseCaching,
  storeAnswer,
} from "./cached-answers.ts";
import {
  type AttemptWalker,
  createAttemptWalker,
  WalkFailure,
} from "../../gateway/attempt-walk.ts";
import { withAttemptTimeout } from "../../gateway/attempt-timeout.ts";
import {
  callerHasGone,
  createRequestDeadline,
  type CallerCancellation,
  type RequestDeadline,
} from "../../gateway/request-deadline.ts";
import { createStreamWatchdog, type StreamWatchdog } from "../../gateway/stream-watchdog.ts";
import {
  chargeFor,
  chargeForCacheHit,
  chargeForEmbedding,
  noCharge,
  toGatewayError,
  type RequestCharge,
  usageOrEstimate,
  createStreamTally,
} from "../../gateway/usage-accounting.ts";
import { replayCachedStream } from "./cached-stream.ts";
import { RelayedChunks, StartedStream, type StreamRelay } from "./started-stream.ts";
import { completionSpanAttributes, endCompletionSpan } from "./completion-span.ts";
import type { RequestTracing } from "../../tracing.ts";
import { failedAnswer, streamedAnswer, type KeepBody } from "./request-bodies.ts";

/** Who asks, from where, and the signal that fires when they go away. */
export interface CompletionContext {
  principal: Principal;
  source: RequestRecord["source"];
  signal?: AbortSignal;
  /**
   * The caller's going away without an AbortSignal (REST, GraphQL's fast path): `signal` is then
   * made only when read.
   */
  cancellation?: CallerCancellation;
  requestId?: string;
  /** The caller's own `x-request-id` (validated by the surface): sent upstream and logged; the row keeps `requestId`. */
  clientRequestId?: string;
  /**
   * Models to try, in order, after the request's own when it fails (the SDK's `model: [a, b]`),
   * instead of the configured `router.fallbacks`; one request, one log entry.
   */
  fallbacks?: readonly string[];
  /** The HTTP request's `cache-control`: `no-store` keeps it away from the response cache, `no-cache` refreshes its entry. */
  cacheControl?: string;
  /**
   * Writes a non-streaming success to the caller before the request is logged: the caller gets
   * its bytes without waiting for the log entry, the limits' settlement and the metrics, which
   * run right after, in the same turn of the event loop (so a next request from the caller finds
   * them done). `chat` still resolves with the result; a cache hit is not passed here.
   */
  answer?: (result: CompletionResult) => void;
  /**
   * The caller's request in its own wire format, for deployments that speak it (the Anthropic
   * and Responses edges): those get it as it came; every other deployment gets the ChatRequest.
   */
  native?: NativeRelay;
}

/** Whether the response cache answered: undefined when there is no cache. */
export type CacheStatus = "hit" | "miss" | undefined;

export interface CompletionResult {
  requestId: string;
  response: ChatResponse;
  /** The deployment that answered (for a cache hit: the one that answered first). */
  deployment: DeploymentIdentity;
  /** Upstream attempts it took (1 when the first deployment answered; 0 for a cache hit). */
  attempts: number;
  cache: CacheStatus;
  charge: RequestCharge;
  latencyMs: number;
}

export interface EmbeddingResult {
  requestId: string;
  response: EmbeddingResponse;
  deployment: Deployment;
  attempts: number;
  charge: RequestCharge;
  latencyMs: number;
}

/** How a finished stream went; set once the stream has ended. */
export interface StreamSummary {
  finishReason: FinishReason | null;
  usage: Usage;
  charge: RequestCharge;
  /** From the request's start to the stream's end. */
  latencyMs: number;
}

/** An upstream stream that has started (the provider accepted the request), relayed chunk by chunk. */
export interface CompletionStream extends AsyncIterable<ChatChunk> {
  requestId: string;
  deployment: DeploymentIdentity;
  /** Upstream attempts it took to get the first chunk (0 for a cache hit, which replays a stored answer). */
  attempts: number;
  cache: CacheStatus;
  /** Available after the last chunk: finish reason, usage and cost. */
  readonly summary: StreamSummary | undefined;
}

export interface CompletionsServiceOptions {
  router: Router;
  /** Queues the log entry (batched) and tells live subscribers. */
  recordRequest(entry: RequestRecord): void;
  timeoutMs: number;
  /** One non-streaming upstream attempt (router.attemptTimeoutMs): past it the attempt fails over like a 5xx; default: timeoutMs. */
  attemptTimeoutMs?: number;
  /** A stream attempt with no first chunk by then fails over (router.firstTokenTimeoutMs); default: timeoutMs. */
  firstTokenTimeoutMs?: number;
  /** A started stream silent this long ends with an error (router.streamIdleTimeoutMs); default: timeoutMs. */
  streamIdleTimeoutMs?: number;
  /** Rate limits (and budgets) checked before each upstream call; everything is admitted by default. */
  admit?: Admit;
  /** Retries and fallbacks across deployments (issue 6); one attempt on the first deployment by default. */
  walkAttempts?: AttemptWalker;
  /** The exact response cache (config `cache`); none by default. */
  responseCache?: ResponseCaching;
  /** OpenTelemetry spans (a completion span around its attempts); none when tracing is off. */
  tracing?: RequestTracing;
  now?: () => number;
  createRequestId?: () => string;
  /** `logging.storeBodies`: builds the redacted prompt and answer kept with each log entry; off when absent. */
  keepBody?: KeepBody;
}

/**
 * The one path every completion takes, whether it came over REST, a GraphQL mutation or a
 * subscription: validate, route, call the provider, price, log (success, failure or cancel).
 */
export function createCompletionsService({
  router,
  recordRequest,
  timeoutMs,
  attemptTimeoutMs = timeoutMs,
  firstTokenTimeoutMs = timeoutMs,
  streamIdleTimeoutMs = timeoutMs,
  admit = admitEverything,
  walkAttempts = createAttemptWalker({ router, retries: 0 }),
  responseCache,
  tracing,
  now = Date.now,
  createRequestId = newRequestId,
  keepBody,
}: CompletionsServiceOptions) {
  // Requests begun but not yet logged, so stop() can wait for cancelled ones to be recorded.
  let unrecordedCount = 0;
  const idleWaiters: Array<() => void> = [];
  const missStatus: CacheStatus = responseCache ? "miss" : undefined;

  function begin(
    body: unknown,
    context: CompletionContext,
    operation: "chat" | "embeddings" = "chat",
  ) {
    unrecordedCount += 1;
    let recorded = false;
    let deadline: RequestDeadline | undefined;
    let admission: Admission | undefined;
    const attempts: AttemptRecord[] = [];
    const startedAt = now();
    const requestId = context.requestId ?? createRequestId();
    const { model, metadata } = (body ?? {}) as { model?: unknown; metadata?: unknown };
    const requestedModel = typeof model === "string" ? model : "";
    const callerMetadata =
      metadata && typeof metadata === "object" && !Array.isArray(metadata)
        ? (metadata as Record<string, unknown>)
        : undefined;
    const span = tracing?.startSpan(
      `${operation} ${requestedModel}`,
      completionSpanAttributes(operation, requestId, body, context),
      "internal",
    );
    const createdAt = new Date(startedAt);

    function record(outcome: {
      status: RequestRecord["status"];
      deployment?: DeploymentIdentity;
      charge?: RequestCharge;
      error?: GatewayError;
      stream: boolean;
      timeToFirstTokenMs?: number;
      /** The answer to keep when bodies are stored (OpenAI `choices`); a failure keeps its error. */
      answer?: unknown;
    }) {
      const latencyMs = now() - startedAt;
      if (outcome.error && !outcome.error.request)
        outcome.error.request = {
          id: requestId,
          attempts: attempts.length,
          lastDeployment: outcome.deployment?.id,
        };
      deadline?.clear();
      if (!recorded) {
        recorded = true;
        unrecordedCount -= 1;
        if (unrecordedCount === 0) for (const wake of idleWaiters.splice(0)) wake();
      }
      // The limits and budget held for this request get what it really cost (nothing, if it failed).
      // A request that did not succeed tells the router why (a cancelled one says nothing about the deployment).
      admission?.finish(
        outcome.charge,
        outcome.status === "success" || outcome.status === "cache_hit"
          ? undefined
          : (outcome.error ?? new GatewayError("CANCELLED", "The caller cancelled the request.")),
      );
      admission = undefined;
      const charge = outcome.charge ?? noCharge;
      const { deployment, error, status } = outcome;
      if (span) endCompletionSpan(span, outcome, charge, attempts.length);
      // One literal in RequestRecord's field order: spreading `base` and the charge into it built
      // the object property by property (`record` was 4.3% of the REST path's self time, issue 16).
      recordRequest({
        id: requestId,
        createdAt,
        apiKeyId: context.principal.apiKeyId,
        teamId: context.principal.teamId,
        source: context.source,
        requestedModel,
        clientRequestId: context.clientRequestId,
        model: deployment?.model,
        provider: deployment?.provider,
        deployment: deployment?.id,
        status,
        errorCode: error?.code,
        errorMessage: error?.message,
        httpStatus: error?.status ?? 200,
        promptTokens: charge.promptTokens,
        completionTokens: charge.completionTokens,
        cachedTokens: charge.cachedTokens,
        reasoningTokens: charge.reasoningTokens,
        costNanoUsd: charge.costNanoUsd,
        usageEstimated: charge.usageEstimated,
        latencyMs,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        stream: outcome.stream,
        // Every upstream attempt; a failure after the winning attempt (a stream that broke) is the last one's.
        attempts:
          attempts.length > 0
            ? attempts.map((attempt, index) =>
                index === attempts.length - 1 && (status === "error" || status === "cancelled")
                  ? {
                      ...attempt,
                      status,
                      errorCode: error?.code,
                      httpStatus: error?.status,
                    }
                  : attempt,
              )
            : [],
        metadata: callerMetadata,
        body: keepBody && keepBody(body, outcome.answer ?? failedAnswer(error)),
      });
      return latencyMs;
    }

    /**
     * The requested model and the caller's own fallbacks: each one the caller may use, and
     * each fallback served, so a typo at the end of a list fails before anything is sent.
     * Returns the name the request is routed by: an alias (modelAliases) resolved to its group,
     * the one place every surface's aliases are resolved; the log keeps the name as sent.
     */
    function checkModels(model: string): string {
      const group = router.resolveModel(model);
      checkModelAllowed(model, group, context.principal);
      for (const fallback of context.fallbacks ?? []) {
        if (typeof fallback !== "string" || fallback === "")
          throw new GatewayError(
            "BAD_REQUEST",
            "Every model of a model list must be a non-empty string.",
            { param: "model" },
          );
        checkModelAllowed(fallback, router.resolveModel(fallback), context.principal);
        router.assertServed(fallback);
      }
      return group;
    }

    /** Validates; the deadline fires on the caller's signal or the configured timeout. */
    function prepare(): { request: ChatRequest; deadline: RequestDeadline } {
      const validated = validateChatRequest(body);
      const request = { ...validated, model: checkModels(validated.model) };
      deadline = createRequestDeadline({ caller: context, timeoutMs });
      return { request, deadline };
    }

    /**
     * Calls `call` on the model's deployments (retries and fallbacks walk them), each attempt
     * admitted by `admitFor`; the winning attempt's admission stays held until the request is recorded.
     */
    async function run<Value>(
      model: string,
      metadata: unknown,
      deadline: RequestDeadline,
      admitFor: (deployment: Deployment) => Admission | Promise<Admission>,
      call: (deployment: Deployment, exchange: UpstreamExchange) => Promise<Value>,
      promptTokens?: TokenEstimate,
    ) {
      const stream = (body as { stream?: unknown } | null)?.stream === true;
      const walk = () =>
        walkAttempts({
          model,
          fallbacks: context.fallbacks?.map(router.resolveModel),
          requestId,
          forwardedRequestId: context.clientRequestId,
          metadata,
          stream,
          deadline,
          promptTokens,
          caller: context,
          admit: admitFor,
          call,
          onAttempt: (attempt) => void attempts.push(attempt),
        });
      // The attempts' spans are children of the completion's.
      const result = await (span ? span.run(walk) : walk());
      admission = result.admission;
      return { value: result.value, deployment: result.deployment, attempts: attempts.length };
    }

    /** A chat request's walk: each attempt admitted with the prompt's estimate and the caller's max tokens. */
    function runChat<Value>(
      request: ChatRequest,
      deadline: RequestDeadline,
      call: (deployment: Deployment, exchange: UpstreamExchange) => Promise<Value>,
    ) {
      const promptTokens = countedOnce(() => estimatePromptTokens(request.messages, request.model));
      const maxOutputTokens = request.max_completion_tokens ?? request.max_tokens;
      return run(
        request.model,
        request.metadata,
        deadline,
        (candidate) =>
          admit({
            principal: context.principal,
            deployment: candidate,
            promptTokens,
            maxOutputTokens,
          }),
        call,
        promptTokens,
      );
    }

    /**
     * The stored answer for the request, if the cache has one, admitted like any request by the
     * key's and team's rate limits — but against no deployment and no budget: nothing is sent.
     */
    async function findAnswer(
      request: ChatRequest,
      entry: CacheEntry | undefined,
    ): Promise<CachedAnswer | undefined> {
      const answer = await findCachedAnswer(responseCache, entry);
      if (!answer) return undefined;
      // A stored answer of a model no longer served (another instance's config) is not served.
      router.assertServed(request.model);
      admission = await admit({
        principal: context.principal,
        promptTokens: () => estimatePromptTokens(request.messages, request.model),
        maxOutputTokens: request.max_completion_tokens ?? request.max_tokens,
      });
      return answer;
    }

    /** Logs a hit at cost 0 with the stored answer's tokens (estimated when it reported no usage). */
    function recordHit(
      request: ChatRequest,
      answer: CachedAnswer,
      served: {
        usage: Usage | undefined;
        completionText: string;
        finishReason?: string | null;
        choices?: unknown;
      },
      stream: boolean,
      timeToFirstTokenMs?: number,
    ) {
      const charge = chargeForCacheHit(served.usage, {
        messages: request.messages,
        completionText: served.completionText,
      });
      const latencyMs = record({
        status: "cache_hit",
        deployment: answer.servedBy,
        charge,
        stream,
        timeToFirstTokenMs,
        answer:
          keepBody &&
          (served.choices ?? streamedAnswer(served.completionText, served.finishReason)),
      });
      return { charge, latencyMs };
    }

    return {
      requestId,
      startedAt,
      record,
      checkModels,
      prepare,
      run,
      runChat,
      findAnswer,
      recordHit,
    };
  }

  /** The bound of one non-streaming attempt on `deployment` within the request's deadline. */
  function attemptLimit(deadline: RequestDeadline, deployment: Deployment) {
    return { deadline, provider: deployment.provider, timeoutMs: attemptTimeoutMs };
  }

  /** A non-streaming completion. Throws GatewayError (already logged) on any failure. */
  async function chat(body: unknown, context: CompletionContext): Promise<CompletionResult> {
    const { requestId, startedAt, record, prepare, runChat, findAnswer, recordHit } = begin(
      body,
      context,
    );
    let deployment: Deployment | undefined;
    try {
      const { request, deadline } = prepare();
      const cacheEntry = cacheEntryFor(responseCache, request, context);
      const cached = await findAnswer(request, cacheEntry);
      if (cached) {
        const response = cachedResponse(cached);
        const served = {
          usage: response.usage,
          completionText: completionTextOf(response),
          choices: response.choices,
        };
        const { charge, latencyMs } = recordHit(request, cached, served, false);
        const deployment = cached.servedBy;
        return { requestId, response, deployment, charge, latencyMs, attempts: 0, cache: "hit" };
      }
      const { stream: _stream, stream_options: _streamOptions, ...upstreamRequest } = request;
      const native = context.native;
      const result = await runChat(request, deadline, (candidate, exchange) =>
        withAttemptTimeout(attemptLimit(deadline, candidate), (signal) => {
          bindUpstreamExchange(signal, exchange);
          return native?.accepts(candidate)
            ? native.chat(candidate, { signal })
            : candidate.adapter.chat({ ...upstreamRequest, model: candidate.model }, { signal });
        }),
      );
      deployment = result.deployment;
      const response = result.value;
      const charge = chargeFor(deployment, response.usage, {
        messages: request.messages,
        completionText: completionTextOf(response),
      });
      const completion: CompletionResult = {
        requestId,
        response,
        deployment,
        charge,
        latencyMs: now() - startedAt,
        attempts: result.attempts,
        cache: missStatus,
      };
      context.answer?.(completion);
      completion.latencyMs = record({
        status: "success",
        deployment,
        charge,
        stream: false,
        answer: response.choices,
      });
      storeAnswer(responseCache, cacheEntry, { deployment, response });
      return completion;
    } catch (thrown) {
      const { error, failedOn } = failureOf(thrown, context, deployment);
      record({
        status: error.code === "CANCELLED" ? "cancelled" : "error",
        deployment: failedOn,
        error,
        stream: false,
      });
      throw error;
    }
  }

  /**
   * Starts a stream: resolves once the provider has accepted the request and sent its first
   * chunk, so routing and upstream errors surface as ordinary errors before anything is sent
   * to the caller. Breaking out of the iteration (or the caller's signal) closes the upstream.
   */
  async function chatStream(body: unknown, context: CompletionContext): Promise<CompletionStream> {
    const { requestId, startedAt, record, prepare, runChat, findAnswer, recordHit } = begin(
      body,
      context,
    );
    let deployment: Deployment | undefined;
    let upstream: AsyncIterator<ChatChunk>;
    let first: IteratorResult<ChatChunk>;
    let watchdog: StreamWatchdog;
    let messages: ChatRequest["messages"];
    let attemptCount: number;
    let cacheEntry: CacheEntry | undefined;
    try {
      const { request, deadline } = prepare();
      messages = request.messages;
      cacheEntry = cacheEntryFor(responseCache, request, context);
      const cached = await findAnswer(request, cacheEntry);
      if (cached) {
        const timeToFirstTokenMs = now() - startedAt;
        return replayCachedStream({
          requestId,
          deployment: cached.servedBy,
          chunks: cachedChunks(cached),
          finish(tally) {
            const { charge, latencyMs } = recordHit(
              request,
              cached,
              tally,
              true,
              timeToFirstTokenMs,
            );
            const usage = usageOrEstimate(tally.usage, charge);
            return { finishReason: tally.finishReason, usage, charge, latencyMs };
          },
        });
      }
      // A stream may fail over only until its first chunk: after that the caller has tokens.
      const result = await runChat(request, deadline, async (candidate, exchange) => {
        const attemptWatchdog = createStreamWatchdog({
          deadline,
          provider: candidate.provider,
          firstChunkTimeoutMs: firstTokenTimeoutMs,
          idleTimeoutMs: streamIdleTimeoutMs,
        });
        bindUpstreamExchange(attemptWatchdog.signal, exchange);
        try {
          const native = context.native;
          const options = { signal: attemptWatchdog.signal };
          const chunks = native?.accepts(candidate)
            ? native.chatStream(candidate, options)
            : candidate.adapter.chatStream(
                { ...request, model: candidate.model, stream: true },
                options,
              );
          const iterator = chunks[Symbol.asyncIterator]();
          const firstResult = await iterator.next();
          attemptWatchdog.chunkArrived();
          return { iterator, first: firstResult, watchdog: attemptWatchdog };
        } catch (failure) {
          attemptWatchdog.clear();
          throw failure;
        }
      });
      deployment = result.deployment;
      upstream = result.value.iterator;
      first = result.value.first;
      watchdog = result.value.watchdog;
      attemptCount = result.attempts;
    } catch (thrown) {
      const { error, failedOn } = failureOf(thrown, context, deployment);
      record({
        status: error.code === "CANCELLED" ? "cancelled" : "error",
        deployment: failedOn,
        error,
        stream: true,
      });
      throw error;
    }
    const servingDeployment = deployment;
    const timeToFirstTokenMs = now() - startedAt;
    let summary: StreamSummary | undefined;
    let finished = false;
    const tally = createStreamTally();
    // Copies of the chunks as they passed (the caller may change its own), kept for the cache.
    const chunksToStore: ChatChunk[] | undefined = cacheEntry?.write ? [] : undefined;

    function finish(status: RequestRecord["status"], error?: GatewayError) {
      if (finished) return;
      finished = true;
      watchdog.clear();
      const { usage, finishReason, completionText } = tally;
      const charge = chargeFor(servingDeployment, usage, { messages, completionText });
      const latencyMs = record({
        status,
        deployment: servingDeployment,
        charge,
        error,
        stream: true,
        timeToFirstTokenMs,
        answer: keepBody && streamedAnswer(completionText, finishReason),
      });
      summary = { finishReason, charge, usage: usageOrEstimate(usage, charge), latencyMs };
      // Only a stream that ran to its end is an answer worth storing.
      if (status === "success" && chunksToStore)
        storeAnswer(responseCache, cacheEntry, {
          deployment: servingDeployment,
          chunks: chunksToStore,
        });
    }

    const closeUpstream = async () => {
      await upstream.return?.().catch(() => {});
    };
    const relay: StreamRelay = {
      first,
      // Only the wait for the provider's next chunk counts towards the idle timeout.
      nextChunk() {
        watchdog.waitingForChunk();
        return upstream.next();
      },
      passing(chunk) {
        watchdog.chunkArrived();
        tally.add(chunk);
        chunksToStore?.push(structuredClone(chunk));
      },
      failure: (thrown) =>
        toGatewayError(thrown, callerHasGone(context), servingDeployment.provider),
      closeUpstream,
      finish,
    };
    const iterator = new RelayedChunks(relay);
    return new StartedStream(
      requestId,
      servingDeployment,
      attemptCount,
      missStatus,
      iterator,
      () => summary,
    );
  }

  /**
   * Embeddings take the same path as a completion: validate, route, call, price (prompt tokens
   * only), log. A model whose provider serves no embeddings is a BAD_REQUEST naming it.
   * `encoding_format` is never sent upstream: the gateway encodes base64 itself.
   */
  async function embed(body: unknown, context: CompletionContext): Promise<EmbeddingResult> {
    const { requestId, record, checkModels, run } = begin(body, context, "embeddings");
    let deployment: Deployment | undefined;
    let deadline: RequestDeadline | undefined;
    try {
      const validated = validateEmbeddingRequest(body);
      const request = { ...validated, model: checkModels(validated.model) };
      const [first] = router.plan(request.model);
      if (!first.adapter.embed) {
        throw new GatewayError(
          "BAD_REQUEST",
          `The model '${request.model}' (provider ${first.provider}) does not serve embeddings.`,
          { param: "model" },
        );
      }
      const requestDeadline = createRequestDeadline({ caller: context, timeoutMs });
      deadline = requestDeadline;
      const { encoding_format: encoding, ...upstreamRequest } = request;
      const promptTokens = estimateInputTokens(request.input, request.model);
      const result = await run(
        request.model,
        request.metadata,
        requestDeadline,
        (candidate) =>
          admit({
            principal: context.principal,
            deployment: candidate,
            promptTokens,
            producesOutput: false,
          }),
        async (candidate, exchange) => {
          if (!candidate.adapter.embed)
            throw new GatewayError(
              "BAD_REQUEST",
              `The deployment ${candidate.id} does not serve embeddings.`,
              { param: "model" },
            );
          const embed = candidate.adapter.embed;
          return withAttemptTimeout(attemptLimit(requestDeadline, candidate), (attemptSignal) => {
            bindUpstreamExchange(attemptSignal, exchange);
            return embed({ ...upstreamRequest, model: candidate.model }, { signal: attemptSignal });
          });
        },
      );
      deployment = result.deployment;
      const vectors = result.value;
      const encoded = encoding === "base64" ? encodeEmbeddingsAsBase64(vectors) : vectors;
      const charge = chargeForEmbedding(deployment, encoded, promptTokens);
      // OpenAI's shape always has usage: a provider that reports none gets the gateway's estimate.
      const response = encoded.usage
        ? encoded
        : {
            ...encoded,
            usage: { prompt_tokens: charge.promptTokens, total_tokens: charge.promptTokens },
          };
      const latencyMs = record({ status: "success", deployment, charge, stream: false });
      return { requestId, response, deployment, charge, latencyMs, attempts: result.attempts };
    } catch (thrown) {
      const { error, failedOn } = failureOf(thrown, context, deployment);
      record({
        status: error.code === "CANCELLED" ? "cancelled" : "error",
        deployment: failedOn,
        error,
        stream: false,
      });
      throw error;
    } finally {
      deadline?.clear();
    }
  }

  /** Logs a request rejected before it reached the service proper (e.g. a body that is not JSON). */
  function recordRejected(
    context: CompletionContext,
    error: GatewayError,
    options: { stream?: boolean } = {},
  ): void {
    const status = error.code === "CANCELLED" ? "cancelled" : "error";
    begin(undefined, context).record({ status, error, stream: options.stream ?? false });
  }

  /** Resolves once every request begun so far has been logged (or after timeoutMs). */
  function whenAllRecorded(timeoutMs: number): Promise<void> {
    if (unrecordedCount === 0) return Promise.resolve();
    return new Promise((resolve) => {
      idleWaiters.push(resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
  }

  return { chat, chatStream, embed, recordRejected, whenAllRecorded };
}

export type CompletionsService = ReturnType<typeof createCompletionsService>;

/** The error a failed request ends with, and the deployment it failed on (the last attempted, when retries walked several). */
function failureOf(
  thrown: unknown,
  context: CompletionContext,
  deployment: Deployment | undefined,
): { error: GatewayError; failedOn: Deployment | undefined } {
  if (thrown instanceof WalkFailure)
    return { error: thrown.error, failedOn: thrown.deployment ?? deployment };
  return {
    error: toGatewayError(thrown, callerHasGone(context), deployment?.provider),
    failedOn: deployment,
  };
}

/**
 * A team key's allow-list (its own narrowed by its team's) is checked before routing: nothing is
 * sent for a model it may not use. An alias is allowed when the group it stands for (`group`) is,
 * or when the list names the alias itself.
 */
function checkModelAllowed(model: string, group: string, principal: Principal): void {
  const allowed = principal.allowedModels;
  if (!allowed || allowed.includes(group) || allowed.includes(model)) return;
  throw new GatewayError(
    "MODEL_NOT_ALLOWED",
    `This API key may not use the model '${model}'. Allowed: ${allowed.length > 0 ? allowed.join(", ") : "none"}.`,
    { param: "model" },
  );
}
