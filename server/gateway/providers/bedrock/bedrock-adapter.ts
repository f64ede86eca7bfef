import type { Dispatcher } from "undici";
import { readAwsEventStream } from "../../aws-event-stream.ts";
import { type AwsProviderSettings, createAwsProviderSigner } from "../../aws-sigv4.ts";
import { jsonResponseToolName } from "../../structured-output.ts";
import { estimatePromptTokens, estimateTokens } from "../../tokens.ts";
import { invalidResponseError } from "../../upstream-errors.ts";
import {
  type AnswerSchema,
  asUpstreamFailure,
  contentTypeOf,
  postUpstream,
  quotedExcerpt,
  readUpstreamJson,
  rejectUnlessSuccessful as rejectStatus,
  releaseBody,
  type UpstreamJsonReading,
  type UpstreamResponse,
} from "../../upstream-http.ts";
import type {
  CallOptions,
  ChatChunk,
  ChatRequest,
  ChatResponse,
  EmbeddingRequest,
  EmbeddingResponse,
  ProviderAdapter,
  ToolCall,
  Usage,
} from "../../spec.ts";
import {
  bedrockConverseResponseSchema,
  convertBedrockUsage,
  type BedrockConverseResponse,
} from "./bedrock-api.ts";
import { embedWithBedrock, type InvokeModel } from "./bedrock-embeddings.ts";
import { bedrockHttpError } from "./bedrock-error.ts";
import { translateBedrockStream, type BedrockStreamProgress } from "./bedrock-stream.ts";
import { convertToBedrockRequest } from "./convert-to-bedrock-request.ts";
import { mapBedrockFinishReason } from "./map-bedrock-finish-reason.ts";
import { newCompletionId, newToolCallId } from "../../identifiers.ts";

export interface BedrockAdapterOptions extends AwsProviderSettings {
  /** Default `https://bedrock-runtime.{region}.amazonaws.com`; a VPC endpoint, a proxy or a test upstream otherwise. */
  apiBase?: string;
  /** The shared keep-alive pool (createUpstreamDispatcher); undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
  /** The provider name in errors and logs. */
  provider?: string;
}

type Operation = "converse" | "converse-stream" | "invoke";

/**
 * AWS Bedrock Runtime at the wire level: chat through the Converse API (`POST
 * /model/{modelId}/converse`, and `/converse-stream` answering AWS's binary event stream),
 * embeddings through InvokeModel (Titan and Cohere bodies). Every request is signed with SigV4
 * (service "bedrock") over the exact bytes sent. When `options.signal` aborts, the upstream
 * request is closed and the signal's reason is rethrown unchanged.
 * Throws at creation when the region or the credentials are missing, so startup names the problem.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export function createBedrockAdapter({
  apiBase,
  dispatcher,
  provider = "bedrock",
  ...aws
}: BedrockAdapterOptions): ProviderAdapter {
  const { region, signRequest, secrets } = createAwsProviderSigner(provider, "bedrock", aws);
  const base = (apiBase ?? `https://bedrock-runtime.${region}.amazonaws.com`).replace(/\/+$/, "");

  /** Signs and POSTs `body` (the model id is one path segment: `:` and `/` in it are escaped). */
  async function post(
    modelId: string,
    operation: Operation,
    body: unknown,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const url = new URL(`${base}/model/${encodeURIComponent(modelId)}/${operation}`);
    const text = JSON.stringify(body);
    const accept =
      operation === "converse-stream" ? "application/vnd.amazon.eventstream" : "application/json";
    const headers = await signRequest({
      url,
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: text,
    });
    return postUpstream({ provider, url, headers, body: text, signal, dispatcher });
  }

  function failure(error: unknown, signal: AbortSignal): unknown {
    return asUpstreamFailure(error, signal, provider);
  }

  function rejectUnlessSuccessful(response: UpstreamResponse): Promise<void> {
    return rejectStatus(response, ({ status, headers, bodyText }) =>
      bedrockHttpError({ provider, status, headers, bodyText, secrets }),
    );
  }

  const reading: UpstreamJsonReading = { provider, format: "Bedrock's" };
  const parseAnswer = <Answer>(text: string, schema: AnswerSchema, what: string) =>
    readUpstreamJson<Answer>(text, schema, what, reading);

  async function chat(request: ChatRequest, { signal }: CallOptions): Promise<ChatResponse> {
    const { body, usesJsonResponseTool } = convertToBedrockRequest(request);
    const response = await post(request.model, "converse", body, signal);
    try {
      await rejectUnlessSuccessful(response);
      const answer = parseAnswer<BedrockConverseResponse>(
        await response.body.text(),
        bedrockConverseResponseSchema,
        "the response",
      );
      return toChatResponse(answer, request, usesJsonResponseTool);
    } catch (error) {
      throw failure(error, signal);
    } finally {
      response.body.destroy();
    }
  }

  async function* chatStream(
    request: ChatRequest,
    { signal }: CallOptions,
  ): AsyncGenerator<ChatChunk> {
    const { body, usesJsonResponseTool } = convertToBedrockRequest(request);
    const response = await post(request.model, "converse-stream", body, signal);
    const progress: BedrockStreamProgress = { complete: false };
    try {
      await rejectUnlessSuccessful(response);
      const contentType = contentTypeOf(response);
      if (contentType && !contentType.includes("application/vnd.amazon.eventstream")) {
        throw invalidResponseError(
          provider,
          `the stream is not an AWS event stream (content-type ${contentType}): ${quotedExcerpt(await response.body.text())}`,
        );
      }
      // The body outlives the decoder on purpose: a complete stream is drained, not destroyed (see finally).
      const events = readAwsEventStream(response.body.iterator({ destroyOnReturn: false }), {
        provider,
      });
      const identity = {
        id: newCompletionId(),
        created: Math.floor(Date.now() / 1000),
        model: request.model,
      };
      yield* translateBedrockStream(
        events,
        { provider, ...identity, messages: request.messages, usesJsonResponseTool, secrets },
        progress,
      );
    } catch (error) {
      throw failure(error, signal);
    } finally {
      // Reached at the stream's end, on errors and when the consumer stops early.
      releaseBody(response.body, { drain: progress.complete });
    }
  }

  async function embed(
    request: EmbeddingRequest,
    { signal }: CallOptions,
  ): Promise<EmbeddingResponse> {
    const invoke: InvokeModel = async (body, schema, what) => {
      const response = await post(request.model, "invoke", body, signal);
      try {
        await rejectUnlessSuccessful(response);
        return {
          answer: parseAnswer(await response.body.text(), schema, what),
          headers: response.headers,
        };
      } catch (error) {
        throw failure(error, signal);
      } finally {
        response.body.destroy();
      }
    };
    return embedWithBedrock(request, { provider, invoke });
  }

  return { provider, chat, chatStream, embed };
}

/**
 * Converse's answer in OpenAI's shape: text blocks joined as the content, toolUse blocks as
 * tool_calls (their input re-serialised as the arguments string), reasoning as
 * `reasoning_content`. A call of the forced `json` tool is the content itself, finish_reason
 * "stop". Bedrock sends no id or timestamp: both are made here.
 */
function toChatResponse(
  answer: BedrockConverseResponse,
  request: ChatRequest,
  usesJsonResponseTool: boolean,
): ChatResponse {
  const texts: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  let jsonAnswer: string | undefined;
  for (const block of answer.output.message.content) {
    if (typeof block.text === "string") texts.push(block.text);
    if (block.reasoningContent?.reasoningText)
      reasoning.push(block.reasoningContent.reasoningText.text);
    if (!block.toolUse) continue;
    const argumentsText = JSON.stringify(block.toolUse.input ?? {});
    if (usesJsonResponseTool && block.toolUse.name === jsonResponseToolName)
      jsonAnswer = argumentsText;
    else
      toolCalls.push({
        id: block.toolUse.toolUseId || newToolCallId(),
        type: "function",
        function: { name: block.toolUse.name, arguments: argumentsText },
      });
  }
  // Text before the JSON tool's call (a forced tool leaves none) stays in front of it, as in a stream.
  const content =
    jsonAnswer !== undefined
      ? texts.join("") + jsonAnswer
      : texts.length > 0
        ? texts.join("")
        : null;
  const finishReason =
    jsonAnswer !== undefined && toolCalls.length === 0
      ? "stop"
      : mapBedrockFinishReason(answer.stopReason);
  return {
    id: newCompletionId(),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          ...(reasoning.length > 0 ? { reasoning_content: reasoning.join("") } : {}),
        },
        finish_reason: finishReason,
      },
    ],
    usage: answer.usage
      ? convertBedrockUsage(answer.usage)
      : estimatedUsage(
          request,
          [content ?? "", ...reasoning, ...toolCalls.map((call) => call.function.arguments)].join(
            "",
          ),
        ),
  };
}

/** Bedrock documents usage as always present; should it be missing, spend is estimated rather than zero. */
function estimatedUsage(request: ChatRequest, generatedText: string): Usage {
  const promptTokens = estimatePromptTokens(request.messages);
  const completionTokens = estimateTokens(generatedText);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
