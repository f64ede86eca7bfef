import type { ChatChunk, ChatResponse, ToolCallDelta } from "../../spec.ts";
import { jsonResponseToolName } from "../../structured-output.ts";

/*
 * DeepSeek's answers after openai's adapter has checked them: the forced "json" tool (its
 * json_schema technique) turned back into content, and its streams put into the gateway's
 * chunk order. DeepSeek ends a stream with one chunk that may carry the last text, the
 * finish_reason and the usage together; the gateway's order is text chunks, one chunk with an
 * empty delta and the finish_reason, then a usage chunk with no choices.
 * Reference: https://api-docs.deepseek.com/api/create-chat-completion (streaming chunks)
 */

/** The "json" tool call's arguments as the message content; finish_reason "stop" when it was the only call. */
export function answerFromJsonTool(response: ChatResponse): ChatResponse {
  for (const choice of response.choices) {
    const calls = choice.message.tool_calls ?? [];
    const jsonCall = calls.find((call) => call.function.name === jsonResponseToolName);
    if (!jsonCall) continue;
    const otherCalls = calls.filter((call) => call !== jsonCall);
    choice.message.content = jsonCall.function.arguments;
    if (otherCalls.length > 0) {
      choice.message.tool_calls = otherCalls;
    } else {
      delete choice.message.tool_calls;
      if (choice.finish_reason === "tool_calls") choice.finish_reason = "stop";
    }
  }
  return response;
}

/**
 * DeepSeek's stream in the gateway's order (see above), with the "json" tool's argument deltas
 * as content deltas when `structuredOutput`. Stopping early ends the inner stream, which closes
 * the upstream request.
 */
export async function* normaliseDeepSeekStream(
  chunks: AsyncIterable<ChatChunk>,
  { structuredOutput }: { structuredOutput: boolean },
): AsyncGenerator<ChatChunk> {
  const jsonCalls = structuredOutput ? createJsonCallRewriter() : undefined;
  for await (const chunk of chunks) {
    if (jsonCalls && !jsonCalls.rewrite(chunk)) continue;
    yield* splitClosingChunk(chunk);
  }
}

/** Rewrites chunks in place: json tool deltas → content, other calls renumbered from 0. */
function createJsonCallRewriter() {
  const jsonIndexes = new Set<number>();
  const outputIndexes = new Map<number, number>();
  return {
    /** False when the chunk carried only json tool framing and has nothing left to send. */
    rewrite(chunk: ChatChunk): boolean {
      const [choice] = chunk.choices;
      if (!choice) return true;
      const deltas = choice.delta.tool_calls;
      if (deltas) {
        let text = "";
        const kept: ToolCallDelta[] = [];
        for (const delta of deltas) {
          if (delta.function?.name === jsonResponseToolName) jsonIndexes.add(delta.index);
          if (jsonIndexes.has(delta.index)) {
            text += delta.function?.arguments ?? "";
            continue;
          }
          if (!outputIndexes.has(delta.index)) outputIndexes.set(delta.index, outputIndexes.size);
          kept.push({ ...delta, index: outputIndexes.get(delta.index)! });
        }
        if (kept.length > 0) choice.delta.tool_calls = kept;
        else delete choice.delta.tool_calls;
        if (text) choice.delta.content = (choice.delta.content ?? "") + text;
      }
      if (choice.finish_reason === "tool_calls" && jsonIndexes.size > 0 && outputIndexes.size === 0)
        choice.finish_reason = "stop";
      return (
        !deltas || !isEmptyDelta(choice.delta) || choice.finish_reason !== null || !!chunk.usage
      );
    },
  };
}

/** A chunk with a finish_reason and/or usage beside choices becomes [text chunk], finish chunk, [usage chunk]. */
function* splitClosingChunk(chunk: ChatChunk): Generator<ChatChunk> {
  const [choice, ...others] = chunk.choices;
  const usage = chunk.usage;
  if (!choice || others.length > 0 || (!choice.finish_reason && !usage)) {
    yield chunk;
    return;
  }
  const base = { ...chunk, usage: null };
  if (!choice.finish_reason) {
    yield base;
  } else if (isEmptyDelta(choice.delta)) {
    yield { ...base, choices: [{ ...choice, delta: {} }] };
  } else {
    yield { ...base, choices: [{ ...choice, finish_reason: null }] };
    yield {
      ...base,
      choices: [{ ...choice, delta: {}, ...("logprobs" in choice ? { logprobs: null } : {}) }],
    };
  }
  if (usage) yield { ...base, choices: [], usage };
}

/** No text, reasoning, tool call or role: only nulls and empty strings (DeepSeek's closing `{"content":"","reasoning_content":null}`). */
function isEmptyDelta(delta: ChatChunk["choices"][number]["delta"]): boolean {
  return Object.values(delta).every(
    (value) =>
      value === null ||
      value === undefined ||
      value === "" ||
      (Array.isArray(value) && value.length === 0),
  );
}
