import { z } from "zod";

/*
 * Minimal, loose schemas of what comes back through SageMaker Runtime: the container's
 * OpenAI-style Messages API answers (Hugging Face TGI, LMI/vLLM), SageMaker's own error bodies
 * and the exception frames of its response stream. Loose enough for the containers' known
 * variations (TGI's empty `id`, tool-call ids repeated on every delta, `arguments` as an object
 * in older TGI), strict enough to tell an answer from garbage. Unlisted fields pass through.
 * References: https://huggingface.co/docs/text-generation-inference/en/messages_api
 *             https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
 *             https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_ResponseStream.html
 */

const usageSchema = z.looseObject({
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  total_tokens: z.number().nullish(),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
});

/** Older TGI releases sent a tool call's `arguments` as a JSON object instead of a string. */
const argumentsSchema = z.union([z.string(), z.record(z.string(), z.unknown())]);

const toolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject({ name: z.string(), arguments: argumentsSchema.nullish() }),
});

const toolCallDeltaSchema = z.looseObject({
  index: z.number().nullish(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z
    .looseObject({ name: z.string().nullish(), arguments: argumentsSchema.nullish() })
    .nullish(),
});

/** TGI leaves `id` empty; the adapter fills id, model and created in when absent. */
const identityFields = {
  id: z.string().nullish(),
  model: z.string().nullish(),
  created: z.number().nullish(),
};

/** `POST /endpoints/{name}/invocations`: the container's chat.completion. */
export const sageMakerChatResponseSchema = z.looseObject({
  ...identityFields,
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      message: z.looseObject({
        role: z.string().nullish(),
        content: z.string().nullish(),
        tool_calls: z.array(toolCallSchema).nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: usageSchema.nullish(),
});

/** One `data:` event of the container's SSE stream (carried inside PayloadPart events). */
export const sageMakerChatChunkSchema = z.looseObject({
  ...identityFields,
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      delta: z
        .looseObject({
          role: z.string().nullish(),
          content: z.string().nullish(),
          // Early TGI Messages API releases sent one object here instead of a list.
          tool_calls: z.union([z.array(toolCallDeltaSchema), toolCallDeltaSchema]).nullish(),
        })
        .nullish(),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: usageSchema.nullish(),
});

export type SageMakerChatResponse = z.infer<typeof sageMakerChatResponseSchema>;
export type SageMakerChatChunk = z.infer<typeof sageMakerChatChunkSchema>;
export type SageMakerToolCallDelta = z.infer<typeof toolCallDeltaSchema>;

/**
 * SageMaker Runtime's error body (REST-JSON): `Message` for its modelled errors, `message` for
 * AWS's common ones (ThrottlingException, UnrecognizedClientException…), and for ModelError the
 * container's own status and body. The error type is in the `x-amzn-errortype` header.
 * Reference: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html#API_runtime_InvokeEndpoint_Errors
 */
export const sageMakerErrorBodySchema = z.looseObject({
  message: z.string().nullish(),
  Message: z.string().nullish(),
  __type: z.string().nullish(),
  ErrorCode: z.string().nullish(),
  OriginalStatusCode: z.number().nullish(),
  OriginalMessage: z.string().nullish(),
  LogStreamArn: z.string().nullish(),
});

export type SageMakerErrorBody = z.infer<typeof sageMakerErrorBodySchema>;

/**
 * The payload of a response-stream exception frame: ModelStreamError (with ErrorCode
 * ModelInvocationTimeExceeded or StreamBroken) or InternalStreamFailure.
 */
export const sageMakerStreamExceptionSchema = z.looseObject({
  Message: z.string().nullish(),
  message: z.string().nullish(),
  ErrorCode: z.string().nullish(),
});

/**
 * How containers word an error, in their body (inside ModelError's OriginalMessage) or as an
 * SSE event in the middle of a stream: OpenAI's `{error: {message, type, code}}` (vLLM, LMI),
 * TGI's error answers `{error: "...", error_type: "validation"}` and its mid-stream
 * `{error: {message, http_status_code}}`, older vLLM's `{object: "error", message, type, code}`.
 */
export const containerErrorSchema = z.union([
  z.looseObject({
    error: z.looseObject({
      message: z.string().nullish(),
      type: z.string().nullish(),
      code: z.union([z.string(), z.number()]).nullish(),
      http_status_code: z.number().nullish(),
    }),
  }),
  z.looseObject({ error: z.string(), error_type: z.string().nullish() }),
  z.looseObject({
    object: z.literal("error"),
    message: z.string(),
    type: z.string().nullish(),
    code: z.union([z.string(), z.number()]).nullish(),
  }),
]);

export type ContainerError = z.infer<typeof containerErrorSchema>;
