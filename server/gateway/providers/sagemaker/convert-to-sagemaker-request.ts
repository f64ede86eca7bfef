import { GatewayError } from "../../errors.ts";
import type { ChatRequest } from "../../spec.ts";
import { convertToOpenAIRequest } from "../openai/convert-to-openai-request.ts";

/** The JSON body sent to `POST /endpoints/{endpoint}/invocations` (or `/invocations-response-stream`). */
export type SageMakerRequestBody = Record<string, unknown>;

/**
 * SageMaker passes the request body to the container untouched, and the chat-capable
 * containers (Hugging Face TGI's Messages API, LMI/vLLM's OpenAI server) speak OpenAI's Chat
 * Completions format, so the body is OpenAI's, built exactly as for OpenAI
 * (convertToOpenAIRequest):
 * - messages (system/developer, multi-part user content with image_url parts as given — data:
 *   and http(s) URLs, for vision models), assistant tool_calls, tool results, tools,
 *   tool_choice, response_format, temperature, top_p, max_tokens / max_completion_tokens,
 *   stop, seed, logprobs, logit_bias, penalties, user and any unknown field pass through: the
 *   container applies what it supports and ignores or rejects the rest (a rejection comes
 *   back as its 4xx, which the caller gets);
 * - `model` is the endpoint name and is kept: TGI and LMI ignore it, some containers require one;
 * - `metadata` is the gateway's own and is never sent;
 * - a stream sends `stream: true` and `stream_options.include_usage: true` (merged into the
 *   caller's stream_options) so the container reports usage; a non-stream sends neither.
 * Rejected before anything is sent (answering would change the answer's shape):
 * - `n` > 1: the adapter reads and normalises one choice;
 * - `audio`, or `modalities` other than ["text"]: the containers produce text only.
 * Reference: https://huggingface.co/docs/text-generation-inference/en/messages_api
 */
export function convertToSageMakerRequest(request: ChatRequest, { stream }: { stream: boolean }): SageMakerRequestBody {
  if (typeof request.n === "number" && request.n > 1) {
    throw new GatewayError("BAD_REQUEST", "sagemaker does not support n > 1 (one choice per request); send separate requests instead", { param: "n" });
  }
  if (request.audio !== undefined && request.audio !== null) {
    throw new GatewayError("BAD_REQUEST", "sagemaker does not support audio output: the chat containers answer in text only", { param: "audio" });
  }
  const modalities = request.modalities;
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== "text")) {
    throw new GatewayError("BAD_REQUEST", `sagemaker does not support the modalities ${JSON.stringify(modalities)}: the chat containers answer in text only`, { param: "modalities" });
  }
  return convertToOpenAIRequest(request, { stream });
}
