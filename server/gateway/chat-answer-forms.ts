/*
 * A chat answer in its two wire forms: the whole ChatResponse and the chunks of a stream. The
 * response cache stores whichever form the first request got and turns it into the other when a
 * request of the other form hits it.
 */
import type { ChatChunk, ChatResponse, ToolCall, ToolCallDelta } from "./spec.ts";

type ResponseChoice = ChatResponse["choices"][number];
type ChunkChoice = ChatChunk["choices"][number];

/**
 * The chunks a stream of `response` would have sent: per choice one delta with the role, the
 * whole text and the tool calls, then one with the finish reason, then the usage chunk (no
 * choices) when the response has usage — the same order as OpenAI's streams.
 */
export function chunksFromResponse(response: ChatResponse): ChatChunk[] {
  const chunk = (choices: ChunkChoice[], usage?: ChatChunk["usage"]): ChatChunk => ({
    id: response.id,
    object: "chat.completion.chunk",
    created: response.created,
    model: response.model,
    choices,
    ...(usage ? { usage } : {}),
  });
  const chunks = response.choices.map((choice) => {
    const { role, tool_calls: toolCalls, ...fields } = choice.message;
    return chunk([
      {
        index: choice.index,
        delta: {
          ...fields,
          role,
          ...(toolCalls
            ? { tool_calls: toolCalls.map((call, index) => ({ index, ...call })) }
            : {}),
        },
        finish_reason: null,
        ...(choice.logprobs ? { logprobs: choice.logprobs } : {}),
      },
    ]);
  });
  chunks.push(
    chunk(
      response.choices.map((choice) => ({
        index: choice.index,
        delta: {},
        finish_reason: choice.finish_reason,
      })),
    ),
  );
  if (response.usage) chunks.push(chunk([], response.usage));
  return chunks;
}

/**
 * The ChatResponse a stream adds up to: per choice the text fields of its deltas joined
 * (content, refusal, a provider's reasoning text), tool calls assembled by index, logprobs
 * concatenated and the last finish reason; the last usage the stream reported.
 */
export function responseFromChunks(chunks: readonly ChatChunk[]): ChatResponse {
  const first = chunks[0];
  const choices = new Map<number, ResponseChoice>();
  const toolCalls = new Map<number, Map<number, ToolCall>>();
  let usage: ChatChunk["usage"];
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const { index, delta, finish_reason: finishReason, logprobs } of chunk.choices) {
      let choice = choices.get(index);
      if (!choice) {
        choice = { index, message: { role: "assistant", content: null }, finish_reason: null };
        choices.set(index, choice);
      }
      const { role: _role, tool_calls: callDeltas, ...fields } = delta;
      const message = choice.message as Record<string, unknown>;
      for (const [field, value] of Object.entries(fields)) {
        if (typeof value === "string")
          message[field] = (typeof message[field] === "string" ? message[field] : "") + value;
        else if (value !== null || !(field in message)) message[field] = value;
      }
      for (const callDelta of callDeltas ?? []) {
        const calls = toolCalls.get(index) ?? new Map<number, ToolCall>();
        toolCalls.set(index, calls);
        calls.set(callDelta.index, addToolCallDelta(calls.get(callDelta.index), callDelta));
      }
      if (finishReason) choice.finish_reason = finishReason;
      const tokens = (logprobs as { content?: unknown[] } | null | undefined)?.content;
      if (Array.isArray(tokens)) {
        const kept = (choice.logprobs as { content: unknown[] } | undefined)?.content ?? [];
        choice.logprobs = { content: [...kept, ...tokens] };
      }
    }
  }
  for (const [index, calls] of toolCalls) {
    const choice = choices.get(index)!;
    choice.message.tool_calls = [...calls.entries()]
      .sort(([left], [right]) => left - right)
      .map(([, call]) => call);
  }
  return {
    id: first?.id ?? "",
    object: "chat.completion",
    created: first?.created ?? 0,
    model: first?.model ?? "",
    choices: [...choices.values()].sort((left, right) => left.index - right.index),
    ...(usage ? { usage } : {}),
  };
}

/** A tool call with one more delta: id and name from the first delta that has them, arguments appended. */
function addToolCallDelta(call: ToolCall | undefined, delta: ToolCallDelta): ToolCall {
  return {
    id: call?.id || delta.id || "",
    type: "function",
    function: {
      name: call?.function.name || delta.function?.name || "",
      arguments: (call?.function.arguments ?? "") + (delta.function?.arguments ?? ""),
    },
  };
}
