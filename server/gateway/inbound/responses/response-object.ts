import { randomUUID } from "node:crypto";
import type { ChatResponse, FinishReason, Usage } from "../../spec.ts";
import type { ResponsesItem, ResponsesRequest } from "./responses-api.ts";

/*
 * OpenAI's Response object built from a chat answer, and the usage both ways.
 * Reference: https://platform.openai.com/docs/api-reference/responses/object and openai-node
 * src/resources/responses/responses.ts (Response, ResponseOutputItem, ResponseUsage).
 */

export type ResponseStatus = "completed" | "incomplete" | "failed" | "in_progress";

/** Responses API usage. */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** A Response object (the fields the gateway writes; a relayed one has whatever OpenAI sent). */
export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: string } | null;
  model: string;
  output: ResponsesItem[];
  usage?: ResponsesUsage | null;
  [field: string]: unknown;
}

/**
 * What the caller's tools say about a tool call's name: which are custom (freeform) tools, whose
 * calls are `custom_tool_call` items, and the namespace a function was declared in (Codex's
 * `namespace` tools), which its `function_call` items name.
 */
export interface CallerTools {
  custom: ReadonlySet<string>;
  namespaces: ReadonlyMap<string, string>;
}

export const noCallerTools: CallerTools = { custom: new Set(), namespaces: new Map() };

/** An id in OpenAI's style for this kind of object (`resp`, `msg`, `fc`, `rs`). */
export function newResponsesId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll("-", "")}`;
}

/** Chat usage as the Responses API reports it (cached and reasoning details always present, 0 when unknown). */
export function responsesUsageOf(usage: Usage | null | undefined): ResponsesUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: {
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
  };
}

/** Responses usage as the gateway's chat usage (what accounting reads). */
export function chatUsageOf(usage: unknown): Usage | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const reported = usage as Partial<ResponsesUsage>;
  const prompt = reported.input_tokens ?? 0;
  const completion = reported.output_tokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: reported.total_tokens ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: reported.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: {
      reasoning_tokens: reported.output_tokens_details?.reasoning_tokens ?? 0,
    },
  };
}

/** The request's settings echoed on the Response object, as OpenAI does. */
export function echoedSettings(request: ResponsesRequest, previousResponseId?: string | null) {
  return {
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    metadata: request.metadata ?? {},
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: previousResponseId ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: null },
    store: request.store ?? true,
    temperature: request.temperature ?? 1,
    text: { format: request.text?.format ?? { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? 1,
    truncation: "disabled",
    user: request.user ?? null,
    background: false,
  };
}

/** Why a chat answer stopped short, in the Responses API's words (null when it did not). */
export function incompleteReasonOf(finishReason: FinishReason | null | undefined): string | null {
  if (finishReason === "length") return "max_output_tokens";
  if (finishReason === "content_filter") return "content_filter";
  return null;
}

/** Output items of one chat answer: reasoning, then the message, then function calls. */
export function outputItemsOf(
  message: ChatResponse["choices"][number]["message"],
  callerTools: CallerTools = noCallerTools,
  status: "completed" | "incomplete" = "completed",
): ResponsesItem[] {
  const output: ResponsesItem[] = [];
  const reasoning = message.reasoning_content;
  if (typeof reasoning === "string" && reasoning)
    output.push(reasoningItem(newResponsesId("rs"), reasoning));
  const parts: ResponsesItem[] = [];
  if (message.content) parts.push(outputTextPart(message.content));
  if (typeof message.refusal === "string" && message.refusal)
    parts.push({ type: "refusal", refusal: message.refusal });
  if (parts.length > 0)
    output.push({
      id: newResponsesId("msg"),
      type: "message",
      status,
      role: "assistant",
      content: parts,
    });
  for (const call of message.tool_calls ?? [])
    output.push(
      functionCallItem(
        newResponsesId("fc"),
        call.id,
        call.function.name,
        call.function.arguments,
        callerTools,
      ),
    );
  return output;
}

export function outputTextPart(text: string): ResponsesItem {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

/**
 * The model's reasoning text (a chat answer's `reasoning_content`) as a reasoning item. It is
 * given as the item's `summary`, which is what clients show (the Vercel AI SDK, Codex), though it
 * is the provider's whole reasoning text rather than a summary of it.
 */
export function reasoningItem(id: string, text: string): ResponsesItem {
  return { id, type: "reasoning", summary: [{ type: "summary_text", text }] };
}

/** A tool call as a function_call item, or a custom_tool_call for a custom (freeform) tool. */
export function functionCallItem(
  id: string,
  callId: string,
  name: string,
  argumentsText: string,
  callerTools: CallerTools,
  status = "completed",
): ResponsesItem {
  if (callerTools.custom.has(name)) {
    let input = argumentsText;
    try {
      const parsed = JSON.parse(argumentsText) as { input?: unknown };
      if (typeof parsed.input === "string") input = parsed.input;
    } catch {
      // Not the {input} object the translation asked for: the raw text is the input.
    }
    return { id, type: "custom_tool_call", status, call_id: callId, name, input };
  }
  const namespace = callerTools.namespaces.get(name);
  return {
    id,
    type: "function_call",
    status,
    arguments: argumentsText,
    call_id: callId,
    name,
    ...(namespace && { namespace }),
  };
}

/** A non-streamed chat answer as a Response object. */
export function responseFromChat(
  chat: ChatResponse,
  {
    id,
    request,
    previousResponseId,
    callerTools,
    createdAt = Math.floor(Date.now() / 1000),
  }: {
    id: string;
    request: ResponsesRequest;
    previousResponseId?: string | null;
    callerTools?: CallerTools;
    createdAt?: number;
  },
): ResponseObject {
  const choice = chat.choices[0];
  const reason = incompleteReasonOf(choice?.finish_reason);
  const status = reason ? "incomplete" : "completed";
  return {
    id,
    object: "response",
    created_at: createdAt,
    status,
    error: null,
    incomplete_details: reason ? { reason } : null,
    ...echoedSettings(request, previousResponseId),
    model: chat.model,
    output: choice ? outputItemsOf(choice.message, callerTools, status) : [],
    usage: responsesUsageOf(chat.usage),
  };
}
