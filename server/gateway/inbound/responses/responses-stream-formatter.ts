import type { ChatChunk, Usage } from "../../spec.ts";
import type { ResponsesItem, ResponsesRequest } from "./responses-api.ts";
import {
  type CallerTools,
  echoedSettings,
  noCallerTools,
  functionCallItem,
  incompleteReasonOf,
  newResponsesId,
  outputTextPart,
  reasoningItem,
  type ResponseObject,
  responsesUsageOf,
} from "./response-object.ts";

/*
 * A chat stream told as the Responses API's events, in OpenAI's order: response.created,
 * response.in_progress, then per output item output_item.added → (content_part.added →
 * output_text.delta… → output_text.done → content_part.done | function_call_arguments.delta… →
 * function_call_arguments.done) → output_item.done, and last response.completed (or
 * response.incomplete / response.failed). Every event has `sequence_number`.
 * Reference: https://platform.openai.com/docs/api-reference/responses-streaming
 */

export type ResponsesEvent = { type: string; sequence_number: number; [field: string]: unknown };

interface OpenItem {
  outputIndex: number;
  item: ResponsesItem & { id: string };
  kind: "message" | "reasoning" | "call";
  text: string;
  /** For calls: the chat stream's tool-call index. */
  toolIndex?: number;
}

export interface ResponsesStreamFormatterOptions {
  id: string;
  request: ResponsesRequest;
  model: string;
  previousResponseId?: string | null;
  callerTools?: CallerTools;
  createdAt?: number;
}

/** Turns chat chunks into Responses events; `finish` / `fail` end it with the final Response object. */
export function createResponsesStreamFormatter({
  id,
  request,
  model,
  previousResponseId,
  callerTools = noCallerTools,
  createdAt = Math.floor(Date.now() / 1000),
}: ResponsesStreamFormatterOptions) {
  let sequence = 0;
  const output: ResponsesItem[] = [];
  let open: OpenItem | undefined;
  let usage: Usage | undefined;
  let finishReason: ChatChunk["choices"][number]["finish_reason"] = null;
  let responseModel = model;

  const event = (type: string, fields: Record<string, unknown>): ResponsesEvent => ({
    type,
    sequence_number: sequence++,
    ...fields,
  });

  function snapshot(status: ResponseObject["status"], extra: Partial<ResponseObject> = {}) {
    return {
      id,
      object: "response",
      created_at: createdAt,
      status,
      error: null,
      incomplete_details: null,
      ...echoedSettings(request, previousResponseId),
      model: responseModel,
      output: status === "in_progress" ? [] : structuredClone(output),
      usage: null,
      ...extra,
    } as ResponseObject;
  }

  function start(): ResponsesEvent[] {
    return [
      event("response.created", { response: snapshot("in_progress") }),
      event("response.in_progress", { response: snapshot("in_progress") }),
    ];
  }

  function openItem(kind: OpenItem["kind"], item: OpenItem["item"], toolIndex?: number) {
    open = { outputIndex: output.length, item, kind, text: "", toolIndex };
    output.push(item);
    const events = [
      event("response.output_item.added", {
        output_index: open.outputIndex,
        item: structuredClone(item),
      }),
    ];
    if (kind === "message")
      events.push(
        event("response.content_part.added", {
          item_id: item.id,
          output_index: open.outputIndex,
          content_index: 0,
          part: outputTextPart(""),
        }),
      );
    if (kind === "reasoning")
      events.push(
        event("response.reasoning_summary_part.added", {
          item_id: item.id,
          output_index: open.outputIndex,
          summary_index: 0,
          part: { type: "summary_text", text: "" },
        }),
      );
    return events;
  }

  function closeItem(status: "completed" | "incomplete" = "completed"): ResponsesEvent[] {
    if (!open) return [];
    const { item, outputIndex, text, kind } = open;
    open = undefined;
    const events: ResponsesEvent[] = [];
    const where = { item_id: item.id, output_index: outputIndex };
    let done: ResponsesItem;
    if (kind === "message") {
      const part = outputTextPart(text);
      events.push(
        event("response.output_text.done", { ...where, content_index: 0, text, logprobs: [] }),
        event("response.content_part.done", { ...where, content_index: 0, part }),
      );
      done = { ...item, status, content: [part] };
    } else if (kind === "reasoning") {
      events.push(
        event("response.reasoning_summary_text.done", { ...where, summary_index: 0, text }),
        event("response.reasoning_summary_part.done", {
          ...where,
          summary_index: 0,
          part: { type: "summary_text", text },
        }),
      );
      done = reasoningItem(item.id, text);
    } else {
      const call = item as unknown as { call_id: string; name: string };
      done = functionCallItem(item.id, call.call_id, call.name, text, callerTools, status);
      if (done.type === "function_call")
        events.push(
          event("response.function_call_arguments.done", {
            ...where,
            name: call.name,
            arguments: text,
          }),
        );
      else
        events.push(event("response.custom_tool_call_input.done", { ...where, input: done.input }));
    }
    output[outputIndex] = done;
    events.push(
      event("response.output_item.done", {
        output_index: outputIndex,
        item: structuredClone(done),
      }),
    );
    return events;
  }

  /** The events one chat chunk becomes (none for a usage-only chunk). */
  function push(chunk: ChatChunk): ResponsesEvent[] {
    if (chunk.usage) usage = chunk.usage;
    if (chunk.model) responseModel = chunk.model;
    const events: ResponsesEvent[] = [];
    for (const choice of chunk.choices.filter((candidate) => candidate.index === 0)) {
      const delta = choice.delta;
      const reasoning = delta.reasoning_content;
      if (typeof reasoning === "string" && reasoning) {
        if (open?.kind !== "reasoning")
          events.push(
            ...closeItem(),
            ...openItem("reasoning", { id: newResponsesId("rs"), type: "reasoning", summary: [] }),
          );
        open!.text += reasoning;
        events.push(
          event("response.reasoning_summary_text.delta", {
            item_id: open!.item.id,
            output_index: open!.outputIndex,
            summary_index: 0,
            delta: reasoning,
          }),
        );
      }
      if (delta.content) {
        if (open?.kind !== "message")
          events.push(
            ...closeItem(),
            ...openItem("message", {
              id: newResponsesId("msg"),
              type: "message",
              status: "in_progress",
              role: "assistant",
              content: [],
            }),
          );
        open!.text += delta.content;
        events.push(
          event("response.output_text.delta", {
            item_id: open!.item.id,
            output_index: open!.outputIndex,
            content_index: 0,
            delta: delta.content,
            logprobs: [],
          }),
        );
      }
      for (const call of delta.tool_calls ?? []) {
        if (open?.kind !== "call" || open.toolIndex !== call.index) {
          const name = call.function?.name ?? "";
          const custom = callerTools.custom.has(name);
          events.push(
            ...closeItem(),
            ...openItem(
              "call",
              {
                id: newResponsesId(custom ? "ctc" : "fc"),
                type: custom ? "custom_tool_call" : "function_call",
                status: "in_progress",
                call_id: call.id ?? newResponsesId("call"),
                name,
                ...(custom ? { input: "" } : { arguments: "" }),
              },
              call.index,
            ),
          );
        }
        const argumentsDelta = call.function?.arguments;
        if (argumentsDelta) {
          open!.text += argumentsDelta;
          // A custom tool's input is only known whole (the translation wraps it in JSON).
          if (!callerTools.custom.has(String(open!.item.name)))
            events.push(
              event("response.function_call_arguments.delta", {
                item_id: open!.item.id,
                output_index: open!.outputIndex,
                delta: argumentsDelta,
              }),
            );
        }
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
    return events;
  }

  /** The closing events after the last chunk, and the final Response object (to store). */
  function finish(finalUsage?: Usage): { events: ResponsesEvent[]; response: ResponseObject } {
    const reason = incompleteReasonOf(finishReason);
    const events = closeItem(reason ? "incomplete" : "completed");
    const response = snapshot(reason ? "incomplete" : "completed", {
      incomplete_details: reason ? { reason } : null,
      usage: responsesUsageOf(usage ?? finalUsage),
    });
    events.push(event(reason ? "response.incomplete" : "response.completed", { response }));
    return { events, response };
  }

  /** The events after a failure once the stream had begun: the open item ends incomplete, then response.failed. */
  function fail(error: { code: string; message: string }): ResponsesEvent[] {
    const events = closeItem("incomplete");
    events.push(
      event("response.failed", {
        response: snapshot("failed", { error, usage: responsesUsageOf(usage) }),
      }),
    );
    return events;
  }

  return { start, push, finish, fail };
}

export type ResponsesStreamFormatter = ReturnType<typeof createResponsesStreamFormatter>;
