import { GatewayError } from "../../errors.ts";
import { rejectFileParts } from "../../file-parts.ts";
import type { ChatMessage, ChatRequest } from "../../spec.ts";
import { convertToOpenAIRequest } from "../openai/convert-to-openai-request.ts";

/** The JSON body sent to `POST /endpoints/{endpoint}/invocations` (or `/invocations-response-stream`). */
export type SageMakerRequestBody = Record<string, unknown>;

/**
 * SageMaker passes the body to the container untouched, and the chat-capable containers (Hugging
 * Face TGI's Messages API, LMI/vLLM's OpenAI server) take OpenAI's Chat Completions body, so it is
 * built as for OpenAI (convertToOpenAIRequest) and then made acceptable to TGI, whose request
 * types are stricter than OpenAI's (router/src/lib.rs ChatRequest) — every change below is one
 * vLLM accepts too:
 * - `developer` messages become `system` (the models' chat templates know system, not developer);
 * - an assistant message with tool_calls and `content: ""` is sent with `content: null` (TGI
 *   would read the empty text and drop the calls);
 * - `max_completion_tokens` is sent as `max_tokens` (older TGI and LMI read only that name; when
 *   both are given, max_completion_tokens wins, as OpenAI defines);
 * - a string `stop` becomes a one-element list (TGI takes only a list);
 * - `response_format`: `text` is dropped (the default; TGI has no such type); `json_object` and
 *   `json_schema` keep OpenAI's fields and also carry TGI's `value` (`{type: "object"}`, or
 *   `{name, schema}`) — TGI reads `value`, vLLM reads `json_schema` and ignores the other;
 * - `logit_bias` is dropped: TGI ignores it and its list type rejects OpenAI's token map, failing
 *   the whole request.
 * Passed through as given: messages (multi-part user content with text and image_url parts —
 * data: and http(s) URLs, for vision models — assistant tool_calls, tool results), tools,
 * tool_choice, parallel_tool_calls, temperature, top_p, seed, stop, logprobs, top_logprobs,
 * presence/frequency_penalty, user and unknown fields; the container applies what it supports,
 * ignores the rest or rejects the request (its 4xx reaches the caller). `model` is the endpoint
 * name and is kept: TGI and LMI ignore it (TGI echoes it as the answer's model), some containers
 * require one. `metadata` is the gateway's own and never sent. A stream sends `stream: true` and
 * `stream_options.include_usage: true` (merged into the caller's) so the container reports usage.
 * Rejected before anything is sent (answering would change the answer's shape):
 * - `n` > 1: the adapter reads and normalises one choice (TGI ignores n);
 * - `audio`, or `modalities` other than ["text"]: the containers answer in text only;
 * - `file` parts (PDFs): TGI's Messages API has no such part, and a model's chat template
 *   would drop it silently.
 * Reference: https://huggingface.co/docs/text-generation-inference/en/messages_api
 */
export function convertToSageMakerRequest(
  request: ChatRequest,
  { stream }: { stream: boolean },
): SageMakerRequestBody {
  rejectUnsupported(request);
  const {
    logit_bias: _logitBias,
    max_completion_tokens: maxCompletionTokens,
    response_format: responseFormat,
    ...body
  } = convertToOpenAIRequest(request, { stream });
  const converted: SageMakerRequestBody = {
    ...body,
    messages: request.messages.map(asContainerMessage),
  };
  if (maxCompletionTokens !== undefined && maxCompletionTokens !== null)
    converted.max_tokens = maxCompletionTokens;
  if (typeof converted.stop === "string") converted.stop = [converted.stop];
  const format = containerResponseFormat(responseFormat);
  if (format !== undefined) converted.response_format = format;
  return converted;
}

function rejectUnsupported(request: ChatRequest): void {
  if (typeof request.n === "number" && request.n > 1) {
    throw new GatewayError(
      "BAD_REQUEST",
      "sagemaker does not support n > 1 (one choice per request); send separate requests instead",
      { param: "n" },
    );
  }
  if (request.audio !== undefined && request.audio !== null) {
    throw new GatewayError(
      "BAD_REQUEST",
      "sagemaker does not support audio output: the chat containers answer in text only",
      { param: "audio" },
    );
  }
  const modalities = request.modalities;
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== "text")) {
    throw new GatewayError(
      "BAD_REQUEST",
      `sagemaker does not support the modalities ${JSON.stringify(modalities)}: the chat containers answer in text only`,
      { param: "modalities" },
    );
  }
  rejectFileParts(request.messages, "sagemaker");
}

function asContainerMessage(message: ChatMessage): ChatMessage {
  if (message.role === "developer") return { ...message, role: "system" };
  // TGI reads a message as text when `content` is a string, dropping its tool_calls; null makes it read the calls.
  if (message.role === "assistant" && message.content === "" && message.tool_calls?.length)
    return { ...message, content: null };
  return message;
}

/** OpenAI's response_format with TGI's `value` added (see above); undefined drops it. */
function containerResponseFormat(responseFormat: unknown): unknown {
  if (responseFormat === undefined || responseFormat === null) return undefined;
  const format = responseFormat as {
    type?: unknown;
    value?: unknown;
    json_schema?: { name?: unknown; schema?: unknown };
  };
  if (format.type === "text") return undefined;
  // A caller that already speaks TGI's format (value given, or type json/regex) is passed through.
  if (format.value !== undefined) return format;
  if (format.type === "json_object") return { ...format, value: { type: "object" } };
  if (format.type === "json_schema") {
    const schema = format.json_schema?.schema;
    if (!schema || typeof schema !== "object") {
      throw new GatewayError(
        "BAD_REQUEST",
        "response_format.json_schema.schema must be a JSON schema object",
        { param: "response_format" },
      );
    }
    return {
      ...format,
      value: {
        ...(typeof format.json_schema?.name === "string" ? { name: format.json_schema.name } : {}),
        schema,
      },
    };
  }
  return format;
}
