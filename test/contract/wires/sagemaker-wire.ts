import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { Dispatcher } from "undici";
import { expect } from "vitest";
import { createSageMakerAdapter } from "../../../server/gateway/providers/sagemaker/sagemaker-adapter.ts";
import {
  jsonReply,
  type RecordedRequest,
  type ScriptedReply,
} from "../../support/scripted-upstream.ts";
import type { ProviderWire, WireErrorKind, WireUsage } from "../provider-wire.ts";

/*
 * SageMaker Runtime in front of a Hugging Face TGI container serving the Messages API (the
 * shapes in test/fixtures/sagemaker/, each naming its source): InvokeEndpoint answers with the
 * container's chat.completion as is; InvokeEndpointWithResponseStream answers with an
 * `application/vnd.amazon.eventstream` body whose PayloadPart events carry the container's SSE
 * bytes (raw, one SSE event per PayloadPart here; split events are the contract file's own
 * cases); errors are SageMaker's REST-JSON bodies with `x-amzn-errortype`.
 */

const fixtureDirectory = new URL("../../fixtures/sagemaker/", import.meta.url);

/** A fixture's text, as stored. */
export function readSageMakerFixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), "utf8");
}

/** A JSON fixture without its `_source` note. */
export function readSageMakerFixture(name: string): Record<string, any> {
  const { _source, ...content } = JSON.parse(readSageMakerFixtureText(name));
  return content;
}

export const sageMakerEndpoint = "tgi-llama-3-1-8b-instruct";
export const sageMakerRegion = "us-east-1";
export const sageMakerCredentials = {
  accessKeyId: "AKIDSAGEMAKERTEST",
  secretAccessKey: "sagemaker-test-secret-key-0123456789",
};
const containerModel = "meta-llama/Llama-3.1-8B-Instruct";
const textTemplate = readSageMakerFixture("chat-completion.json");
const toolTemplate = readSageMakerFixture("chat-completion-tool-calls.json");
const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** An adapter for the scripted upstream, optionally with a fixed signing clock. */
export function createTestSageMakerAdapter(
  origin: string,
  dispatcher: Dispatcher,
  now?: () => Date,
) {
  return createSageMakerAdapter({
    region: sageMakerRegion,
    ...sageMakerCredentials,
    apiBase: origin,
    dispatcher,
    now,
  });
}

/** One event-stream frame: a PayloadPart carrying `bytes` raw (its Bytes member is the event payload). */
export function payloadPartFrame(bytes: string | Uint8Array): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": { type: "string", value: "event" },
      ":event-type": { type: "string", value: "PayloadPart" },
      ":content-type": { type: "string", value: "application/octet-stream" },
    },
    body: typeof bytes === "string" ? fromUtf8(bytes) : bytes,
  });
}

/** One exception frame of the response stream (ModelStreamError, InternalStreamFailure). */
export function exceptionFrame(exceptionType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": { type: "string", value: "exception" },
      ":exception-type": { type: "string", value: exceptionType },
      ":content-type": { type: "string", value: "application/json" },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** A service error frame (`:message-type: error`), which carries its code and message in headers. */
export function errorFrame(errorCode: string, errorMessage: string): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": { type: "string", value: "error" },
      ":error-code": { type: "string", value: errorCode },
      ":error-message": { type: "string", value: errorMessage },
    },
    body: new Uint8Array(0),
  });
}

/** An InvokeEndpointWithResponseStream answer: the given event-stream frames, one write each. */
export function eventStreamReply(frames: Uint8Array[]): ScriptedReply {
  return {
    status: 200,
    headers: {
      "content-type": "application/vnd.amazon.eventstream",
      "x-amzn-sagemaker-content-type": "text/event-stream",
      "x-amzn-invoked-production-variant": "AllTraffic",
    },
    frames,
  };
}

/** The container's SSE events, one PayloadPart each. */
export function sseOverEventStream(events: unknown[]): ScriptedReply {
  return eventStreamReply(
    events.map((data) =>
      payloadPartFrame(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`),
    ),
  );
}

/** TGI's usage object (vLLM-based LMI adds prompt_tokens_details.cached_tokens with prefix caching on). */
function containerUsage({ input, output, cached }: WireUsage): Record<string, unknown> {
  return {
    prompt_tokens: input,
    completion_tokens: output,
    total_tokens: input + output,
    ...(cached ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
  };
}

function streamChunk(
  delta: Record<string, unknown>,
  finishReason: string | null = null,
): Record<string, unknown> {
  const { id, created, system_fingerprint: systemFingerprint } = textTemplate;
  return {
    object: "chat.completion.chunk",
    id,
    created,
    model: containerModel,
    system_fingerprint: systemFingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    usage: null,
  };
}

function usageChunk(usage: WireUsage): Record<string, unknown> {
  return { ...streamChunk({}), choices: [], usage: containerUsage(usage) };
}

/** SageMaker's error answers, from the fixtures (status, x-amzn-errortype, body). */
export function sageMakerErrorReply(fixture: string): ScriptedReply {
  const { status, headers, body } = readSageMakerFixture(fixture);
  return jsonReply(status, body, headers);
}

const errorFixtures: Record<WireErrorKind, string> = {
  "rate-limit": "error-throttling.json",
  overloaded: "error-service-unavailable.json",
  server: "error-internal-failure.json",
  "context-length": "error-model-error-context-length.json",
  auth: "error-unrecognized-client.json",
  "bad-request": "error-validation.json",
};

export const sageMakerWire: ProviderWire = {
  name: "sagemaker (TGI Messages API container)",
  provider: "sagemaker",
  model: sageMakerEndpoint,
  createAdapter: ({ origin }, { dispatcher }) => createTestSageMakerAdapter(origin, dispatcher),

  text({ pieces, usage, finishReason = "stop", stream }) {
    if (!stream) {
      const choice = {
        index: 0,
        message: { role: "assistant", content: pieces.join("") },
        logprobs: null,
        finish_reason: finishReason,
      };
      return jsonReply(
        200,
        { ...textTemplate, choices: [choice], usage: containerUsage(usage) },
        { "x-amzn-invoked-production-variant": "AllTraffic" },
      );
    }
    // TGI repeats role on every delta and ends with an empty-content delta carrying the finish reason.
    const events = pieces.map((piece) => streamChunk({ role: "assistant", content: piece }));
    return sseOverEventStream([
      ...events,
      streamChunk({ role: "assistant", content: "" }, finishReason),
      usageChunk(usage),
      "[DONE]",
    ]);
  },

  toolCall({ id, name, argumentPieces, usage, stream }) {
    if (!stream) {
      const [templateChoice] = toolTemplate.choices;
      const call = {
        id,
        type: "function",
        function: { name, arguments: argumentPieces.join(""), description: null },
      };
      return jsonReply(200, {
        ...toolTemplate,
        choices: [
          { ...templateChoice, message: { role: "assistant", content: null, tool_calls: [call] } },
        ],
        usage: containerUsage(usage),
      });
    }
    // TGI 3.1: every delta repeats index, id and type; the name only on the first (test_flash_llama_grammar_tools_choice_stream.json).
    const events = argumentPieces.map((piece, position) =>
      streamChunk({
        role: "assistant",
        content: null,
        tool_calls: [
          {
            index: 0,
            id,
            type: "function",
            function: { name: position === 0 ? name : null, arguments: piece },
          },
        ],
      }),
    );
    return sseOverEventStream([
      ...events,
      streamChunk({ role: "assistant", content: null, tool_calls: null }, "stop"),
      usageChunk(usage),
      "[DONE]",
    ]);
  },

  error: (kind) => sageMakerErrorReply(errorFixtures[kind]),

  midStreamError(pieces) {
    const { exceptionType, payload } = readSageMakerFixture(
      "stream-exception-model-stream-error.json",
    );
    const answer = sseOverEventStream(
      pieces.map((piece) => streamChunk({ role: "assistant", content: piece })),
    );
    return {
      ...answer,
      frames: [...(answer.frames as Uint8Array[]), exceptionFrame(exceptionType, payload)],
    };
  },

  finishReasons: {
    stop: "stop",
    length: "length",
    eos_token: "stop",
    stop_sequence: "stop",
    tool_calls: "tool_calls",
    content_filter: "content_filter",
    something_new: "stop",
  },
  reports: { cachedTokens: true, cacheWriteTokens: false, reasoningTokens: false },
  // SageMaker sends no retry-after on throttling.
  rateLimitHasRetryAfter: false,

  expectChatRequest(sent: RecordedRequest, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(
      `/endpoints/${sageMakerEndpoint}/${stream ? "invocations-response-stream" : "invocations"}`,
    );
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID[^/]*\/\d{8}\/us-east-1\/sagemaker\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(sent.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent.headers["x-amz-content-sha256"]).toBe(
      createHash("sha256").update(sent.rawBody).digest("hex"),
    );
    expect(sent.headers["content-type"]).toBe("application/json");
    if (stream) expect(sent.headers["x-amzn-sagemaker-accept"]).toBe("text/event-stream");
    else expect(sent.headers.accept).toBe("application/json");
    expect(sent.body.model).toBe(sageMakerEndpoint);
    expect(sent.body.stream ?? false).toBe(stream);
    if (stream) expect(sent.body.stream_options).toMatchObject({ include_usage: true });
  },
};
