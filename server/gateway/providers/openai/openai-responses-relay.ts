import type { Dispatcher } from "undici";
import type { ModelEntry } from "../../../config.ts";
import {
  chatResponseOfNative,
  createNativeEventReader,
  terminalEventTypes,
} from "../../inbound/responses/read-native-responses.ts";
import {
  nativeAnswer,
  nativeEvents,
  type NativeRelay,
  type RelayedChunk,
  type RelayedResponse,
} from "../../native-relay.ts";
import type { Deployment } from "../../router.ts";
import { readServerSentEvents } from "../../sse.ts";
import {
  asUpstreamFailure,
  contentTypeOf,
  parseJsonOrText,
  postUpstream,
  readUpstreamJson,
  rejectUnlessSuccessful,
  releaseBody,
  unexpectedAnswer,
  type UpstreamJsonReading,
} from "../../upstream-http.ts";
import { azureResponsesEndpoint } from "../azure/azure-responses-relay.ts";
import { openAIErrorBodySchema } from "./openai-api.ts";
import { openAIHttpError, openAIInvalidResponseError, openAIPayloadError } from "./openai-error.ts";
import { z } from "zod";

/*
 * OpenAI's Responses API relayed as it came (issue 15): a Responses request whose deployment is
 * OpenAI or Azure is POSTed to the provider's own `/responses`, and the answer (or each stream
 * event) is read into the ChatResponse / ChatChunk the pipeline accounts with, the provider's
 * bytes kept under `nativeAnswer` / `nativeEvents` for the caller.
 * Reference: https://platform.openai.com/docs/api-reference/responses/create
 */

/** Where a deployment's Responses API is and how to authenticate to it. */
export interface ResponsesEndpoint {
  url: URL;
  headers: Record<string, string>;
  /** Credentials to mask should the upstream echo them in an error. */
  secrets: Array<string | undefined>;
}

/** OpenAI: `{apiBase}/responses` with a bearer key. */
export function openAIResponsesEndpoint(entry: ModelEntry): ResponsesEndpoint {
  const root = (entry.apiBase ?? "https://api.openai.com/v1").replace(/\/+$/, "");
  return {
    url: new URL(`${root}/responses`),
    headers: entry.apiKey ? { authorization: `Bearer ${entry.apiKey}` } : {},
    secrets: [entry.apiKey],
  };
}

const endpointByProvider: Record<string, (entry: ModelEntry) => ResponsesEndpoint> = {
  openai: openAIResponsesEndpoint,
  azure: azureResponsesEndpoint,
};

/** A Responses answer: an object with an output list (loosely checked; everything is kept). */
const responsesAnswerSchema = z.looseObject({
  object: z.literal("response"),
  output: z.array(z.unknown()),
});

/** What one Responses request's relay sends, and through which pool. */
interface ResponsesRelayOptions {
  /** The body to send a deployment: the caller's, with the deployment's model. */
  upstreamBody: (deployment: Deployment) => Record<string, unknown>;
  dispatcher?: Dispatcher;
}

/**
 * The relay for one Responses request: `upstreamBody(deployment)` is the body to send that
 * deployment (the caller's, with the deployment's model); only OpenAI and Azure deployments take it.
 */
export function createResponsesRelay(options: ResponsesRelayOptions): NativeRelay {
  function accepts(deployment: Deployment): boolean {
    return Object.hasOwn(endpointByProvider, deployment.provider);
  }

  async function chat(
    deployment: Deployment,
    { signal }: { signal: AbortSignal },
  ): Promise<RelayedResponse> {
    const { response: pending, reject, reading } = sendRequest(options, deployment, false, signal);
    const response = await pending;
    try {
      await reject(response);
      const answer = readUpstreamJson<Record<string, unknown>>(
        await response.body.text(),
        responsesAnswerSchema,
        "the response",
        reading,
      );
      const chat: RelayedResponse = chatResponseOfNative(answer, deployment.model);
      chat[nativeAnswer] = answer;
      return chat;
    } catch (error) {
      throw asUpstreamFailure(error, signal, deployment.provider);
    } finally {
      response.body.destroy();
    }
  }

  return {
    accepts,
    chat,
    chatStream: (deployment, { signal }) => responsesStream(options, deployment, signal),
  };
}

/** The request sent to `deployment`'s Responses API, and how to read its answer. */
function sendRequest(
  { upstreamBody, dispatcher }: ResponsesRelayOptions,
  deployment: Deployment,
  stream: boolean,
  signal: AbortSignal,
) {
  const endpoint = endpointByProvider[deployment.provider](deployment.entry);
  const provider = deployment.provider;
  const reading: UpstreamJsonReading = {
    provider,
    format: "OpenAI's Responses",
    reportedError: (json) => {
      const reported = openAIErrorBodySchema.safeParse(json);
      return reported.success
        ? openAIPayloadError(provider, reported.data, endpoint.secrets)
        : undefined;
    },
  };
  const response = postUpstream({
    provider,
    url: endpoint.url,
    headers: {
      "content-type": "application/json",
      accept: stream ? "text/event-stream" : "application/json",
      ...endpoint.headers,
    },
    body: JSON.stringify({ ...upstreamBody(deployment), stream }),
    signal,
    dispatcher,
  });
  const reject = (answer: Awaited<typeof response>) =>
    rejectUnlessSuccessful(answer, ({ status, headers, bodyText }) =>
      openAIHttpError({ provider, status, headers, bodyText, secrets: endpoint.secrets }),
    );
  return { response, reject, reading };
}

/**
 * The relay's stream: each Responses event on a chunk, up to the terminal one.
 * Declared once at module level on purpose: see RelayedChunks in completions/started-stream.ts.
 */
async function* responsesStream(
  options: ResponsesRelayOptions,
  deployment: Deployment,
  signal: AbortSignal,
): AsyncGenerator<RelayedChunk> {
  const { response: pending, reject, reading } = sendRequest(options, deployment, true, signal);
  const response = await pending;
  const provider = deployment.provider;
  let ended = false;
  try {
    await reject(response);
    const contentType = contentTypeOf(response);
    if (contentType && !contentType.includes("text/event-stream")) {
      const text = await response.body.text();
      throw unexpectedAnswer(
        parseJsonOrText(text),
        text,
        `the stream (content-type ${contentType})`,
        reading,
      );
    }
    const read = createNativeEventReader(deployment.model);
    let failure: unknown;
    for await (const sse of readServerSentEvents(
      response.body.iterator({ destroyOnReturn: false }),
    )) {
      if (sse.data === "[DONE]") break;
      const event = readUpstreamJson<Record<string, unknown>>(
        sse.data,
        eventSchema,
        "a stream event",
        reading,
      );
      const chunk: RelayedChunk = read(event);
      chunk[nativeEvents] = [event];
      const type = String(event.type);
      if (type === "response.failed" || type === "error")
        failure = failedEventError(provider, event);
      // The caller gets the failure event as the provider sent it, then the pipeline its error.
      yield chunk;
      if (terminalEventTypes.has(type)) {
        ended = true;
        break;
      }
    }
    if (failure) throw failure;
    if (!ended)
      throw openAIInvalidResponseError(
        provider,
        "the Responses stream ended without response.completed",
      );
  } catch (error) {
    throw asUpstreamFailure(error, signal, provider);
  } finally {
    releaseBody(response.body, { drain: ended });
  }
}

const eventSchema = z.looseObject({ type: z.string() });

/** A `response.failed` or `error` event as the pipeline's upstream error. */
function failedEventError(provider: string, event: Record<string, unknown>) {
  const reported =
    event.type === "error"
      ? { message: event.message, code: event.code }
      : ((event.response as { error?: { message?: unknown; code?: unknown } } | undefined)?.error ??
        {});
  return openAIPayloadError(provider, {
    error: {
      message: typeof reported.message === "string" ? reported.message : "the response failed",
      code: typeof reported.code === "string" ? reported.code : null,
      type: "server_error",
    },
  });
}
