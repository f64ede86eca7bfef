import { expect } from "vitest";
import { createVertexAdapter } from "../../../server/gateway/providers/vertex/vertex-adapter.ts";
import {
  jsonReply,
  type RecordedRequest,
  type ScriptedReply,
} from "../../support/scripted-upstream.ts";
import { type ProviderWire, wireVector } from "../provider-wire.ts";
import {
  geminiError,
  geminiFinishReasons,
  geminiMidStreamError,
  geminiTextAnswer,
  geminiToolCallAnswer,
} from "./gemini-wire.ts";

/*
 * Vertex AI's Gemini wire format: the same GenerateContentResponse JSON and SSE stream as the
 * Gemini API (test/fixtures/gemini/), under project/location URLs, with an OAuth bearer token;
 * a bad token is 401 UNAUTHENTICATED (error-401-vertex.json). Embeddings are the text-embeddings
 * `:predict` method (vertex-predict-embeddings.json), which reports a token count per input.
 */

export const vertexTestToken = "ya29.test-vertex-access-token-0123456789";
export const vertexModelPath =
  "/v1/projects/test-project/locations/us-central1/publishers/google/models";

/** A `:predict` embeddings answer for the recorded body: vector i per instance, token_count the input's length. */
export function vertexEmbeddingsReply(sent: RecordedRequest): ScriptedReply {
  const instances = sent.body.instances as Array<{ content: string }>;
  return jsonReply(200, {
    predictions: instances.map(({ content }, index) => ({
      embeddings: {
        statistics: { token_count: content.length, truncated: false },
        values: wireVector(index),
      },
    })),
    metadata: {
      billableCharacterCount: instances.reduce((sum, { content }) => sum + content.length, 0),
    },
  });
}

export const vertexWire: ProviderWire = {
  name: "vertex",
  provider: "vertex",
  model: "gemini-2.5-flash",
  createAdapter: ({ origin }, { dispatcher }) =>
    createVertexAdapter({
      project: "test-project",
      apiBase: origin,
      dispatcher,
      getAccessToken: async () => vertexTestToken,
    }),
  text: ({ pieces, usage, finishReason, stream }) =>
    geminiTextAnswer({ pieces, usage, finishReason, stream }),
  toolCall: ({ name, argumentPieces, usage, stream }) =>
    geminiToolCallAnswer({ name, argumentPieces, usage, stream }),
  error: (kind, options) =>
    geminiError(kind, options, { auth: { status: 401, fixture: "error-401-vertex.json" } }),
  midStreamError: geminiMidStreamError,
  finishReasons: geminiFinishReasons,
  reports: { cachedTokens: true, cacheWriteTokens: false, reasoningTokens: true },
  rateLimitHasRetryAfter: true,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(
      `${vertexModelPath}/gemini-2.5-flash:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
    );
    expect(sent.headers.authorization).toBe(`Bearer ${vertexTestToken}`);
    expect(sent.headers["x-goog-api-key"]).toBeUndefined();
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body.contents).toEqual([{ role: "user", parts: [{ text: "Say hello" }] }]);
  },
  embeddings: {
    model: "text-embedding-005",
    reply: vertexEmbeddingsReply,
    promptTokens: (inputs) => inputs.reduce((sum, input) => sum + input.length, 0),
  },
};
