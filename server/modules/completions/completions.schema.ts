import { builder } from "../../graphql/builder.ts";
import { completionContextOf } from "../../graphql/context.ts";
import {
  errorTypes,
  toErrorResult,
  toGraphQLError,
  type ErrorResult,
} from "../../graphql/errors.ts";
import {
  toChatRequestBody,
  toChoicesShape,
  toChunkShape,
  toUsageShape,
  type ChoiceShape,
  type ChunkShape,
  type ToolCallShape,
  type UsageShape,
} from "./chat-graphql-shapes.ts";
import type { CompletionResult } from "./completions.service.ts";

const ChatRole = builder.enumType("ChatRole", {
  values: ["SYSTEM", "USER", "ASSISTANT", "TOOL", "DEVELOPER"] as const,
});
const FinishReason = builder.enumType("FinishReason", {
  description: "Why the model stopped (OpenAI's finish_reason, upper-cased).",
  values: ["STOP", "LENGTH", "TOOL_CALLS", "CONTENT_FILTER", "FUNCTION_CALL"] as const,
});
const ContentPartType = builder.enumType("ContentPartType", {
  values: ["TEXT", "IMAGE_URL"] as const,
});

const ContentPartInput = builder.inputType("ContentPartInput", {
  description: "One part of a multi-part message: text, or an image by URL (https: or data:).",
  fields: (t) => ({
    type: t.field({ type: ContentPartType, required: true }),
    text: t.string(),
    imageUrl: t.string(),
    imageDetail: t.string({ description: "auto | low | high" }),
  }),
});

const ToolCallFunctionInput = builder.inputType("ToolCallFunctionInput", {
  fields: (t) => ({ name: t.string({ required: true }), arguments: t.string({ required: true }) }),
});

const ToolCallInput = builder.inputType("ToolCallInput", {
  fields: (t) => ({
    id: t.string({ required: true }),
    type: t.string({ defaultValue: "function" }),
    function: t.field({ type: ToolCallFunctionInput, required: true }),
  }),
});

const ChatMessageInput = builder.inputType("ChatMessageInput", {
  fields: (t) => ({
    role: t.field({ type: ChatRole, required: true }),
    content: t.string(),
    contentParts: t.field({ type: [ContentPartInput] }),
    name: t.string(),
    toolCallId: t.string(),
    toolCalls: t.field({ type: [ToolCallInput] }),
  }),
});

export const ChatCompletionInput = builder.inputType("ChatCompletionInput", {
  description:
    "OpenAI's chat request in camelCase; tools, toolChoice, responseFormat and metadata take OpenAI's own JSON shape.",
  fields: (t) => ({
    model: t.string({ required: true }),
    messages: t.field({ type: [ChatMessageInput], required: true }),
    temperature: t.float(),
    topP: t.float(),
    maxTokens: t.int(),
    stop: t.stringList(),
    tools: t.field({ type: "JSON" }),
    toolChoice: t.field({ type: "JSON" }),
    responseFormat: t.field({ type: "JSON" }),
    seed: t.int(),
    user: t.string(),
    metadata: t.field({
      type: "JSON",
      description: "Free-form tags kept with the request log; not sent to the provider.",
    }),
  }),
});

const ToolCallFunction = builder
  .objectRef<NonNullable<ToolCallShape["function"]>>("ToolCallFunction")
  .implement({
    fields: (t) => ({
      name: t.exposeString("name", { nullable: true }),
      arguments: t.exposeString("arguments", { nullable: true }),
    }),
  });

const ToolCall = builder.objectRef<ToolCallShape>("ToolCall").implement({
  description: "A tool call; in stream deltas the fields arrive in pieces (index says which call).",
  fields: (t) => ({
    index: t.exposeInt("index", { nullable: true }),
    id: t.exposeString("id", { nullable: true }),
    type: t.exposeString("type", { nullable: true }),
    function: t.expose("function", { type: ToolCallFunction, nullable: true }),
  }),
});

const ChatMessage = builder.objectRef<ChoiceShape["message"]>("ChatMessage").implement({
  fields: (t) => ({
    role: t.field({ type: ChatRole, resolve: () => "ASSISTANT" as const }),
    content: t.exposeString("content", { nullable: true }),
    toolCalls: t.expose("toolCalls", { type: [ToolCall], nullable: true }),
  }),
});

const ChatChoice = builder.objectRef<ChoiceShape>("ChatChoice").implement({
  fields: (t) => ({
    index: t.exposeInt("index"),
    message: t.expose("message", { type: ChatMessage }),
    finishReason: t.field({
      type: FinishReason,
      nullable: true,
      resolve: (choice) => choice.finishReason as typeof FinishReason.$inferType | null,
    }),
  }),
});

export const Usage = builder.objectRef<UsageShape>("Usage").implement({
  fields: (t) => ({
    promptTokens: t.exposeInt("promptTokens"),
    completionTokens: t.exposeInt("completionTokens"),
    totalTokens: t.exposeInt("totalTokens"),
    cachedTokens: t.exposeInt("cachedTokens"),
    reasoningTokens: t.exposeInt("reasoningTokens"),
  }),
});

const ChatCompletion = builder.objectRef<CompletionResult>("ChatCompletion").implement({
  description: "OpenAI's chat completion in camelCase, plus where it was served and what it cost.",
  isTypeOf: (value) => (value as Partial<ErrorResult>).typename === undefined,
  fields: (t) => ({
    id: t.string({ resolve: (result) => result.response.id }),
    requestId: t.exposeID("requestId", {
      description: "The gateway's id for this request (x-request-id on REST; the request log id).",
    }),
    model: t.string({ resolve: (result) => result.response.model }),
    created: t.int({
      description: "Unix seconds, as OpenAI sends it.",
      resolve: (result) => result.response.created,
    }),
    choices: t.field({ type: [ChatChoice], resolve: (result) => toChoicesShape(result.response) }),
    usage: t.field({
      type: Usage,
      nullable: true,
      resolve: (result) => toUsageShape(result.response.usage),
    }),
    provider: t.string({ resolve: (result) => result.deployment.provider }),
    deployment: t.string({ resolve: (result) => result.deployment.id }),
    attempts: t.exposeInt("attempts", {
      description:
        "Upstream attempts it took (retries and fallbacks included); 1 when the first deployment answered.",
    }),
    costUsd: t.field({ type: "Usd", resolve: (result) => result.charge.costNanoUsd }),
    latencyMs: t.exposeInt("latencyMs"),
    cached: t.boolean({
      description:
        "Answered from the response cache: nothing was sent upstream and it cost nothing (provider and deployment are those that first answered).",
      resolve: (result) => result.cache === "hit",
    }),
  }),
});

const CreateChatCompletionResult = builder.unionType("CreateChatCompletionResult", {
  types: [ChatCompletion, ...errorTypes],
});

const ChunkDelta = builder
  .objectRef<ChunkShape["choices"][number]["delta"]>("ChatCompletionDelta")
  .implement({
    fields: (t) => ({
      role: t.field({
        type: ChatRole,
        nullable: true,
        resolve: (delta) => (delta.role ? ("ASSISTANT" as const) : null),
      }),
      content: t.exposeString("content", { nullable: true }),
      toolCalls: t.expose("toolCalls", { type: [ToolCall], nullable: true }),
    }),
  });

const ChunkChoice = builder
  .objectRef<ChunkShape["choices"][number]>("ChatCompletionChunkChoice")
  .implement({
    fields: (t) => ({
      index: t.exposeInt("index"),
      delta: t.expose("delta", { type: ChunkDelta }),
      finishReason: t.field({
        type: FinishReason,
        nullable: true,
        resolve: (choice) => choice.finishReason as typeof FinishReason.$inferType | null,
      }),
    }),
  });

/** A chunk as the subscription yields it: the provider's chunk and where the stream is served. */
type ServedChunk = ChunkShape & {
  servedBy: { provider: string; deployment: string; attempts: number; cached: boolean };
};

const ChatCompletionChunk = builder.objectRef<ServedChunk>("ChatCompletionChunk").implement({
  description: "A stream chunk. Only the last one has finishReason, usage and costUsd.",
  fields: (t) => ({
    provider: t.string({ resolve: (chunk) => chunk.servedBy.provider }),
    deployment: t.string({ resolve: (chunk) => chunk.servedBy.deployment }),
    attempts: t.int({
      description:
        "Upstream attempts it took to start the stream (retries and fallbacks before the first chunk).",
      resolve: (chunk) => chunk.servedBy.attempts,
    }),
    cached: t.boolean({
      description: "The stream replays an answer from the response cache.",
      resolve: (chunk) => chunk.servedBy.cached,
    }),
    id: t.exposeString("id"),
    model: t.exposeString("model"),
    created: t.exposeInt("created"),
    choices: t.expose("choices", { type: [ChunkChoice] }),
    usage: t.expose("usage", { type: Usage, nullable: true }),
    costUsd: t.field({ type: "Usd", nullable: true, resolve: (chunk) => chunk.costUsd }),
  }),
});

builder.mutationField("createChatCompletion", (t) =>
  t.field({
    type: CreateChatCompletionResult,
    args: { input: t.arg({ type: ChatCompletionInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      try {
        return await context.services.completions.chat(
          toChatRequestBody(input),
          completionContextOf(context, "graphql"),
        );
      } catch (error) {
        return toErrorResult(error);
      }
    },
  }),
);

builder.subscriptionField("chatCompletionStream", (t) =>
  t.field({
    type: ChatCompletionChunk,
    args: { input: t.arg({ type: ChatCompletionInput, required: true }) },
    description:
      "Text deltas as the provider sends them; the last chunk carries finishReason, usage and costUsd.",
    subscribe: async function* (_root, { input }, context) {
      // Owning the controller means a client that completes or disconnects aborts the upstream call.
      const controller = new AbortController();
      try {
        const stream = await context.services.completions.chatStream(toChatRequestBody(input), {
          principal: context.principal,
          source: "graphql-subscription",
          signal: controller.signal,
          cacheControl: context.cacheControl,
          clientRequestId: context.clientRequestId,
        });
        const servedBy = {
          provider: stream.deployment.provider,
          deployment: stream.deployment.id,
          attempts: stream.attempts,
          cached: stream.cache === "hit",
        };
        let last: ServedChunk | undefined;
        for await (const chunk of stream) {
          const shaped = { ...toChunkShape(chunk), servedBy };
          last = shaped;
          const choices = shaped.choices.filter(
            (choice) => choice.delta.content || choice.delta.toolCalls || choice.delta.role,
          );
          if (choices.length > 0)
            yield {
              ...shaped,
              choices: choices.map((choice) => ({ ...choice, finishReason: null })),
            };
        }
        const summary = stream.summary;
        if (last && summary) {
          yield {
            ...last,
            choices: [
              {
                index: 0,
                delta: { role: null, content: null, toolCalls: null },
                finishReason: summary.finishReason?.toUpperCase() ?? null,
              },
            ],
            usage: toUsageShape(summary.usage),
            costUsd: summary.charge.costNanoUsd,
          };
        }
      } catch (error) {
        throw toGraphQLError(error);
      } finally {
        controller.abort();
      }
    },
    resolve: (chunk: ServedChunk) => chunk,
  }),
);
