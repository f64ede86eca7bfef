import { jsonReply, type ScriptedReply, sseReply } from "./scripted-upstream.ts";

/*
 * OpenAI's Responses API wire format for the scripted upstream: the Response object
 * (https://platform.openai.com/docs/api-reference/responses/object) and its named SSE events in
 * the documented order (https://platform.openai.com/docs/api-reference/responses-streaming):
 * response.created, response.in_progress, output_item.added, content_part.added,
 * output_text.delta…, output_text.done, content_part.done, output_item.done (function calls:
 * function_call_arguments.delta… / .done), response.completed.
 */

export const upstreamResponseId = "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b";
const createdAt = 1741476542;

export interface ResponsesWireAnswer {
  model?: string;
  /** Text of the message item, in pieces (one delta each when streamed). */
  text?: string[];
  /** One function call, its arguments in pieces. */
  functionCall?: { callId: string; name: string; argumentPieces: string[] };
  usage?: { input: number; output: number; cached?: number; reasoning?: number };
  status?: "completed" | "incomplete";
}

function usageOf({
  input,
  output,
  cached = 0,
  reasoning = 0,
}: NonNullable<ResponsesWireAnswer["usage"]>) {
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cached },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

function envelope(model: string, status: string) {
  return {
    id: upstreamResponseId,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output: [] as unknown[],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: null as unknown,
    user: null,
    metadata: {},
  };
}

function outputOf(answer: ResponsesWireAnswer) {
  const output: Array<Record<string, unknown>> = [];
  if (answer.text)
    output.push({
      id: "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: answer.text.join(""), annotations: [], logprobs: [] }],
    });
  if (answer.functionCall)
    output.push({
      id: "fc_67ca09c6bedc8190a7abfec07b1a1332096610f474011cc0",
      type: "function_call",
      status: "completed",
      call_id: answer.functionCall.callId,
      name: answer.functionCall.name,
      arguments: answer.functionCall.argumentPieces.join(""),
    });
  return output;
}

/** The Response object a non-streaming request gets. */
export function responsesJson(answer: ResponsesWireAnswer): ScriptedReply {
  const model = answer.model ?? "gpt-4.1-2025-04-14";
  return jsonReply(200, {
    ...envelope(model, answer.status ?? "completed"),
    output: outputOf(answer),
    usage: usageOf(answer.usage ?? { input: 36, output: 87 }),
  });
}

/** The event stream a `stream: true` request gets. */
export function responsesStream(answer: ResponsesWireAnswer): ScriptedReply {
  const model = answer.model ?? "gpt-4.1-2025-04-14";
  const events: Array<Record<string, unknown>> = [];
  const add = (event: Record<string, unknown>) =>
    events.push({ ...event, sequence_number: events.length });
  add({ type: "response.created", response: envelope(model, "in_progress") });
  add({ type: "response.in_progress", response: envelope(model, "in_progress") });
  const output = outputOf(answer);
  output.forEach((item, outputIndex) => {
    const where = { item_id: item.id, output_index: outputIndex };
    if (item.type === "message") {
      add({
        type: "response.output_item.added",
        output_index: outputIndex,
        item: { ...item, status: "in_progress", content: [] },
      });
      const empty = { type: "output_text", annotations: [], logprobs: [], text: "" };
      add({ type: "response.content_part.added", ...where, content_index: 0, part: empty });
      for (const delta of answer.text ?? [])
        add({
          type: "response.output_text.delta",
          ...where,
          content_index: 0,
          delta,
          logprobs: [],
        });
      const text = (answer.text ?? []).join("");
      add({ type: "response.output_text.done", ...where, content_index: 0, text, logprobs: [] });
      add({
        type: "response.content_part.done",
        ...where,
        content_index: 0,
        part: { ...empty, text },
      });
    } else {
      add({
        type: "response.output_item.added",
        output_index: outputIndex,
        item: { ...item, status: "in_progress", arguments: "" },
      });
      for (const delta of answer.functionCall!.argumentPieces)
        add({ type: "response.function_call_arguments.delta", ...where, delta });
      add({
        type: "response.function_call_arguments.done",
        ...where,
        name: item.name,
        arguments: item.arguments,
      });
    }
    add({ type: "response.output_item.done", output_index: outputIndex, item });
  });
  add({
    type: "response.completed",
    response: {
      ...envelope(model, "completed"),
      output,
      usage: usageOf(answer.usage ?? { input: 36, output: 87 }),
    },
  });
  return sseReply(events.map((data) => ({ event: String(data.type), data })));
}

/** A response.failed after the stream began (OpenAI's server_error). */
export function responsesFailedStream(model = "gpt-4.1-2025-04-14"): ScriptedReply {
  const events = [
    { type: "response.created", sequence_number: 0, response: envelope(model, "in_progress") },
    {
      type: "response.failed",
      sequence_number: 1,
      response: {
        ...envelope(model, "failed"),
        error: { code: "server_error", message: "The model had an error." },
      },
    },
  ];
  return sseReply(events.map((data) => ({ event: data.type, data })));
}
