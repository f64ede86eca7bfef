import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { createOllamaAdapter } from "../../../server/gateway/providers/ollama/ollama-adapter.ts";
import {
  jsonReply,
  ndjsonReply,
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
 * Ollama's native wire format (`/api/chat`, `/api/embed`), built from the documented examples in
 * test/fixtures/ollama/ (each names its source): a JSON answer with `stream: false`; an NDJSON
 * stream of `message.content` pieces whose last line has `done: true`, `done_reason` and the
 * counts; tool calls whole in one line, without ids, arguments as an object; errors as
 * `{"error": "…"}`.
 */

const fixtureDirectory = new URL("../../fixtures/ollama/", import.meta.url);

/** A fixture's text as stored. */
export function readOllamaFixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), "utf8");
}

/** A JSON fixture without its `_source` note: the body as Ollama sends it. */
export function readOllamaFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(readOllamaFixtureText(name));
  return body;
}

const model = "llama3.2";
const answerTemplate = readOllamaFixture("chat.json");
const toolCallTemplate = readOllamaFixture("chat-tool-calls.json");

/** The counts of a `done: true` object; Go's omitempty leaves zero counts out. */
function ollamaCounts({ input, output }: WireUsage): Record<string, number> {
  return {
    ...(input ? { prompt_eval_count: input } : {}),
    ...(output ? { eval_count: output } : {}),
  };
}

/** The statistics of a final object without the template's counts. */
function timings(template: Record<string, any>): Record<string, unknown> {
  const {
    prompt_eval_count: _prompt,
    eval_count: _eval,
    message: _message,
    done: _done,
    done_reason: _reason,
    ...rest
  } = template;
  return rest;
}

interface OllamaAnswer {
  content: string[];
  toolCall?: { name: string; arguments: Record<string, unknown> };
  doneReason: string;
  usage: WireUsage;
  stream: boolean;
}

/** An `/api/chat` answer: one JSON object, or its NDJSON stream (content lines, then the done line). */
export function ollamaAnswer({
  content,
  toolCall,
  doneReason,
  usage,
  stream,
}: OllamaAnswer): ScriptedReply {
  const template = toolCall ? toolCallTemplate : answerTemplate;
  const toolCalls = toolCall
    ? [{ function: { name: toolCall.name, arguments: toolCall.arguments } }]
    : undefined;
  const final = {
    ...timings(template),
    done: true,
    done_reason: doneReason,
    ...ollamaCounts(usage),
  };
  if (!stream) {
    return jsonReply(200, {
      ...final,
      message: {
        role: "assistant",
        content: content.join(""),
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
      },
    });
  }
  const line = (message: Record<string, unknown>) => ({
    model: template.model,
    created_at: template.created_at,
    message: { role: "assistant", ...message },
    done: false,
  });
  const lines: unknown[] = content.map((piece) => line({ content: piece }));
  if (toolCalls) lines.push(line({ content: "", tool_calls: toolCalls }));
  lines.push({ ...final, message: { role: "assistant", content: "" } });
  return ndjsonReply(lines);
}

/** Ollama's error bodies for each kind, with the statuses its server answers them with. */
export function ollamaError(kind: WireErrorKind): ScriptedReply {
  switch (kind) {
    case "rate-limit":
      return jsonReply(429, readOllamaFixture("error-429.json"));
    case "overloaded":
      return jsonReply(503, readOllamaFixture("error-503.json"));
    case "server":
      return jsonReply(500, readOllamaFixture("error-500.json"));
    case "context-length":
      return jsonReply(400, readOllamaFixture("error-context-length.json"));
    case "auth":
      return jsonReply(401, readOllamaFixture("error-401.json"));
    case "bad-request":
      return jsonReply(400, readOllamaFixture("error-400.json"));
  }
}

/** An `/api/embed` answer: one vector per input of the recorded request, 3 prompt tokens per input. */
export function ollamaEmbedReply(sent: RecordedRequest): ScriptedReply {
  const inputs: unknown[] = Array.isArray(sent.body.input) ? sent.body.input : [sent.body.input];
  const { embeddings: _embeddings, ...template } = readOllamaFixture("embed.json");
  return jsonReply(200, {
    ...template,
    model: sent.body.model,
    embeddings: inputs.map((_, index) => wireVector(index)),
    prompt_eval_count: inputs.length * 3,
  });
}

export const ollamaWire: ProviderWire = {
  name: "ollama",
  provider: "ollama",
  model,
  // A local server: no key, so no Authorization header.
  createAdapter: ({ origin }, { dispatcher }) =>
    createOllamaAdapter({ apiBase: origin, dispatcher }),
  text: ({ pieces, usage, finishReason = "stop", stream }) =>
    ollamaAnswer({ content: pieces, doneReason: finishReason, usage, stream }),
  toolCall: ({ name, argumentPieces, usage, stream }) =>
    ollamaAnswer({
      content: [],
      toolCall: { name, arguments: JSON.parse(argumentPieces.join("")) },
      doneReason: "stop",
      usage,
      stream,
    }),
  error: ollamaError,
  midStreamError(pieces) {
    const answer = ollamaAnswer({
      content: pieces,
      doneReason: "stop",
      usage: { input: 1, output: 1 },
      stream: true,
    });
    const [, , failure] = readOllamaFixtureText("chat-stream-error.ndjson").trim().split("\n");
    return { ...answer, frames: [...answer.frames!.slice(0, pieces.length), `${failure}\n`] };
  },
  finishReasons: {
    stop: "stop",
    length: "length",
    load: "stop",
    unload: "stop",
    "": "stop",
    something_new: "stop",
  },
  reports: { cachedTokens: false, cacheWriteTokens: false, reasoningTokens: false },
  // Ollama documents no retry-after on its 429s (the adapter still reads one; see ollama.contract.test.ts).
  rateLimitHasRetryAfter: false,
  expectChatRequest(sent, { stream }) {
    expect(sent.method).toBe("POST");
    expect(sent.path).toBe("/api/chat");
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers["content-type"]).toBe("application/json");
    expect(sent.headers.accept).toBe(stream ? "application/x-ndjson" : "application/json");
    // Ollama streams unless told otherwise, so `stream` is always sent.
    expect(sent.body.stream).toBe(stream);
    expect(sent.body.model).toBe(model);
  },
  embeddings: {
    model: "all-minilm",
    reply: ollamaEmbedReply,
    promptTokens: (inputs) => inputs.length * 3,
  },
};
