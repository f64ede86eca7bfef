import type {
  ChatChunk,
  ChatRequest,
  ChatResponse,
  ToolCall,
  ToolCallDelta,
  Usage,
} from "../../spec.ts";
import { estimatePromptTokens, estimateTokens } from "../../tokens.ts";
import { mapSageMakerFinishReason } from "./map-sagemaker-finish-reason.ts";
import type {
  SageMakerChatChunk,
  SageMakerChatResponse,
  SageMakerToolCallDelta,
} from "./sagemaker-api.ts";
import { newCompletionId, newToolCallId } from "../../identifiers.ts";

/*
 * The containers behind SageMaker speak OpenAI's format with variations (TGI: an empty `id`,
 * `role` and the tool-call id on every delta, tool calls ending with "stop", usage sometimes
 * inside the finish chunk, none at all from older releases). These turn their answers into the
 * gateway's exact shapes. When a container reports no usage, it is estimated (tokens.ts:
 * about 4 characters per token) so spend is never silently zero.
 */

/** The container's chat.completion, completed: ids, finish reasons, string tool arguments, usage. */
export function completeSageMakerResponse(
  answer: SageMakerChatResponse,
  request: ChatRequest,
): ChatResponse {
  let completionText = "";
  const choices = answer.choices.map((choice, position) => {
    const { tool_calls: rawToolCalls, ...message } = choice.message;
    const toolCalls: ToolCall[] = (rawToolCalls ?? []).map((call) => {
      const toolArguments = argumentsText(call.function.arguments) ?? "{}";
      completionText += call.function.name + toolArguments;
      return {
        ...call,
        id: call.id || newToolCallId(),
        type: "function",
        function: { ...call.function, arguments: toolArguments },
      } as ToolCall;
    });
    completionText += message.content ?? "";
    return {
      ...choice,
      index: choice.index ?? position,
      message: {
        ...message,
        role: "assistant" as const,
        content: message.content ?? null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      },
      finish_reason: mapSageMakerFinishReason(choice.finish_reason ?? "stop", {
        hasToolCalls: toolCalls.length > 0,
      }),
    };
  });
  return {
    ...answer,
    id: answer.id || newCompletionId(),
    object: "chat.completion",
    created: answer.created ?? nowInSeconds(),
    model: answer.model || request.model,
    choices,
    usage: completeUsage(answer.usage as Usage | null | undefined, request, completionText),
  };
}

/**
 * Turns a container's stream chunks into the gateway's stream: a first chunk with
 * `{ role: "assistant", content: "" }`; content (and other non-empty delta fields such as
 * vLLM's reasoning_content) as they come; each tool call as one header delta (id, type, name)
 * then argument-only deltas; at the end one `delta: {}` chunk with the finish reason and one
 * `choices: []` chunk with the usage (the container's, else estimated). Every chunk carries the
 * first container chunk's id, model and created.
 */
export class SageMakerStreamNormalizer {
  private identity?: { id: string; model: string; created: number };
  private readonly toolCallIds = new Map<number, string>();
  private finishReason?: string;
  private usage?: Usage;
  private completionText = "";

  constructor(private readonly request: ChatRequest) {}

  /** Whether any container chunk has arrived. */
  get started(): boolean {
    return this.identity !== undefined;
  }

  /** The gateway chunks one container chunk becomes (possibly none). */
  push(chunk: SageMakerChatChunk): ChatChunk[] {
    const chunks: ChatChunk[] = [];
    if (!this.identity) {
      this.identity = {
        id: chunk.id || newCompletionId(),
        model: chunk.model || this.request.model,
        created: chunk.created ?? nowInSeconds(),
      };
      chunks.push(this.chunk({ role: "assistant", content: "" }));
    }
    if (chunk.usage) this.usage = chunk.usage as Usage;
    for (const choice of chunk.choices) {
      const { role: _role, content, tool_calls: toolCalls, ...others } = choice.delta ?? {};
      const delta: ChatChunk["choices"][number]["delta"] = {};
      // TGI sends `function_call: null`, `refusal: null` on every delta: only real values pass.
      for (const [field, value] of Object.entries(others))
        if (value !== null && value !== undefined && value !== "") delta[field] = value;
      if (content) delta.content = content;
      const toolCallDeltas = this.toolCallDeltas(toolCalls);
      if (toolCallDeltas.length > 0) delta.tool_calls = toolCallDeltas;
      for (const value of Object.values(delta))
        if (typeof value === "string") this.completionText += value;
      const logprobs = choice.logprobs ?? undefined;
      if (Object.keys(delta).length > 0)
        chunks.push(this.chunk(delta, null, logprobs === undefined ? {} : { logprobs }));
      if (choice.finish_reason) this.finishReason = choice.finish_reason;
    }
    return chunks;
  }

  /** The finish chunk and the usage chunk that close the stream. */
  finish(): ChatChunk[] {
    const finishReason = mapSageMakerFinishReason(this.finishReason ?? "stop", {
      hasToolCalls: this.toolCallIds.size > 0,
    });
    const usage = completeUsage(this.usage, this.request, this.completionText);
    return [this.chunk({}, finishReason), { ...this.chunk({}), choices: [], usage }];
  }

  private chunk(
    delta: ChatChunk["choices"][number]["delta"],
    finishReason: ChatChunk["choices"][number]["finish_reason"] = null,
    extra: Record<string, unknown> = {},
  ): ChatChunk {
    const { id, model, created } = this.identity!;
    return {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, ...extra, finish_reason: finishReason }],
    };
  }

  /** The first delta of each tool call carries id, type and name; the rest only their argument pieces. */
  private toolCallDeltas(
    raw: SageMakerToolCallDelta[] | SageMakerToolCallDelta | null | undefined,
  ): ToolCallDelta[] {
    if (!raw) return [];
    const deltas: ToolCallDelta[] = [];
    (Array.isArray(raw) ? raw : [raw]).forEach((call, position) => {
      const index = call.index ?? position;
      const pieceOfArguments = argumentsText(call.function?.arguments) ?? "";
      this.completionText += pieceOfArguments;
      if (!this.toolCallIds.has(index)) {
        const id = call.id || newToolCallId();
        this.toolCallIds.set(index, id);
        this.completionText += call.function?.name ?? "";
        deltas.push({
          index,
          id,
          type: "function",
          function: { name: call.function?.name ?? "", arguments: pieceOfArguments },
        });
      } else if (pieceOfArguments) {
        deltas.push({ index, function: { arguments: pieceOfArguments } });
      }
    });
    return deltas;
  }
}

/** The container's usage with total_tokens filled in, or an estimate when it sent none. */
function completeUsage(
  usage: Usage | null | undefined,
  request: ChatRequest,
  completionText: string,
): Usage {
  if (usage)
    return {
      ...usage,
      total_tokens:
        typeof usage.total_tokens === "number"
          ? usage.total_tokens
          : usage.prompt_tokens + usage.completion_tokens,
    };
  const promptTokens = estimatePromptTokens(request.messages);
  const completionTokens = estimateTokens(completionText);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** Tool arguments as OpenAI's JSON text (older TGI sent an object). */
function argumentsText(
  value: string | Record<string, unknown> | null | undefined,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function nowInSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
