import type { ChatChunk, ChatResponse, FinishReason, ToolCall, Usage } from "../../spec.ts";
import type { OllamaChatResponse, OllamaToolCall } from "./ollama-api.ts";
import { ollamaInvalidResponseError } from "./ollama-error.ts";
import { mapOllamaFinishReason } from "./map-ollama-finish-reason.ts";
import { newCompletionId, newToolCallId } from "../../identifiers.ts";

/*
 * Ollama's answers in OpenAI's shapes: the NDJSON stream read line by line, each line turned
 * into chunks, and the whole (non-stream) answer turned into a chat.completion.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */

/**
 * Reads an NDJSON body (an undici body or any async iterable of bytes) one line at a time,
 * yielding each line as soon as its newline arrives — the body is never buffered whole; a line
 * split across network chunks is joined. Blank lines are skipped; a last line without a newline
 * is still yielded. A line longer than `maxLineLength` (a body that is not NDJSON and never
 * ends a line) fails as an invalid response instead of growing without bound.
 *
 * Stopping early calls `return()` on the body's iterator, like readServerSentEvents.
 */
export async function* readNdjsonLines(
  body: AsyncIterable<Uint8Array | string>,
  { provider, maxLineLength = 16 * 1024 * 1024 }: { provider: string; maxLineLength?: number },
): AsyncGenerator<string> {
  // One decoder for the whole body: a multi-byte character may be split across two chunks.
  const decoder = new TextDecoder();
  let pending = "";
  for await (const bytes of body) {
    pending += typeof bytes === "string" ? bytes : decoder.decode(bytes, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield line;
    }
    if (pending.length > maxLineLength)
      throw ollamaInvalidResponseError(
        provider,
        `a stream line is longer than ${maxLineLength} characters`,
      );
  }
  const last = (pending + decoder.decode()).trim();
  if (last) yield last;
}

/** Translates the lines of one `/api/chat` stream into OpenAI chunks (same id, created and model on every chunk). */
export function createOllamaStreamTranslator(requestModel: string): {
  chunksFor(line: OllamaChatResponse): ChatChunk[];
} {
  const id = newCompletionId();
  const created = Math.floor(Date.now() / 1000);
  let model: string | undefined;
  let toolCallCount = 0;

  const chunk = (
    delta: ChatChunk["choices"][number]["delta"],
    finishReason: FinishReason | null = null,
  ): ChatChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: model!,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  return {
    chunksFor(line) {
      const chunks: ChatChunk[] = [];
      if (model === undefined) {
        model = line.model || requestModel;
        chunks.push(chunk({ role: "assistant", content: "" }));
      }
      const message = line.message;
      if (message?.thinking) chunks.push(chunk({ reasoning_content: message.thinking }));
      if (message?.content) chunks.push(chunk({ content: message.content }));
      // Ollama sends each call whole in one line: a header delta, then all arguments in one piece.
      for (const call of message?.tool_calls ?? []) {
        const index = toolCallCount++;
        chunks.push(
          chunk({
            tool_calls: [
              {
                index,
                id: toolCallIdOf(call),
                type: "function",
                function: { name: call.function.name, arguments: "" },
              },
            ],
          }),
        );
        chunks.push(
          chunk({
            tool_calls: [
              { index, function: { arguments: JSON.stringify(call.function.arguments ?? {}) } },
            ],
          }),
        );
      }
      if (line.done) {
        chunks.push(
          chunk({}, mapOllamaFinishReason(line.done_reason, { hasToolCalls: toolCallCount > 0 })),
        );
        chunks.push({
          id,
          object: "chat.completion.chunk",
          created,
          model: model!,
          choices: [],
          usage: usageOf(line),
        });
      }
      return chunks;
    },
  };
}

/** A whole `/api/chat` answer (`stream: false`) as a chat.completion. */
export function toChatResponse(answer: OllamaChatResponse, requestModel: string): ChatResponse {
  const message = answer.message;
  const toolCalls: ToolCall[] = (message?.tool_calls ?? []).map((call) => ({
    id: toolCallIdOf(call),
    type: "function",
    function: {
      name: call.function.name,
      arguments: JSON.stringify(call.function.arguments ?? {}),
    },
  }));
  const content = message?.content ?? "";
  return {
    id: newCompletionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: answer.model || requestModel,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          // OpenAI sends null content with tool calls; Ollama sends "".
          content: toolCalls.length > 0 && !content ? null : content,
          ...(message?.thinking ? { reasoning_content: message.thinking } : {}),
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: mapOllamaFinishReason(answer.done_reason, {
          hasToolCalls: toolCalls.length > 0,
        }),
      },
    ],
    usage: usageOf(answer),
  };
}

/**
 * Ollama's counts in OpenAI's terms. `prompt_eval_count` is left out (Go omitempty) when the
 * whole prompt came from Ollama's KV cache, so it counts as 0 — Ollama does not report cached
 * tokens separately. Thinking tokens are part of `eval_count`, not broken out.
 */
function usageOf(answer: OllamaChatResponse): Usage {
  const promptTokens = answer.prompt_eval_count ?? 0;
  const completionTokens = answer.eval_count ?? 0;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** Newer Ollama servers send an id with each tool call; older ones none, so one is made up. */
function toolCallIdOf(call: OllamaToolCall): string {
  return call.id || newToolCallId();
}
