import type { Dispatcher } from "undici";
import type { ModelEntry } from "../../../config.ts";
import {
  type NativeRelay,
  nativeAnswer,
  nativeEvents,
  type RelayedChunk,
  type RelayedResponse,
} from "../../native-relay.ts";
import type { Deployment } from "../../router.ts";
import type { ChatRequest } from "../../spec.ts";
import { invalidResponseError } from "../../upstream-errors.ts";
import {
  asUpstreamFailure,
  readUpstreamJson,
  rejectUnlessSuccessful,
  releaseBody,
  type UpstreamResponse,
} from "../../upstream-http.ts";
import { createBedrockClaudeRelayTransport } from "../bedrock/bedrock-claude-relay.ts";
import { createVertexClaudeRelayTransport } from "../vertex/vertex-claude-relay.ts";
import {
  anthropicErrorBodySchema,
  anthropicMessageSchema,
  anthropicStreamEventSchema,
  type AnthropicMessage,
  type AnthropicStreamEvent,
} from "./anthropic-api.ts";
import { anthropicPayloadError } from "./anthropic-error.ts";
import {
  type ClaudeRelayRequest,
  type ClaudeRelayTransport,
  createAnthropicRelayTransport,
} from "./anthropic-relay-transport.ts";
import { toChatResponse } from "./anthropic-response.ts";
import { AnthropicStreamTranslator, assertMessagesStreamEnded } from "./anthropic-stream.ts";

/** A Claude model id, as Bedrock (`anthropic.claude-…`, `us.anthropic.claude-…`, an ARN) or Vertex AI (`claude-…@date`) names it. */
const claudeModel = /(^|[./:])(anthropic\.)?claude/i;

/** Whether a deployment takes a Messages API body as it is: Anthropic's API, and Claude on Bedrock or Vertex AI. */
export function isClaudeDeployment(deployment: Pick<Deployment, "provider" | "model">): boolean {
  if (deployment.provider === "anthropic") return true;
  if (deployment.provider === "bedrock" || deployment.provider === "vertex")
    return claudeModel.test(deployment.model);
  return false;
}

// One transport per config entry (its signer, its token cache), made on first use.
const transports = new WeakMap<ModelEntry, ClaudeRelayTransport>();

/** The transport that reaches `deployment` (a Claude deployment: see isClaudeDeployment). */
export function claudeTransportFor(
  deployment: Pick<Deployment, "provider" | "entry">,
  dispatcher?: Dispatcher,
): ClaudeRelayTransport {
  let transport = transports.get(deployment.entry);
  if (!transport) {
    const { entry, provider } = deployment;
    transport =
      provider === "bedrock"
        ? createBedrockClaudeRelayTransport(entry, { dispatcher, provider })
        : provider === "vertex"
          ? createVertexClaudeRelayTransport(entry, { dispatcher, provider })
          : createAnthropicRelayTransport(entry, { dispatcher, provider });
    transports.set(deployment.entry, transport);
  }
  return transport;
}

/** The caller's request as it came: body, `anthropic-beta` / `anthropic-version` headers, `?beta=true`. */
export type CallerMessagesRequest = Omit<ClaudeRelayRequest, "model" | "stream">;

const knownEventTypes = new Set([
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
  "ping",
]);

/**
 * The Anthropic edge's NativeRelay (issue 15): Claude deployments get the caller's Messages API
 * body as it came (model replaced, beta headers kept), and the answer is read twice — as the
 * gateway's ChatResponse / ChatChunks (the adapter's own translation, for accounting and the
 * log) and kept as Anthropic sent it (`nativeAnswer` / `nativeEvents`) for the caller. Every
 * stream event rides on a chunk, in order: events with no chat equivalent (ping,
 * content_block_stop, message_delta, signature deltas, types added later) on a `choices: []` one.
 */
export function createAnthropicMessagesRelay(
  caller: CallerMessagesRequest,
  { dispatcher }: { dispatcher?: Dispatcher } = {},
): NativeRelay {
  async function chat(deployment: Deployment, { signal }: { signal: AbortSignal }) {
    const { transport, response: sent } = sendToClaude(caller, deployment, {
      stream: false,
      signal,
      dispatcher,
    });
    const { provider } = transport;
    const response = await sent;
    try {
      await rejectUnlessSuccessful(response, (failure) => transport.httpError(failure));
      const text = await response.body.text();
      const message = readUpstreamJson<AnthropicMessage>(
        text,
        anthropicMessageSchema,
        "the response",
        {
          provider,
          format: "Anthropic's",
          reportedError: (json) => {
            const reported = anthropicErrorBodySchema.safeParse(json);
            return reported.success
              ? anthropicPayloadError(provider, reported.data, transport.secrets)
              : undefined;
          },
        },
      );
      const answer: RelayedResponse = toChatResponse(message, {
        request: requestFor(deployment),
        created: Math.floor(Date.now() / 1000),
      });
      answer[nativeAnswer] = JSON.parse(text);
      return answer;
    } catch (error) {
      throw asUpstreamFailure(error, signal, provider);
    } finally {
      response.body.destroy();
    }
  }

  return {
    accepts: isClaudeDeployment,
    chat,
    chatStream: (deployment, { signal }) =>
      claudeMessagesStream(caller, deployment, { signal, dispatcher }),
  };
}

/** The caller's request sent to a Claude deployment, and the transport it went through. */
function sendToClaude(
  caller: CallerMessagesRequest,
  deployment: Deployment,
  { stream, signal, dispatcher }: { stream: boolean; signal: AbortSignal; dispatcher?: Dispatcher },
) {
  const transport = claudeTransportFor(deployment, dispatcher);
  const request = { ...caller, model: deployment.model, stream };
  return { transport, response: transport.send(request, signal) };
}

/**
 * The relay's stream: the caller's request streamed by a Claude deployment, each event on a chunk.
 * Declared once at module level on purpose: see RelayedChunks in completions/started-stream.ts.
 */
async function* claudeMessagesStream(
  caller: CallerMessagesRequest,
  deployment: Deployment,
  { signal, dispatcher }: { signal: AbortSignal; dispatcher?: Dispatcher },
): AsyncGenerator<RelayedChunk> {
  const { transport, response: sent } = sendToClaude(caller, deployment, {
    stream: true,
    signal,
    dispatcher,
  });
  const { provider } = transport;
  const response: UpstreamResponse = await sent;
  const translator = new AnthropicStreamTranslator(requestFor(deployment), undefined);
  try {
    await rejectUnlessSuccessful(response, (failure) => transport.httpError(failure));
    let eventCount = 0;
    for await (const event of transport.events(response)) {
      eventCount += 1;
      const type = (event as { type?: unknown } | null)?.type;
      if (typeof type !== "string")
        throw invalidResponseError(provider, "a stream event has no type");
      if (type === "error") {
        const reported = anthropicErrorBodySchema.safeParse(event);
        const failure = anthropicPayloadError(
          provider,
          reported.success ? reported.data : { error: {} },
          transport.secrets,
        );
        // Claude's own error event goes to the caller as it came (the edge reads it off the error).
        Object.assign(failure, { [nativeEvents]: [event] });
        throw failure;
      }
      const chunks: RelayedChunk[] = knownEventTypes.has(type)
        ? translator.translate(checkedEvent(event, provider))
        : [];
      const carrier = chunks[0] ?? {
        id: "",
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: deployment.model,
        choices: [],
      };
      carrier[nativeEvents] = [event];
      yield carrier;
      yield* chunks.slice(1);
      if (translator.finished) break;
    }
    assertMessagesStreamEnded(translator, eventCount, provider);
  } catch (error) {
    throw asUpstreamFailure(error, signal, provider);
  } finally {
    releaseBody(response.body, { drain: translator.finished });
  }
}

/** What the translation reads of the request: the model its chunks name. */
function requestFor(deployment: Deployment): ChatRequest {
  return { model: deployment.model, messages: [] };
}

function checkedEvent(event: unknown, provider: string): AnthropicStreamEvent {
  const parsed = anthropicStreamEventSchema.safeParse(event);
  if (!parsed.success)
    throw invalidResponseError(
      provider,
      `a stream event is not in Anthropic's format: ${JSON.stringify(event).slice(0, 120)}`,
    );
  return parsed.data;
}
