import type { Dispatcher } from "undici";
import { type AwsProviderSettings, createAwsProviderSigner } from "../../aws-sigv4.ts";
import type {
  CallOptions,
  ChatChunk,
  ChatRequest,
  ChatResponse,
  ProviderAdapter,
} from "../../spec.ts";
import { readServerSentEvents } from "../../sse.ts";
import {
  type AnswerSchema,
  asUpstreamFailure,
  contentTypeOf,
  postUpstream,
  quotedExcerpt,
  readUpstreamJson,
  rejectUnlessSuccessful as rejectStatus,
  releaseBody,
  type UpstreamJsonReading,
  type UpstreamResponse,
} from "../../upstream-http.ts";
import { convertToSageMakerRequest } from "./convert-to-sagemaker-request.ts";
import {
  containerErrorSchema,
  type SageMakerChatChunk,
  sageMakerChatChunkSchema,
  type SageMakerChatResponse,
  sageMakerChatResponseSchema,
} from "./sagemaker-api.ts";
import {
  containerReportedError,
  sageMakerHttpError,
  sageMakerInvalidResponseError,
} from "./sagemaker-error.ts";
import { readSageMakerPayload } from "./sagemaker-event-stream.ts";
import { completeSageMakerResponse, SageMakerStreamNormalizer } from "./sagemaker-stream.ts";

export interface SageMakerAdapterOptions extends AwsProviderSettings {
  /** Default `https://runtime.sagemaker.{region}.amazonaws.com` (override: VPC endpoints, proxies, tests). */
  apiBase?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher); undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
}

/**
 * SageMaker Runtime's InvokeEndpoint / InvokeEndpointWithResponseStream for endpoints whose
 * container serves OpenAI's chat format (Hugging Face TGI's Messages API, LMI/vLLM, JumpStart
 * chat models). The request's `model` is the endpoint name. Requests are signed with SigV4
 * (service "sagemaker"); streams arrive as AWS event-stream PayloadPart events whose bytes,
 * joined, are the container's own SSE stream. When `options.signal` aborts, the upstream
 * request is closed and the signal's reason is rethrown unchanged.
 * References: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
 *             https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpointWithResponseStream.html
 */
export function createSageMakerAdapter({
  apiBase,
  dispatcher,
  provider = "sagemaker",
  ...aws
}: SageMakerAdapterOptions): ProviderAdapter {
  const { region, signRequest, secrets } = createAwsProviderSigner(provider, "sagemaker", aws);
  const root = (apiBase ?? `https://runtime.sagemaker.${region}.amazonaws.com`).replace(/\/+$/, "");

  async function send(
    request: ChatRequest,
    signal: AbortSignal,
    stream: boolean,
  ): Promise<UpstreamResponse> {
    const body = JSON.stringify(convertToSageMakerRequest(request, { stream }));
    signal.throwIfAborted();
    const url = new URL(
      `${root}/endpoints/${encodeURIComponent(request.model)}/${stream ? "invocations-response-stream" : "invocations"}`,
    );
    // `accept` is the container's answer type on InvokeEndpoint; the stream's is X-Amzn-SageMaker-Accept (SSE).
    const headers: Record<string, string> = stream
      ? { "content-type": "application/json", "x-amzn-sagemaker-accept": "text/event-stream" }
      : { "content-type": "application/json", accept: "application/json" };
    const signed = await signRequest({ url, method: "POST", headers, body });
    return postUpstream({ provider, url, headers: signed, body, signal, dispatcher });
  }

  function rejectUnlessSuccessful(response: UpstreamResponse): Promise<void> {
    return rejectStatus(response, ({ status, headers, bodyText }) =>
      sageMakerHttpError({ provider, status, headers, bodyText, secrets }),
    );
  }

  const reading: UpstreamJsonReading = {
    provider,
    // The container speaks OpenAI's Messages API.
    format: "OpenAI's",
    reportedError: (json) =>
      containerErrorSchema.safeParse(json).success
        ? containerReportedError(provider, JSON.stringify(json), secrets)
        : undefined,
  };
  const parseAnswer = <Answer>(text: string, schema: AnswerSchema, what: string) =>
    readUpstreamJson<Answer>(text, schema, what, reading);

  async function chat(request: ChatRequest, { signal }: CallOptions): Promise<ChatResponse> {
    const response = await send(request, signal, false);
    try {
      await rejectUnlessSuccessful(response);
      const answer = parseAnswer<SageMakerChatResponse>(
        await response.body.text(),
        sageMakerChatResponseSchema,
        "the response",
      );
      return completeSageMakerResponse(answer, request);
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      response.body.destroy();
    }
  }

  async function* chatStream(
    request: ChatRequest,
    { signal }: CallOptions,
  ): AsyncGenerator<ChatChunk> {
    const response = await send(request, signal, true);
    const normalizer = new SageMakerStreamNormalizer(request);
    let sawDone = false;
    try {
      await rejectUnlessSuccessful(response);
      const contentType = contentTypeOf(response);
      if (contentType && !contentType.includes("application/vnd.amazon.eventstream")) {
        throw sageMakerInvalidResponseError(
          provider,
          `the stream is not an AWS event stream (content-type ${contentType}): ${quotedExcerpt(await response.body.text())}`,
        );
      }
      // The body outlives these iterators on purpose: after [DONE] it is drained, not destroyed (see finally).
      const payload = readSageMakerPayload(response.body.iterator({ destroyOnReturn: false }), {
        provider,
        secrets,
      });
      for await (const event of readServerSentEvents(payload)) {
        if (event.data === "[DONE]") {
          sawDone = true;
          break;
        }
        if (event.event === "error") throw containerReportedError(provider, event.data, secrets);
        yield* emit(
          normalizer.push(
            parseAnswer<SageMakerChatChunk>(event.data, sageMakerChatChunkSchema, "a stream event"),
          ),
          signal,
        );
      }
      if (!normalizer.started)
        throw sageMakerInvalidResponseError(
          provider,
          "the stream ended without sending any chat chunk",
        );
      yield* emit(normalizer.finish(), signal);
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      // Reached on [DONE], on the body's end, on errors and when the consumer stops early.
      releaseBody(response.body, { drain: sawDone });
    }
  }

  return { provider, chat, chatStream };
}

/** Yields chunks one by one; one container chunk can become several, and a caller that aborted after the first gets no more. */
function* emit(chunks: ChatChunk[], signal: AbortSignal): Generator<ChatChunk> {
  for (const chunk of chunks) {
    signal.throwIfAborted();
    yield chunk;
  }
}
