import { GatewayError } from "../../errors.ts";
import { rejectFileParts } from "../../file-parts.ts";
import type { ChatMessage, ChatRequest } from "../../spec.ts";
import { jsonResponseToolFor, jsonResponseToolName } from "../../structured-output.ts";

/** The request handed to openai's adapter (which then drops `metadata` and sets the stream fields). */
export interface DeepSeekRequest {
  request: ChatRequest;
  /** response_format json_schema became the forced "json" tool: its call must come back as the message content. */
  structuredOutput: boolean;
}

/** OpenAI fields DeepSeek does not have; dropping them leaves the answer's shape and meaning intact. */
const droppedFields = [
  "metadata",
  "seed",
  "logit_bias",
  "user",
  "parallel_tool_calls",
  "service_tier",
  "store",
  "prediction",
] as const;

/**
 * OpenAI request → DeepSeek's Chat Completions body (`POST {apiBase}/chat/completions`), which
 * is OpenAI's format with these rules:
 * - messages: system, user, assistant and tool pass through (multi-part user content included:
 *   DeepSeek's vision models take image_url parts, text-only models answer 400 themselves;
 *   `file` parts are rejected: DeepSeek's API reads no documents);
 *   `developer` becomes `system` (DeepSeek has no developer role).
 * - `reasoning_content` on assistant messages (DeepSeek's chain of thought, which callers keep
 *   when they append the answer): in a user turn — the messages after one user message, up to
 *   the next — where the model called tools, it is kept, because thinking mode requires it
 *   back for those turns (400 "The reasoning_content in the thinking mode must be passed back"); in
 *   a turn without tool calls it is removed: thinking mode ignores it there and the original
 *   deepseek-reasoner answered 400 when it was sent back at all.
 * - `max_completion_tokens` → `max_tokens` (DeepSeek knows only max_tokens; it wins over a
 *   max_tokens sent beside it, being OpenAI's current field). No default: DeepSeek has its own.
 * - response_format: text and json_object pass (json_object is DeepSeek's JSON Output; DeepSeek
 *   wants the word "json" in the prompt). json_schema has no native equivalent, so it becomes a
 *   function tool named "json" with the schema as parameters (the Vercel AI SDK's technique):
 *   forced by name, or — when the caller's own tools may be called (tool_choice not "none") —
 *   added to them with tool_choice "required" (a named tool_choice of the caller's is kept).
 *   The adapter returns the json call's arguments as the content with finish_reason "stop".
 * - tools: function definitions pass through, except that `strict: true` is removed unless
 *   apiBase is DeepSeek's beta endpoint (`…/beta`): strict function calling is a beta feature
 *   there, and clients (OpenAI SDK helpers among them) set it by default. Lossy: outside the beta
 *   endpoint the arguments are not guaranteed to match the schema.
 * - passed through: temperature, top_p, stop, tool_choice, logprobs, top_logprobs,
 *   frequency_penalty, presence_penalty, reasoning_effort, DeepSeek's own `thinking`, and any
 *   field the gateway does not know.
 * - dropped (DeepSeek has no such parameter; the answer keeps its shape): metadata (the
 *   gateway's own), seed, logit_bias, user, parallel_tool_calls, service_tier, store, prediction.
 * - rejected with BAD_REQUEST (dropping would change the answer's shape or meaning): n > 1,
 *   audio / modalities with "audio", web_search_options, and with json_schema a caller tool
 *   named "json".
 * Reference: https://api-docs.deepseek.com/api/create-chat-completion,
 *            https://api-docs.deepseek.com/guides/thinking_mode, https://api-docs.deepseek.com/guides/json_mode
 */
export function convertToDeepSeekRequest(
  request: ChatRequest,
  { strictTools = false }: { strictTools?: boolean } = {},
): DeepSeekRequest {
  rejectUnsupported(request);
  const body: ChatRequest = { ...request, messages: convertMessages(request.messages) };
  if (Array.isArray(request.tools) && !strictTools) body.tools = request.tools.map(withoutStrict);
  for (const field of droppedFields) delete body[field];
  if (body.max_completion_tokens !== undefined) {
    body.max_tokens = body.max_completion_tokens;
    delete body.max_completion_tokens;
  }
  const format = (request.response_format as { type?: unknown } | undefined)?.type;
  const jsonTool = jsonResponseToolFor(request.response_format);
  if (format !== "json_schema" || !jsonTool) return { request: body, structuredOutput: false };

  const callerTools = (body.tools ?? []) as Array<{ function?: { name?: unknown } }>;
  if (callerTools.some((tool) => tool.function?.name === jsonResponseToolName)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `deepseek does not support response_format json_schema together with a tool named "${jsonResponseToolName}" (the gateway sends the schema as that tool)`,
      { param: "tools" },
    );
  }
  const toolDefinition = {
    type: "function",
    function: {
      name: jsonTool.name,
      description: jsonTool.description,
      parameters: jsonTool.parameters,
    },
  };
  const forceJson = { type: "function", function: { name: jsonTool.name } };
  const callerMayCallTools = callerTools.length > 0 && request.tool_choice !== "none";
  delete body.response_format;
  body.tools = callerMayCallTools ? [...callerTools, toolDefinition] : [toolDefinition];
  body.tool_choice = callerMayCallTools
    ? isNamedToolChoice(request.tool_choice)
      ? request.tool_choice
      : "required"
    : forceJson;
  return { request: body, structuredOutput: true };
}

function rejectUnsupported(request: ChatRequest): void {
  if (typeof request.n === "number" && request.n > 1)
    throw new GatewayError(
      "BAD_REQUEST",
      "deepseek does not support n > 1 (one choice per request)",
      { param: "n" },
    );
  const modalities = Array.isArray(request.modalities) ? request.modalities : [];
  if (request.audio !== undefined || modalities.includes("audio"))
    throw new GatewayError(
      "BAD_REQUEST",
      "deepseek does not support audio output (audio, modalities)",
      { param: request.audio !== undefined ? "audio" : "modalities" },
    );
  if (request.web_search_options !== undefined)
    throw new GatewayError(
      "BAD_REQUEST",
      "deepseek does not support web_search_options on chat completions",
      { param: "web_search_options" },
    );
  rejectFileParts(request.messages, "deepseek");
}

/** developer → system, and reasoning_content kept only in user turns that called tools. */
function convertMessages(messages: ChatMessage[]): ChatMessage[] {
  const converted: ChatMessage[] = [];
  let turn: ChatMessage[] = [];
  const closeTurn = () => {
    const calledTools = turn.some(
      (message) =>
        message.role === "assistant" &&
        Array.isArray(message.tool_calls) &&
        message.tool_calls.length > 0,
    );
    converted.push(...(calledTools ? turn : turn.map(withoutReasoning)));
    turn = [];
  };
  for (const message of messages) {
    if (message.role === "user") closeTurn();
    turn.push(message.role === "developer" ? { ...message, role: "system" } : message);
  }
  closeTurn();
  return converted;
}

function withoutReasoning(message: ChatMessage): ChatMessage {
  if (!("reasoning_content" in message)) return message;
  const { reasoning_content: _reasoning, ...rest } = message;
  return rest as ChatMessage;
}

/** A function tool without `strict` (DeepSeek's strict mode lives on its beta endpoint only). */
function withoutStrict(tool: unknown): unknown {
  const definition = (tool as { function?: Record<string, unknown> }).function;
  if (!definition || !("strict" in definition)) return tool;
  const { strict: _strict, ...rest } = definition;
  return { ...(tool as object), function: rest };
}

function isNamedToolChoice(toolChoice: unknown): boolean {
  return (
    typeof toolChoice === "object" &&
    toolChoice !== null &&
    typeof (toolChoice as { function?: { name?: unknown } }).function?.name === "string"
  );
}
