import { createHash } from "node:crypto";
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from "../../spec.ts";
import type { AnthropicBlock, AnthropicMessagesRequest } from "./anthropic-messages-request.ts";

/*
 * A Messages API request as the gateway's ChatRequest, for deployments that do not speak
 * Anthropic's format (Claude deployments get the caller's own body through the relay). What has
 * no Chat Completions equivalent is dropped here and listed in docs/DECISIONS.md.
 * Reference: https://docs.anthropic.com/en/api/messages
 */

/**
 * Thinking as OpenAI's `reasoning_effort`, sent only when thinking is on: the caller's
 * `output_config.effort` when it gave one (low, medium, high; max and above are high), else the
 * budget — Anthropic's minimum (1024) up to 2048 "low", up to 8k "medium", more "high" — and
 * "medium" for adaptive thinking without either.
 */
export function reasoningEffortFor(
  thinking: AnthropicMessagesRequest["thinking"],
  effort?: string,
): "low" | "medium" | "high" | undefined {
  if (!thinking || thinking.type === "disabled") return undefined;
  if (effort === "low" || effort === "medium" || effort === "high") return effort;
  if (effort === "max" || effort === "xhigh") return "high";
  const budget = thinking.budget_tokens;
  if (budget === undefined) return "medium";
  if (budget <= 2048) return "low";
  return budget <= 8192 ? "medium" : "high";
}

/**
 * The request in OpenAI's shape: `system` → a system message; user turns' tool_result blocks →
 * `tool` messages (first, as OpenAI wants them right after the assistant's calls), the rest →
 * text and image parts; assistant turns' text → content, tool_use → tool_calls; `tools` →
 * function tools; `tool_choice` auto/any/tool/none → auto/required/{function}/none;
 * `disable_parallel_tool_use` → `parallel_tool_calls: false`; `stop_sequences` → `stop` (at most
 * 4, OpenAI's limit); `metadata.user_id` → `user`; `thinking` (and `output_config.effort`) →
 * `reasoning_effort`; `top_k` kept; a `system` message inside `messages` stays a system message
 * where it is.
 */
export function convertAnthropicRequest(request: AnthropicMessagesRequest): ChatRequest {
  const messages: ChatMessage[] = [];
  const system = systemText(request.system);
  if (system) messages.push({ role: "system", content: system });
  for (const message of request.messages) {
    if (message.role === "user") messages.push(...userMessages(message.content));
    else if (message.role === "assistant") messages.push(assistantMessage(message.content));
    else messages.push({ role: "system", content: systemText(message.content) });
  }
  const tools = (request.tools ?? []).flatMap(functionTool);
  const choice = request.tool_choice;
  const effort = reasoningEffortFor(request.thinking, request.output_config?.effort);
  const stop = request.stop_sequences?.slice(0, 4);
  return {
    model: request.model,
    messages,
    max_tokens: request.max_tokens,
    ...(request.temperature !== undefined && { temperature: request.temperature }),
    ...(request.top_p !== undefined && { top_p: request.top_p }),
    ...(request.top_k !== undefined && { top_k: request.top_k }),
    ...(stop && stop.length > 0 && { stop }),
    ...(tools.length > 0 && { tools }),
    ...(tools.length > 0 && choice && { tool_choice: toolChoiceOf(choice) }),
    ...(tools.length > 0 &&
      choice?.disable_parallel_tool_use === true && { parallel_tool_calls: false }),
    ...(effort && { reasoning_effort: effort }),
    ...(request.metadata?.user_id && { user: userOf(request.metadata.user_id) }),
    ...(request.stream && { stream: true }),
  };
}

/**
 * `system` as one string: text blocks joined by blank lines (their cache_control has no OpenAI
 * form), without Claude Code's attribution block (`x-anthropic-billing-header: …`), which
 * Anthropic's API strips before the model sees the prompt.
 */
export function systemText(
  system: string | Array<{ type: string; text?: unknown }> | undefined,
): string {
  if (system === undefined) return "";
  if (typeof system === "string") return system;
  return system
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text as string)
    .filter((text) => !text.startsWith(attributionPrefix))
    .join("\n\n");
}

const attributionPrefix = "x-anthropic-billing-header:";

/**
 * `metadata.user_id` as OpenAI's `user`, kept to 256 characters (OpenAI refuses over-long
 * identifiers): a longer id goes as its SHA-256, still one value per user. Claude Code's (a JSON
 * object of device, account and session, about 150 characters) passes as it is.
 */
function userOf(userId: string): string {
  return userId.length <= 256 ? userId : createHash("sha256").update(userId).digest("hex");
}

function blocksOf(content: string | AnthropicBlock[]): AnthropicBlock[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function userMessages(content: string | AnthropicBlock[]): ChatMessage[] {
  if (typeof content === "string") return [{ role: "user", content }];
  const toolMessages: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const block of content) {
    if (block.type === "tool_result") {
      const result = toolResultText(block.content as string | AnthropicBlock[] | undefined);
      toolMessages.push({
        role: "tool",
        tool_call_id: String(block.tool_use_id ?? ""),
        // An error result says so: OpenAI's tool message has no is_error flag.
        content: block.is_error === true ? `Error: ${result}` : result,
      });
    } else {
      const part = contentPartOf(block);
      if (part) parts.push(part);
    }
  }
  if (parts.length === 0) return toolMessages;
  const onlyText = parts.every((part) => part.type === "text");
  const user: ChatMessage = {
    role: "user",
    content: onlyText ? parts.map((part) => (part as { text: string }).text).join("\n") : parts,
  };
  return [...toolMessages, user];
}

/** A user block as an OpenAI content part: text, image (base64 → data URL, url), PDF (base64 → file). */
function contentPartOf(block: AnthropicBlock): ContentPart | undefined {
  if (block.type === "text" && typeof block.text === "string")
    return { type: "text", text: block.text };
  const source = block.source as
    { type?: string; media_type?: string; data?: string; url?: string } | undefined;
  if (block.type === "image" && source) {
    const url =
      source.type === "base64" ? `data:${source.media_type};base64,${source.data}` : source.url;
    return url ? { type: "image_url", image_url: { url } } : undefined;
  }
  if (block.type === "document" && source?.type === "text" && typeof source.data === "string")
    return { type: "text", text: source.data };
  if (block.type === "document" && source?.type === "base64")
    return {
      type: "file",
      file: {
        file_data: `data:${source.media_type};base64,${source.data}`,
        // The title is what the model cites a document by; file parts carry it as the filename.
        ...(typeof block.title === "string" && { filename: block.title }),
      },
    };
  return undefined;
}

function toolResultText(content: string | AnthropicBlock[] | undefined): string {
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text as string)
    .join("\n");
}

function assistantMessage(content: string | AnthropicBlock[]): ChatMessage {
  const text: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of blocksOf(content)) {
    if (block.type === "text" && typeof block.text === "string") text.push(block.text);
    else if (block.type === "tool_use")
      toolCalls.push({
        id: String(block.id ?? ""),
        type: "function",
        function: { name: String(block.name ?? ""), arguments: JSON.stringify(block.input ?? {}) },
      });
    // thinking and redacted_thinking are Claude's own, signed for Claude: other models get none.
  }
  return {
    role: "assistant",
    content: text.length > 0 ? text.join("") : null,
    ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
  };
}

/** A client tool as a function tool; Anthropic's server tools (no input_schema) have no equivalent. */
function functionTool(tool: { name: string; [field: string]: unknown }): unknown[] {
  if (!tool.input_schema) return [];
  return [
    {
      type: "function",
      function: {
        name: tool.name,
        ...(typeof tool.description === "string" && { description: tool.description }),
        parameters: tool.input_schema,
      },
    },
  ];
}

function toolChoiceOf(choice: { type: string; name?: string }): unknown {
  if (choice.type === "any") return "required";
  if (choice.type === "none") return "none";
  if (choice.type === "tool" && choice.name)
    return { type: "function", function: { name: choice.name } };
  return "auto";
}
