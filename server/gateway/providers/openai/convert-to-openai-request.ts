import type { ChatRequest } from "../../spec.ts";

/** The JSON body sent to `POST {apiBase}/chat/completions`. */
export type OpenAIRequestBody = Record<string, unknown>;

/**
 * The gateway's request is already OpenAI's wire shape, so the body is the caller's request
 * passed through faithfully — multi-part content, tools, tool_choice, response_format, sampling
 * fields, and any field the gateway does not know — with two exceptions:
 * - `metadata` is the gateway's own (kept in its logs) and is not sent upstream;
 * - streaming is decided by the call, not the body: a stream asks for
 *   `stream_options.include_usage` (merged into the caller's stream_options) so the last chunk
 *   carries the usage the gateway bills by; a non-stream drops `stream` and `stream_options`.
 * `model` is already the upstream model id (the router resolved it).
 * Reference: https://platform.openai.com/docs/api-reference/chat/create
 */
export function convertToOpenAIRequest(
  request: ChatRequest,
  { stream }: { stream: boolean },
): OpenAIRequestBody {
  const { metadata: _metadata, stream: _stream, stream_options: streamOptions, ...body } = request;
  if (!stream) return body;
  return { ...body, stream: true, stream_options: { ...streamOptions, include_usage: true } };
}
