import type {
  ChatChunk,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  ContentPart,
  Usage,
} from "../../gateway/spec.ts";

/** Converts between the GraphQL camelCase shapes and OpenAI's wire shapes (gateway/spec.ts). */

export interface ChatMessageInputShape {
  role: "SYSTEM" | "USER" | "ASSISTANT" | "TOOL" | "DEVELOPER";
  content?: string | null;
  contentParts?: Array<{
    type: "TEXT" | "IMAGE_URL";
    text?: string | null;
    imageUrl?: string | null;
    imageDetail?: string | null;
  }> | null;
  name?: string | null;
  toolCallId?: string | null;
  toolCalls?: Array<{
    id: string;
    type?: string | null;
    function: { name: string; arguments: string };
  }> | null;
}

export interface ChatCompletionInputShape {
  model: string;
  messages: ChatMessageInputShape[];
  temperature?: number | null;
  topP?: number | null;
  maxTokens?: number | null;
  stop?: string[] | null;
  tools?: unknown;
  toolChoice?: unknown;
  responseFormat?: unknown;
  seed?: number | null;
  user?: string | null;
  metadata?: unknown;
}

function contentOf(message: ChatMessageInputShape): ChatMessage["content"] {
  if (!message.contentParts?.length) return message.content ?? null;
  const parts: ContentPart[] = message.content ? [{ type: "text", text: message.content }] : [];
  for (const part of message.contentParts) {
    if (part.type === "TEXT") parts.push({ type: "text", text: part.text ?? "" });
    else
      parts.push({
        type: "image_url",
        image_url: {
          url: part.imageUrl ?? "",
          ...(part.imageDetail ? { detail: part.imageDetail as "auto" } : {}),
        },
      });
  }
  return parts;
}

/** Drops nulls so "not given" never reaches the provider as an explicit null. */
function compact<T extends Record<string, unknown>>(
  value: T,
): { [Key in keyof T]?: NonNullable<T[Key]> } {
  const compacted: Record<string, unknown> = {};
  for (const key in value) {
    const item = value[key];
    if (item !== undefined && item !== null) compacted[key] = item;
  }
  return compacted as { [Key in keyof T]?: NonNullable<T[Key]> };
}

/** The OpenAI request body for a GraphQL ChatCompletionInput (validated afterwards like REST bodies). */
export function toChatRequestBody(input: ChatCompletionInputShape): ChatRequest {
  return compact({
    model: input.model,
    messages: input.messages.map(
      (message) =>
        compact({
          role: message.role.toLowerCase() as ChatMessage["role"],
          content: contentOf(message),
          name: message.name,
          tool_call_id: message.toolCallId,
          tool_calls: message.toolCalls?.map((call) => ({
            id: call.id,
            type: "function" as const,
            function: call.function,
          })),
        }) as ChatMessage,
    ),
    temperature: input.temperature,
    top_p: input.topP,
    max_tokens: input.maxTokens,
    stop: input.stop,
    tools: input.tools as unknown[] | undefined,
    tool_choice: input.toolChoice,
    response_format: input.responseFormat,
    seed: input.seed,
    user: input.user,
    metadata: input.metadata as Record<string, unknown> | undefined,
  }) as ChatRequest;
}

export function toUsageShape(usage: Usage | null | undefined) {
  if (!usage) return null;
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    totalTokens: usage.total_tokens ?? usage.prompt_tokens + usage.completion_tokens,
    cachedTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export type UsageShape = NonNullable<ReturnType<typeof toUsageShape>>;

function toToolCallShape(call: {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}) {
  return {
    index: call.index ?? null,
    id: call.id ?? null,
    type: call.type ?? null,
    function: call.function
      ? { name: call.function.name ?? null, arguments: call.function.arguments ?? null }
      : null,
  };
}

export type ToolCallShape = ReturnType<typeof toToolCallShape>;

function toFinishReason(reason: string | null | undefined) {
  return reason ? reason.toUpperCase() : null;
}

export function toChoicesShape(response: ChatResponse) {
  return response.choices.map((choice) => ({
    index: choice.index,
    message: {
      role: "ASSISTANT",
      content: choice.message.content ?? null,
      toolCalls: choice.message.tool_calls?.map(toToolCallShape) ?? null,
    },
    finishReason: toFinishReason(choice.finish_reason),
  }));
}

export type ChoiceShape = ReturnType<typeof toChoicesShape>[number];

export function toChunkShape(
  chunk: ChatChunk,
  extra: { usage?: UsageShape | null; costNanoUsd?: bigint | null } = {},
) {
  return {
    id: chunk.id,
    model: chunk.model,
    created: chunk.created,
    choices: chunk.choices.map((choice) => ({
      index: choice.index,
      delta: {
        role: choice.delta.role ? "ASSISTANT" : null,
        content: choice.delta.content ?? null,
        toolCalls: choice.delta.tool_calls?.map(toToolCallShape) ?? null,
      },
      finishReason: toFinishReason(choice.finish_reason),
    })),
    usage: extra.usage ?? null,
    costUsd: extra.costNanoUsd ?? null,
  };
}

export type ChunkShape = ReturnType<typeof toChunkShape>;
