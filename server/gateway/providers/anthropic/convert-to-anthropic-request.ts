import { GatewayError } from "../../errors.ts";
import type { ChatRequest } from "../../spec.ts";
import { jsonResponseToolFor } from "../../structured-output.ts";
import { convertToAnthropicMessages } from "./convert-to-anthropic-messages.ts";

/** The JSON body sent to `POST {apiBase}/v1/messages`. */
export type AnthropicRequestBody = Record<string, unknown>;

export interface AnthropicRequest {
  body: AnthropicRequestBody;
  /** The name of the forced structured-output tool when `response_format` asked for JSON; its input is the answer. */
  jsonResponseToolName?: string;
}

/** Used when the caller gives no max_tokens: Anthropic requires one (https://docs.anthropic.com/en/api/messages#body-max-tokens). */
export const defaultAnthropicMaxTokens = 4096;

type AnthropicTool = { name: string; description?: string; input_schema: unknown };
type AnthropicToolChoice = {
  type: "auto" | "any" | "none" | "tool";
  name?: string;
  disable_parallel_tool_use?: boolean;
};

/**
 * OpenAI's Chat Completions request as a Messages API body. Every parameter's rule:
 * - `model` → `model` (already the upstream id); `messages` → `system` + `messages` (see
 *   convertToAnthropicMessages: system/developer hoisted, same-role turns merged, tool calls and
 *   results as tool_use / tool_result blocks, images as base64 or url sources);
 * - `max_completion_tokens` ?? `max_tokens` ?? `defaultMaxTokens` (4096) → `max_tokens` (required);
 * - `temperature`, `top_p` → the same fields, unchanged (Anthropic's temperature range is 0–1;
 *   it rejects larger values itself);
 * - `stop` (string or list) → `stop_sequences` (a list); `user` → `metadata.user_id`;
 * - `tools` (function tools) → `{ name, description, input_schema }` (`strict` is dropped);
 *   `tool_choice`: "auto" → {type:"auto"}, "required" → {type:"any"}, "none" → {type:"none"},
 *   {function:{name}} → {type:"tool", name}; without tools, tool_choice is not sent;
 *   `parallel_tool_calls: false` → `disable_parallel_tool_use: true` on the tool choice;
 * - `response_format` json_schema / json_object → a tool named "json" whose input schema is the
 *   response schema, forced with {type:"tool", name:"json"}; with caller tools and tool_choice
 *   auto (or unset) the choice becomes {type:"any"} (answer with a tool call or the JSON); with
 *   tool_choice required or a named function the caller's choice stands and no JSON tool is added;
 *   a caller tool named "json" is rejected. The tool's input comes back as the message content;
 * - `stream` and `stream_options` are decided by the call (a stream always reports usage);
 *   `metadata` is the gateway's own and never sent;
 * - Anthropic's own `top_k` and `thinking` pass through unchanged (thinking cannot be combined
 *   with response_format: Anthropic refuses forced tool use while thinking);
 * - dropped (no equivalent; they tune sampling, not the answer's shape): `seed`, `logit_bias`,
 *   `presence_penalty`, `frequency_penalty`, `reasoning_effort`, `service_tier`, `store`,
 *   `prediction`, `verbosity`, `prompt_cache_key`, `safety_identifier`, and any field not listed here;
 * - rejected (dropping would change the answer's shape or meaning): `n` > 1, `logprobs: true`,
 *   `top_logprobs`, `audio`, `modalities` other than ["text"], `web_search_options`, and the
 *   legacy `functions` / `function_call` (send tools / tool_choice).
 * Reference: https://docs.anthropic.com/en/api/messages
 */
export function convertToAnthropicRequest(
  request: ChatRequest,
  {
    stream,
    defaultMaxTokens = defaultAnthropicMaxTokens,
  }: { stream: boolean; defaultMaxTokens?: number },
): AnthropicRequest {
  rejectUnsupported(request);
  const { system, messages } = convertToAnthropicMessages(request.messages);
  const callerTools = toolsOf(request.tools);
  const callerChoice = callerTools.length > 0 ? toolChoiceOf(request.tool_choice) : undefined;
  const jsonTool = jsonResponseToolFor(request.response_format);

  let tools = callerTools;
  let toolChoice = callerChoice;
  let jsonResponseToolName: string | undefined;
  if (jsonTool && callerChoice?.type !== "any" && callerChoice?.type !== "tool") {
    if (callerTools.some((tool) => tool.name === jsonTool.name)) {
      throw new GatewayError(
        "BAD_REQUEST",
        `anthropic receives response_format as a tool named "${jsonTool.name}"; rename the caller tool of that name`,
        { param: "tools" },
      );
    }
    if (
      request.thinking !== undefined &&
      request.thinking !== null &&
      (request.thinking as { type?: unknown }).type !== "disabled"
    ) {
      throw new GatewayError(
        "BAD_REQUEST",
        "anthropic does not support response_format together with thinking (structured output forces a tool call, which thinking forbids)",
        { param: "response_format" },
      );
    }
    tools = [
      ...callerTools,
      { name: jsonTool.name, description: jsonTool.description, input_schema: jsonTool.parameters },
    ];
    const answerWithToolOrJson =
      callerTools.length > 0 && (callerChoice === undefined || callerChoice.type === "auto");
    toolChoice = answerWithToolOrJson ? { type: "any" } : { type: "tool", name: jsonTool.name };
    jsonResponseToolName = jsonTool.name;
  }
  if (request.parallel_tool_calls === false && tools.length > 0 && toolChoice?.type !== "none") {
    toolChoice = { ...(toolChoice ?? { type: "auto" }), disable_parallel_tool_use: true };
  }

  const body: AnthropicRequestBody = {
    model: request.model,
    ...(system === undefined ? {} : { system }),
    messages,
    max_tokens: request.max_completion_tokens ?? request.max_tokens ?? defaultMaxTokens,
    ...definedOnly({
      temperature: request.temperature,
      top_p: request.top_p,
      top_k: request.top_k,
      thinking: request.thinking,
    }),
    ...(request.stop == null
      ? {}
      : { stop_sequences: Array.isArray(request.stop) ? request.stop : [request.stop] }),
    ...(tools.length > 0 ? { tools } : {}),
    ...(tools.length > 0 && toolChoice ? { tool_choice: toolChoice } : {}),
    ...(request.user ? { metadata: { user_id: request.user } } : {}),
    ...(stream ? { stream: true } : {}),
  };
  return { body, ...(jsonResponseToolName ? { jsonResponseToolName } : {}) };
}

function rejectUnsupported(request: ChatRequest): void {
  const reject = (param: string, detail: string) => {
    throw new GatewayError("BAD_REQUEST", `anthropic does not support ${detail}`, { param });
  };
  if (typeof request.n === "number" && request.n > 1) reject("n", "n > 1 (one choice per request)");
  if (request.logprobs === true) reject("logprobs", "logprobs");
  if (request.top_logprobs != null) reject("top_logprobs", "top_logprobs (it has no logprobs)");
  if (request.audio != null) reject("audio", "audio output");
  const modalities = request.modalities;
  if (Array.isArray(modalities) && modalities.some((modality) => modality !== "text"))
    reject("modalities", `modalities other than text (got ${JSON.stringify(modalities)})`);
  if (request.web_search_options != null)
    reject("web_search_options", "web_search_options through the Chat Completions shape");
  if (request.functions != null || request.function_call != null)
    reject(
      request.functions != null ? "functions" : "function_call",
      "the legacy functions / function_call parameters; send tools and tool_choice",
    );
}

function toolsOf(tools: unknown[] | undefined): AnthropicTool[] {
  return (tools ?? []).map((tool, position) => {
    const { type, function: definition } = (tool ?? {}) as {
      type?: unknown;
      function?: { name?: unknown; description?: unknown; parameters?: unknown };
    };
    if (type !== "function" || typeof definition?.name !== "string") {
      throw new GatewayError(
        "BAD_REQUEST",
        `anthropic supports only function tools with a name (tools[${position}] is ${JSON.stringify(type)})`,
        { param: "tools" },
      );
    }
    return {
      name: definition.name,
      ...(typeof definition.description === "string"
        ? { description: definition.description }
        : {}),
      // Anthropic requires a schema; OpenAI allows leaving it out for a function without parameters.
      input_schema: definition.parameters ?? { type: "object", properties: {} },
    };
  });
}

function toolChoiceOf(choice: unknown): AnthropicToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { type: "auto" };
  if (choice === "required") return { type: "any" };
  if (choice === "none") return { type: "none" };
  const name = (choice as { type?: unknown; function?: { name?: unknown } }).function?.name;
  if ((choice as { type?: unknown }).type === "function" && typeof name === "string")
    return { type: "tool", name };
  throw new GatewayError(
    "BAD_REQUEST",
    `anthropic does not support tool_choice ${JSON.stringify(choice)}; use auto, required, none or {type:"function", function:{name}}`,
    { param: "tool_choice" },
  );
}

function definedOnly(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined && value !== null),
  );
}
