import { GatewayError } from "../../errors.ts";
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from "../../spec.ts";
import type { CallerTools } from "./response-object.ts";
import type { ResponsesItem, ResponsesRequest } from "./responses-api.ts";

/*
 * A Responses API request (its input already expanded with the stored conversation of
 * `previous_response_id`) as the gateway's one request shape, OpenAI's Chat Completions, for
 * the deployments that do not speak Responses. What has no chat equivalent is listed in
 * docs/DECISIONS.md ("Responses API: lossy fields").
 * Reference: https://platform.openai.com/docs/guides/migrate-to-responses
 */

/**
 * The chat request for `request` with `items` as its whole conversation. `stream` is the
 * caller's; the gateway always asks a chat upstream for usage.
 */
export function convertResponsesToChat(
  request: ResponsesRequest,
  items: readonly ResponsesItem[],
): ChatRequest {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: "system", content: request.instructions });
  messages.push(...convertItemsToMessages(items));
  const chat: ChatRequest = { model: request.model, messages };
  if (request.stream) chat.stream = true;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.max_output_tokens != null) chat.max_completion_tokens = request.max_output_tokens;
  if (request.metadata) chat.metadata = request.metadata;
  if (request.user) chat.user = request.user;
  if (request.reasoning?.effort) chat.reasoning_effort = request.reasoning.effort;
  const tools = convertTools(request.tools);
  if (tools.length > 0) {
    chat.tools = tools;
    if (request.parallel_tool_calls != null) chat.parallel_tool_calls = request.parallel_tool_calls;
    const toolChoice = convertToolChoice(request.tool_choice);
    if (toolChoice !== undefined) chat.tool_choice = toolChoice;
  }
  const responseFormat = convertTextFormat(request.text?.format);
  if (responseFormat) chat.response_format = responseFormat;
  for (const field of ["prompt_cache_key", "safety_identifier", "service_tier"] as const)
    if (typeof request[field] === "string") chat[field] = request[field];
  return chat;
}

/**
 * Input items as chat messages: consecutive assistant text and function calls become one
 * assistant message (chat's shape), each `function_call_output` a tool message. Reasoning
 * items have no chat equivalent and are left out.
 */
export function convertItemsToMessages(items: readonly ResponsesItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  /** The assistant message still open to further text or tool calls. */
  let assistant: ChatMessage | undefined;
  const openAssistant = (): ChatMessage => {
    if (!assistant) {
      assistant = { role: "assistant", content: null };
      messages.push(assistant);
    }
    return assistant;
  };
  items.forEach((item, index) => {
    const type = item.type ?? "message";
    if (type === "message") {
      const role = String(item.role ?? "");
      if (role === "assistant") {
        const text = textOf(item.content, index);
        const message = openAssistant();
        // Text after a tool call starts a new turn in chat's shape.
        if (message.tool_calls) {
          assistant = undefined;
          openAssistant().content = text;
        } else message.content = message.content ? `${message.content}${text}` : text;
        return;
      }
      assistant = undefined;
      if (!["user", "system", "developer"].includes(role))
        throw badItem(
          index,
          `a message's role must be user, assistant, system or developer (got '${role}')`,
        );
      messages.push({
        role: role as ChatMessage["role"],
        content: convertContent(item.content, index),
      });
      return;
    }
    if (type === "function_call" || type === "custom_tool_call") {
      const call = item as {
        call_id?: unknown;
        name?: unknown;
        arguments?: unknown;
        input?: unknown;
      };
      if (typeof call.call_id !== "string" || typeof call.name !== "string")
        throw badItem(index, `a ${type} needs call_id and name`);
      const toolCall: ToolCall = {
        id: call.call_id,
        type: "function",
        function: {
          name: call.name,
          arguments:
            type === "custom_tool_call"
              ? JSON.stringify({ input: String(call.input ?? "") })
              : String(call.arguments ?? ""),
        },
      };
      const message = openAssistant();
      message.tool_calls = [...(message.tool_calls ?? []), toolCall];
      return;
    }
    if (type === "function_call_output" || type === "custom_tool_call_output") {
      const output = item as { call_id?: unknown; output?: unknown };
      if (typeof output.call_id !== "string") throw badItem(index, `a ${type} needs call_id`);
      assistant = undefined;
      messages.push({
        role: "tool",
        tool_call_id: output.call_id,
        content: typeof output.output === "string" ? output.output : textOf(output.output, index),
      });
      return;
    }
    // The model's reasoning of an earlier turn: chat requests have no place for it.
    if (type === "reasoning") return;
    throw badItem(
      index,
      `items of type '${type}' cannot be sent to this model (it does not speak the Responses API); supported: message, function_call, function_call_output, reasoning`,
    );
  });
  return messages;
}

function badItem(index: number, message: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `Invalid 'input[${index}]': ${message}.`, {
    param: `input[${index}]`,
  });
}

/** An assistant's or a tool output's content as plain text (output_text / input_text parts joined). */
function textOf(content: unknown, index: number): string {
  if (content == null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badItem(index, "content must be a string or a list of parts");
  return content
    .map((part: { type?: string; text?: unknown; refusal?: unknown }) =>
      typeof part.text === "string"
        ? part.text
        : typeof part.refusal === "string"
          ? part.refusal
          : "",
    )
    .join("");
}

/** A user/system message's content parts in chat's shape. */
function convertContent(content: unknown, index: number): string | ContentPart[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) throw badItem(index, "content must be a string or a list of parts");
  return content.map((part: Record<string, unknown>): ContentPart => {
    switch (part.type) {
      case "input_text":
      case "output_text":
        return { type: "text", text: String(part.text ?? "") };
      case "input_image": {
        if (typeof part.image_url !== "string")
          throw badItem(index, "an input_image needs image_url (file_id is not supported)");
        const detail = part.detail as "auto" | "low" | "high" | undefined;
        return { type: "image_url", image_url: { url: part.image_url, ...(detail && { detail }) } };
      }
      case "input_file": {
        const file: Record<string, unknown> = {};
        for (const field of ["file_data", "file_id", "filename"])
          if (typeof part[field] === "string") file[field] = part[field];
        return { type: "file", file };
      }
      default:
        throw badItem(index, `content parts of type '${String(part.type)}' are not supported`);
    }
  });
}

/**
 * Function tools in chat's shape; custom (freeform) tools as functions of one string `input`;
 * a namespace's tools flattened (their calls name the namespace again). Hosted tools are left out.
 */
function convertTools(tools: ResponsesRequest["tools"]): unknown[] {
  return (tools ?? []).flatMap((tool): unknown[] => {
    if (tool.type === "namespace") return convertTools(namespacedTools(tool));
    const { name, description } = tool as { name?: string; description?: string };
    if (tool.type === "function")
      return [
        {
          type: "function",
          function: {
            name,
            ...(description !== undefined && { description }),
            parameters: tool.parameters ?? { type: "object", properties: {} },
            ...(typeof tool.strict === "boolean" && { strict: tool.strict }),
          },
        },
      ];
    if (tool.type === "custom")
      return [
        {
          type: "function",
          function: {
            name,
            ...(description !== undefined && { description }),
            parameters: {
              type: "object",
              properties: { input: { type: "string" } },
              required: ["input"],
            },
          },
        },
      ];
    return [];
  });
}

/** The caller's custom tools and namespaced functions, for answering their calls in kind. */
export function callerToolsOf(request: Pick<ResponsesRequest, "tools">): CallerTools {
  const custom = new Set<string>();
  const namespaces = new Map<string, string>();
  for (const tool of request.tools ?? []) {
    if (tool.type === "custom" && typeof tool.name === "string") custom.add(tool.name);
    if (tool.type === "namespace" && typeof tool.name === "string")
      for (const inner of namespacedTools(tool)) {
        if (typeof inner.name !== "string") continue;
        if (inner.type === "custom") custom.add(inner.name);
        else namespaces.set(inner.name, tool.name);
      }
  }
  return { custom, namespaces };
}

/** The tools a `namespace` tool groups (Codex's sub-agent tools), each one flattened to the top level. */
function namespacedTools(tool: {
  [field: string]: unknown;
}): Array<{ type: string; name?: string; [field: string]: unknown }> {
  return Array.isArray(tool.tools) ? (tool.tools as Array<{ type: string; name?: string }>) : [];
}

function convertToolChoice(choice: ResponsesRequest["tool_choice"]): unknown {
  if (choice === undefined || typeof choice === "string") return choice;
  if ((choice.type === "function" || choice.type === "custom") && typeof choice.name === "string")
    return { type: "function", function: { name: choice.name } };
  // allowed_tools, hosted tool types: no chat equivalent; the model chooses.
  return undefined;
}

function convertTextFormat(format: NonNullable<ResponsesRequest["text"]>["format"]): unknown {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { type: _type, ...jsonSchema } = format;
  return { type: "json_schema", json_schema: jsonSchema };
}
