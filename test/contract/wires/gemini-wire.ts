import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { createGeminiAdapter } from "../../../server/gateway/providers/gemini/gemini-adapter.ts";
import type { FinishReason } from "../../../server/gateway/spec.ts";
import {
  jsonReply,
  type RecordedRequest,
  type ScriptedReply,
  sseReply,
} from "../../support/scripted-upstream.ts";
import {
  type ProviderWire,
  type WireErrorKind,
  type WireUsage,
  wireVector,
} from "../provider-wire.ts";

/*
 * The Gemini API's wire format, built from the documented shapes in test/fixtures/gemini/ (each
 * names its source): a GenerateContentResponse as JSON, or streamGenerateContent?alt=sse as one
 * `data:` event per piece, each a whole GenerateContentResponse with the running usageMetadata,
 * the last one carrying finishReason. Function calls arrive whole, without ids. Errors are
 * google.rpc bodies. Vertex AI's kit (vertex-wire.ts) serves the same answers.
 */

const fixtureDirectory = new URL("../../fixtures/gemini/", import.meta.url);

export function readGeminiFixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), "utf8");
}

/** A JSON fixture without its `_source` note: the body as Google sends it. */
export function readGeminiFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(readGeminiFixtureText(name));
  return body;
}

export const geminiTestApiKey = "AIzaSy-test-gemini-0123456789";
const modelVersion = "gemini-2.5-flash";
const responseId = "Un6LacrVMcjUxs0PmJfWoQc";

/** Gemini's usageMetadata for the suite's counts: thoughts are counted apart from candidates, cached tokens inside the prompt. */
export function geminiUsage({
  input,
  output,
  cached = 0,
  reasoning = 0,
}: WireUsage): Record<string, unknown> {
  return {
    promptTokenCount: input,
    candidatesTokenCount: output - reasoning,
    totalTokenCount: input + output,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: input }],
    ...(cached ? { cachedContentTokenCount: cached } : {}),
    ...(reasoning ? { thoughtsTokenCount: reasoning } : {}),
  };
}

/** One GenerateContentResponse holding `parts` (finishReason when it is the last). */
export function geminiResponse(
  parts: unknown[],
  { finishReason, usage }: { finishReason?: string; usage: Record<string, unknown> },
): Record<string, unknown> {
  return {
    candidates: [
      { content: { parts, role: "model" }, ...(finishReason ? { finishReason } : {}), index: 0 },
    ],
    usageMetadata: usage,
    modelVersion,
    responseId,
  };
}

/** A text answer as JSON, or as a stream with one event per piece (the finishReason on the last). */
export function geminiTextAnswer({
  pieces,
  usage,
  finishReason = "STOP",
  stream,
}: {
  pieces: string[];
  usage: WireUsage;
  finishReason?: string;
  stream: boolean;
}): ScriptedReply {
  const usageMetadata = geminiUsage(usage);
  if (!stream)
    return jsonReply(
      200,
      geminiResponse([{ text: pieces.join("") }], { finishReason, usage: usageMetadata }),
    );
  return sseReply(
    pieces.map((piece, index) => ({
      data: geminiResponse([{ text: piece }], {
        finishReason: index === pieces.length - 1 ? finishReason : undefined,
        usage: usageMetadata,
      }),
    })),
  );
}

/** A function call: whole in one event, then (streamed) an empty text part with STOP, as Gemini sends it. */
export function geminiToolCallAnswer({
  name,
  argumentPieces,
  usage,
  stream,
}: {
  name: string;
  argumentPieces: string[];
  usage: WireUsage;
  stream: boolean;
}): ScriptedReply {
  const usageMetadata = geminiUsage(usage);
  const call = { functionCall: { name, args: JSON.parse(argumentPieces.join("")) } };
  if (!stream)
    return jsonReply(200, geminiResponse([call], { finishReason: "STOP", usage: usageMetadata }));
  return sseReply([
    { data: geminiResponse([call], { usage: usageMetadata }) },
    { data: geminiResponse([{ text: "" }], { finishReason: "STOP", usage: usageMetadata }) },
  ]);
}

/** Google's error bodies for each kind. A rate limit says when to retry in RetryInfo, not in a header. */
export function geminiError(
  kind: WireErrorKind,
  { retryAfterSeconds }: { retryAfterSeconds?: number } = {},
  { auth = { status: 403, fixture: "error-403.json" } } = {},
): ScriptedReply {
  switch (kind) {
    case "rate-limit": {
      const body = readGeminiFixture("error-429.json");
      if (retryAfterSeconds !== undefined)
        body.error.details[1].retryDelay = `${retryAfterSeconds}s`;
      return jsonReply(429, body);
    }
    case "overloaded":
      return jsonReply(503, readGeminiFixture("error-503.json"));
    case "server":
      return jsonReply(500, readGeminiFixture("error-500.json"));
    case "context-length":
      return jsonReply(400, readGeminiFixture("error-context-length.json"));
    case "auth":
      return jsonReply(auth.status, readGeminiFixture(auth.fixture));
    case "bad-request":
      return jsonReply(400, readGeminiFixture("error-400.json"));
  }
}

/** A stream that sends `pieces`, then a google.rpc error as a `data:` event inside the 200 body (no finishReason before it). */
export function geminiMidStreamError(pieces: string[]): ScriptedReply {
  const usage = geminiUsage({ input: 1, output: 1 });
  return sseReply([
    ...pieces.map((piece) => ({ data: geminiResponse([{ text: piece }], { usage }) })),
    { data: readGeminiFixture("error-500.json") },
  ]);
}

/** Google's finish reasons and what each becomes (map-gemini-finish-reason.ts). */
export const geminiFinishReasons: Record<string, FinishReason> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  MALFORMED_FUNCTION_CALL: "stop",
  LANGUAGE: "stop",
  OTHER: "stop",
  FINISH_REASON_UNSPECIFIED: "stop",
  SOMETHING_NEW: "stop",
};

/** A batchEmbedContents answer: one embedding per request of the recorded body. */
export function geminiEmbeddingsReply(sent: RecordedRequest): ScriptedReply {
  return jsonReply(200, {
    embeddings: (sent.body.requests as unknown[]).map((_, index) => ({
      values: wireVector(index),
    })),
  });
}

export const geminiWire: ProviderWire = {
  name: "gemini",
  provider: "gemini",
  model: "gemini-2.5-flash",
  createAdapter: ({ origin }, { dispatcher }) =>
    createGeminiAdapter({ apiKey: geminiTestApiKey, apiBase: origin, dispatcher }),
  text: ({ pieces, usage, finishReason, stream }) =>
    geminiTextAnswer({ pieces, usage, finishReason, stream }),
  toolCall: ({ name, argumentPieces, usage, stream }) =>
    geminiToolCallAnswer({ name, argumentPieces, usage, stream }),
  error: (kind, options) => geminiError(kind, options),
  midStreamError: geminiMidStreamError,
  finishReasons: geminiFinishReasons,
  reports: { cachedTokens: true, cacheWriteTokens: false, reasoningTokens: true },
  rateLimitHasRetryAfter: true,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(
      stream
        ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        : "/v1beta/models/gemini-2.5-flash:generateContent",
    );
    expect(sent.headers["x-goog-api-key"]).toBe(geminiTestApiKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body.contents).toEqual([{ role: "user", parts: [{ text: "Say hello" }] }]);
  },
  embeddings: {
    model: "gemini-embedding-001",
    reply: geminiEmbeddingsReply,
    // batchEmbedContents reports no token counts: the answer has no usage and the gateway estimates it.
    promptTokens: () => undefined,
  },
};
