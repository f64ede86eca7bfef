import { readFileSync } from "node:fs";
import { expect } from "vitest";
import {
  createAzureAdapter,
  defaultAzureApiVersion,
} from "../../../server/gateway/providers/azure/azure-adapter.ts";
import { readOpenAIFixture } from "../../support/mock-openai-upstream.ts";
import { jsonReply, type ScriptedReply } from "../../support/scripted-upstream.ts";
import type { ProviderWire, WireErrorKind } from "../provider-wire.ts";
import { openAIAnswer, openAIEmbeddingsReply, openAIUsage, openAIWire } from "./openai-wire.ts";

/*
 * Azure OpenAI's wire format: OpenAI's answers (openai-wire.ts) plus Azure's content-filter
 * annotations — `prompt_filter_results` on the answer, `content_filter_results` on every
 * choice, and a stream that opens with an identity-less chunk carrying only the prompt's
 * verdict — behind per-deployment URLs with an api-version, authenticated by the `api-key`
 * header. Shapes from test/fixtures/azure/ (each names its source).
 */

export const azureApiKey = "azure-test-key-0123456789abcdef";
/** The deployment name, which is what requests carry as `model`. */
export const azureDeployment = "gpt-4o-prod";
export const azureEmbeddingDeployment = "embeddings-small";
const reportedModel = "gpt-4o-2024-08-06";

/** A JSON fixture under test/fixtures/azure/ without its `_source` note. */
export function readAzureFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(
    readFileSync(new URL(`../../fixtures/azure/${name}`, import.meta.url), "utf8"),
  );
  return body;
}

/** A fixture under test/fixtures/azure/ as raw text. */
export function readAzureFixtureText(name: string): string {
  return readFileSync(new URL(`../../fixtures/azure/${name}`, import.meta.url), "utf8");
}

const safe = { filtered: false, severity: "safe" };
const contentFilterResults = { hate: safe, self_harm: safe, sexual: safe, violence: safe };
const promptFilterResults = [
  {
    prompt_index: 0,
    content_filter_results: {
      ...contentFilterResults,
      jailbreak: { filtered: false, detected: false },
    },
  },
];

/** OpenAI's answer as Azure sends it: the same body with Azure's content-filter annotations. */
export function withAzureAnnotations(reply: ScriptedReply): ScriptedReply {
  const annotate = (body: any) => ({
    ...body,
    choices: body.choices.map((choice: object) => ({
      ...choice,
      content_filter_results: contentFilterResults,
    })),
  });
  const frames = (reply.frames ?? []) as string[];
  if (!String(reply.headers?.["content-type"]).includes("text/event-stream")) {
    return {
      ...reply,
      frames: [
        JSON.stringify({
          ...annotate(JSON.parse(frames.join(""))),
          prompt_filter_results: promptFilterResults,
        }),
      ],
    };
  }
  const opening = {
    choices: [],
    created: 0,
    id: "",
    model: "",
    object: "",
    prompt_filter_results: promptFilterResults,
  };
  const annotated = frames.map((frame) => {
    const data = frame.replace(/^data: /, "").trim();
    if (data === "[DONE]" || !data.startsWith("{")) return frame;
    const chunk = JSON.parse(data);
    return `data: ${JSON.stringify(Array.isArray(chunk.choices) && chunk.choices.length > 0 ? annotate(chunk) : chunk)}\n\n`;
  });
  return { ...reply, frames: [`data: ${JSON.stringify(opening)}\n\n`, ...annotated] };
}

export function azureError(
  kind: WireErrorKind,
  { retryAfterSeconds }: { retryAfterSeconds?: number } = {},
): ScriptedReply {
  switch (kind) {
    case "rate-limit": {
      const headers: Record<string, string> =
        retryAfterSeconds === undefined
          ? {}
          : {
              "retry-after": String(retryAfterSeconds),
              "retry-after-ms": String(retryAfterSeconds * 1000),
            };
      return jsonReply(429, readAzureFixture("error-429.json"), headers);
    }
    case "overloaded":
      return jsonReply(503, {
        error: {
          code: "ServiceUnavailable",
          message:
            "The service is temporarily unable to process your request. Please try again later.",
        },
      });
    case "server":
      return jsonReply(500, readOpenAIFixture("error-500.json"));
    case "context-length":
      return jsonReply(400, readOpenAIFixture("error-context-length.json"));
    case "auth":
      return jsonReply(401, readAzureFixture("error-401.json"));
    case "bad-request":
      return jsonReply(400, {
        error: {
          message: "Unrecognized request argument supplied: frobnicate",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
  }
}

export const azureWire: ProviderWire = {
  name: "azure",
  provider: "azure",
  model: azureDeployment,
  createAdapter: ({ origin }, { dispatcher }) =>
    createAzureAdapter({ apiBase: origin, apiKey: azureApiKey, dispatcher }),
  text: ({ pieces, usage, finishReason = "stop", stream }) =>
    withAzureAnnotations(
      openAIAnswer({
        model: reportedModel,
        content: pieces,
        finishReason,
        usage: openAIUsage(usage),
        stream,
      }),
    ),
  toolCall: ({ id, name, argumentPieces, usage, stream }) =>
    withAzureAnnotations(
      openAIAnswer({
        model: reportedModel,
        content: null,
        toolCall: { id, name, argumentPieces },
        finishReason: "tool_calls",
        usage: openAIUsage(usage),
        stream,
      }),
    ),
  error: azureError,
  midStreamError: (pieces) => withAzureAnnotations(openAIWire.midStreamError!(pieces)),
  finishReasons: {
    stop: "stop",
    length: "length",
    tool_calls: "tool_calls",
    content_filter: "content_filter",
    something_new: "stop",
  },
  reports: { cachedTokens: true, cacheWriteTokens: false, reasoningTokens: true },
  rateLimitHasRetryAfter: true,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe(
      `/openai/deployments/${azureDeployment}/chat/completions?api-version=${defaultAzureApiVersion}`,
    );
    expect(sent.headers["api-key"]).toBe(azureApiKey);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.body.stream ?? false).toBe(stream);
    if (stream) expect(sent.body.stream_options).toMatchObject({ include_usage: true });
  },
  embeddings: {
    model: azureEmbeddingDeployment,
    reply: openAIEmbeddingsReply,
    promptTokens: (inputs) => inputs.length * 2,
  },
};
