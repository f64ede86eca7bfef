import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { encodeAwsEvent } from "../../../server/gateway/aws-event-stream.ts";
import { createBedrockAdapter } from "../../../server/gateway/providers/bedrock/bedrock-adapter.ts";
import {
  jsonReply,
  type RecordedRequest,
  type ScriptedReply,
} from "../../support/scripted-upstream.ts";
import {
  type ProviderWire,
  type WireErrorKind,
  type WireUsage,
  wireVector,
} from "../provider-wire.ts";

/*
 * Bedrock Runtime's wire format, built from the documented shapes in test/fixtures/bedrock/
 * (each names its source): Converse's JSON answer; ConverseStream's binary event stream
 * (`application/vnd.amazon.eventstream`, one frame per event: messageStart, contentBlockStart /
 * Delta / Stop, messageStop, metadata), with exception frames for failures after the 200
 * headers; REST-JSON errors with `x-amzn-errortype`; InvokeModel answers of Titan embeddings.
 */

const fixtureDirectory = new URL("../../fixtures/bedrock/", import.meta.url);

/** A JSON fixture under test/fixtures/bedrock/ without its `_source` note: the body as Bedrock sends it. */
export function readBedrockFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(readFileSync(new URL(name, fixtureDirectory), "utf8"));
  return body;
}

/** Test credentials: nothing here is a real key. */
export const bedrockTestCredentials = {
  region: "us-west-2",
  accessKeyId: "AKIDEXAMPLE0TEST1234",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789",
};
export const bedrockTestModel = "anthropic.claude-3-5-haiku-20241022-v1:0";
const eventStreamHeaders = {
  "content-type": "application/vnd.amazon.eventstream",
  "x-amzn-requestid": "6a1f3e2b-0c4d-4e5f-8a9b-0c1d2e3f4a5b",
};
const jsonHeaders = { "x-amzn-requestid": "6a1f3e2b-0c4d-4e5f-8a9b-0c1d2e3f4a5b" };

/** One ConverseStream event: its `:event-type` and JSON payload (as in converse-stream*.json). */
export interface BedrockEvent {
  eventType: string;
  payload: Record<string, unknown>;
}

/** A ConverseStream answer: one binary frame per event, each flushed on its own. */
export function bedrockEventStream(events: BedrockEvent[]): ScriptedReply {
  return {
    status: 200,
    headers: eventStreamHeaders,
    frames: events.map(({ eventType, payload }) =>
      encodeAwsEvent({ eventType, payload: { ...payload, p: "abcdefghijklmnop" } }),
    ),
  };
}

/** The suite's token counts in Bedrock's accounting: `inputTokens` leaves cache reads and writes out. */
export function bedrockUsage({
  input,
  output,
  cached,
  cacheWrite,
}: WireUsage): Record<string, number> {
  return {
    inputTokens: input - (cached ?? 0) - (cacheWrite ?? 0),
    outputTokens: output,
    totalTokens: input + output,
    ...(cached !== undefined ? { cacheReadInputTokens: cached } : {}),
    ...(cacheWrite !== undefined ? { cacheWriteInputTokens: cacheWrite } : {}),
  };
}

/** One content block of an answer, with the pieces a stream sends it in. */
export type BedrockWireBlock =
  | { type: "text"; pieces: string[] }
  | { type: "toolUse"; id: string; name: string; argumentPieces: string[] }
  | { type: "reasoning"; pieces: string[] };

/** A Converse answer as JSON, or a ConverseStream answer as its event frames, in the documented shapes. */
export function bedrockAnswer({
  blocks,
  usage,
  stopReason,
  stream,
}: {
  blocks: BedrockWireBlock[];
  usage: Record<string, number>;
  stopReason: string;
  stream: boolean;
}): ScriptedReply {
  if (!stream) {
    const template = readBedrockFixture("converse.json");
    const content = blocks.map((block) => {
      if (block.type === "text") return { text: block.pieces.join("") };
      if (block.type === "reasoning")
        return {
          reasoningContent: {
            reasoningText: { text: block.pieces.join(""), signature: "EqoBCkgIARABGAIiQL2Jx1dE" },
          },
        };
      return {
        toolUse: {
          toolUseId: block.id,
          name: block.name,
          input: JSON.parse(block.argumentPieces.join("")),
        },
      };
    });
    return jsonReply(
      200,
      { ...template, output: { message: { role: "assistant", content } }, stopReason, usage },
      jsonHeaders,
    );
  }
  const events: BedrockEvent[] = [{ eventType: "messageStart", payload: { role: "assistant" } }];
  blocks.forEach((block, contentBlockIndex) => {
    const delta = (value: Record<string, unknown>): BedrockEvent => ({
      eventType: "contentBlockDelta",
      payload: { contentBlockIndex, delta: value },
    });
    if (block.type === "text") for (const text of block.pieces) events.push(delta({ text }));
    else if (block.type === "reasoning") {
      for (const text of block.pieces) events.push(delta({ reasoningContent: { text } }));
      events.push(delta({ reasoningContent: { signature: "EqoBCkgIARABGAIiQL2Jx1dE" } }));
    } else {
      events.push({
        eventType: "contentBlockStart",
        payload: {
          contentBlockIndex,
          start: { toolUse: { toolUseId: block.id, name: block.name } },
        },
      });
      for (const input of block.argumentPieces) events.push(delta({ toolUse: { input } }));
    }
    events.push({ eventType: "contentBlockStop", payload: { contentBlockIndex } });
  });
  events.push({ eventType: "messageStop", payload: { stopReason } });
  events.push({ eventType: "metadata", payload: { usage, metrics: { latencyMs: 425 } } });
  return bedrockEventStream(events);
}

/** Each error kind's status, `x-amzn-errortype` and body, as the Converse reference lists them. */
const errorReplies: Record<WireErrorKind, { status: number; type: string; fixture: string }> = {
  "rate-limit": { status: 429, type: "ThrottlingException", fixture: "error-throttling.json" },
  overloaded: {
    status: 503,
    type: "ServiceUnavailableException",
    fixture: "error-service-unavailable.json",
  },
  server: { status: 500, type: "InternalServerException", fixture: "error-internal.json" },
  "context-length": {
    status: 400,
    type: "ValidationException",
    fixture: "error-context-length.json",
  },
  auth: { status: 403, type: "UnrecognizedClientException", fixture: "error-invalid-token.json" },
  "bad-request": { status: 400, type: "ValidationException", fixture: "error-validation.json" },
};

/**
 * A REST-JSON error: `{"message"}` with the type in `x-amzn-errortype`. Bedrock documents no
 * retry-after on its throttles, so none is sent (the adapter still reads one; see bedrock.contract.test.ts).
 */
export function bedrockError(kind: WireErrorKind): ScriptedReply {
  const { status, type, fixture } = errorReplies[kind];
  return jsonReply(status, readBedrockFixture(fixture), {
    "x-amzn-errortype": `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    ...jsonHeaders,
  });
}

/** An exception frame inside a 200 ConverseStream (`:message-type: exception`). */
export function bedrockExceptionFrame(
  exceptionType: string,
  payload: Record<string, unknown>,
): Uint8Array {
  return encodeAwsEvent({ messageType: "exception", eventType: exceptionType, payload });
}

/**
 * Titan embeds one text per call, so the kit reads an input's position from the contract's
 * ordinal inputs ("first text", "second text", …; anything else is position 0). Its token count
 * is the words plus two — unlike the adapter's 4-characters estimate, so using it shows.
 */
const ordinals = ["first", "second", "third", "fourth", "fifth"];
const titanTokens = (text: string) => text.split(" ").length + 2;
function titanEmbedReply(sent: RecordedRequest): ScriptedReply {
  const text = String(sent.body.inputText);
  const position = Math.max(0, ordinals.indexOf(text.split(" ")[0]));
  return jsonReply(
    200,
    {
      ...readBedrockFixture("titan-embedding.json"),
      embedding: wireVector(position),
      inputTextTokenCount: titanTokens(text),
    },
    jsonHeaders,
  );
}

export const bedrockWire: ProviderWire = {
  name: "bedrock",
  provider: "bedrock",
  model: bedrockTestModel,
  createAdapter: ({ origin }, { dispatcher }) =>
    createBedrockAdapter({ ...bedrockTestCredentials, apiBase: origin, dispatcher }),
  text: ({ pieces, usage, finishReason = "end_turn", stream }) =>
    bedrockAnswer({
      blocks: [{ type: "text", pieces }],
      usage: bedrockUsage(usage),
      stopReason: finishReason,
      stream,
    }),
  toolCall: ({ id, name, argumentPieces, usage, stream }) =>
    bedrockAnswer({
      blocks: [{ type: "toolUse", id, name, argumentPieces }],
      usage: bedrockUsage(usage),
      stopReason: "tool_use",
      stream,
    }),
  error: bedrockError,
  midStreamError(pieces) {
    const answer = bedrockAnswer({
      blocks: [{ type: "text", pieces }],
      usage: bedrockUsage({ input: 1, output: 1 }),
      stopReason: "end_turn",
      stream: true,
    });
    // messageStart and the pieces — then the documented throttling exception frame.
    const failure = bedrockExceptionFrame(
      "throttlingException",
      readBedrockFixture("error-throttling.json"),
    );
    return { ...answer, frames: [...answer.frames!.slice(0, 1 + pieces.length), failure] };
  },
  finishReasons: {
    end_turn: "stop",
    stop_sequence: "stop",
    max_tokens: "length",
    model_context_window_exceeded: "length",
    tool_use: "tool_calls",
    guardrail_intervened: "content_filter",
    content_filtered: "content_filter",
    malformed_model_output: "stop",
    something_new: "stop",
  },
  reports: { cachedTokens: true, cacheWriteTokens: true, reasoningTokens: false },
  rateLimitHasRetryAfter: false,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(
      `/model/${encodeURIComponent(bedrockTestModel)}/${stream ? "converse-stream" : "converse"}`,
    );
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers.accept).toBe(
      stream ? "application/vnd.amazon.eventstream" : "application/json",
    );
    expect(sent.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKID[^/]*\/\d{8}\/us-west-2\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(sent.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(sent.headers["x-amz-content-sha256"]).toBe(
      createHash("sha256").update(sent.rawBody).digest("hex"),
    );
    expect(sent.headers["x-amz-security-token"]).toBe(bedrockTestCredentials.sessionToken);
    expect(sent.body.messages).toEqual(expect.any(Array));
    expect(sent.body.model).toBeUndefined();
    expect(sent.body.stream).toBeUndefined();
  },
  embeddings: {
    model: "amazon.titan-embed-text-v2:0",
    reply: titanEmbedReply,
    promptTokens: (inputs) => inputs.reduce((sum, text) => sum + titanTokens(text), 0),
  },
};
