import { GatewayError } from "../../errors.ts";
import { decodeBase64Text, readInlineFile } from "../../file-parts.ts";
import type { ChatMessage, ContentPart, ToolCall } from "../../spec.ts";

/** One content block of a Messages API request (text, image, tool_use, tool_result). */
export type AnthropicRequestBlock = Record<string, unknown>;

export interface AnthropicMessageParam {
  role: "user" | "assistant";
  content: string | AnthropicRequestBlock[];
}

export interface AnthropicPrompt {
  /** Top-level `system`: one string, or text blocks when there were several parts; absent when none. */
  system?: string | Array<{ type: "text"; text: string }>;
  messages: AnthropicMessageParam[];
}

/** The image types Anthropic accepts. Reference: https://docs.anthropic.com/en/docs/build-with-claude/vision */
const imageMediaTypes = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

/**
 * OpenAI's message list in Anthropic's terms
 * (https://docs.anthropic.com/en/api/messages#body-messages):
 * - system and developer messages, wherever they are, become the top-level `system` in order
 *   (their position between turns is lost: Anthropic has one system prompt);
 * - user text parts → text blocks; image_url parts → image blocks: a `data:` URL as a base64
 *   source (jpeg, png, gif, webp), an http(s) URL as a url source (`detail` has no equivalent);
 *   file parts (file_data) → document blocks: a PDF as a base64 source, text/plain as a text
 *   source, the filename as the title; an image file → an image block; a file_id (OpenAI's
 *   upload, which Anthropic cannot read) and other media types are rejected (documentBlockOf);
 *   any other part type is rejected;
 * - assistant text → text blocks, tool_calls → tool_use blocks whose `input` is the parsed
 *   arguments (arguments that are not a JSON object are rejected); an assistant message with
 *   neither is left out; `reasoning_content` from earlier turns is not sent (Anthropic needs the
 *   signed thinking blocks, which OpenAI's shape does not carry);
 * - tool messages → tool_result blocks (`tool_use_id` = tool_call_id) in a user message;
 * - consecutive messages of the same role are merged into one (Anthropic requires user and
 *   assistant turns to alternate), so consecutive tool results share one user message;
 * - `name` on a message has no equivalent and is dropped. Empty text parts are skipped.
 */
export function convertToAnthropicMessages(messages: ChatMessage[]): AnthropicPrompt {
  const systemParts: string[] = [];
  const converted: AnthropicMessageParam[] = [];

  const append = (role: "user" | "assistant", content: string | AnthropicRequestBlock[]) => {
    const previous = converted.at(-1);
    if (previous?.role !== role) {
      converted.push({ role, content });
      return;
    }
    previous.content = [...asBlocks(previous.content), ...asBlocks(content)];
  };

  messages.forEach((message, position) => {
    switch (message.role) {
      case "system":
      case "developer":
        systemParts.push(...systemTextOf(message, position));
        break;
      case "user":
        append(
          "user",
          typeof message.content === "string"
            ? message.content
            : userBlocksOf(message.content ?? [], position),
        );
        break;
      case "assistant": {
        const blocks = [
          ...assistantTextBlocksOf(message.content, position),
          ...(message.tool_calls ?? []).map((call) => toolUseBlockOf(call, position)),
        ];
        if (blocks.length === 0) break;
        const onlyText =
          blocks.length === 1 && !message.tool_calls?.length && typeof message.content === "string";
        append("assistant", onlyText ? (message.content as string) : blocks);
        break;
      }
      case "tool":
        append("user", [toolResultBlockOf(message, position)]);
        break;
      default:
        throw badMessage(
          position,
          `role ${JSON.stringify(message.role)} is not one of system, developer, user, assistant, tool`,
        );
    }
  });

  const system =
    systemParts.length === 0
      ? undefined
      : systemParts.length === 1
        ? systemParts[0]
        : systemParts.map((text) => ({ type: "text" as const, text }));
  return { ...(system === undefined ? {} : { system }), messages: converted };
}

function asBlocks(content: string | AnthropicRequestBlock[]): AnthropicRequestBlock[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

function systemTextOf(message: ChatMessage, position: number): string[] {
  if (typeof message.content === "string") return message.content ? [message.content] : [];
  return (message.content ?? []).flatMap((part) => {
    if (part.type !== "text")
      throw badMessage(
        position,
        `a ${message.role} message may only hold text parts (got ${JSON.stringify(part.type)})`,
      );
    return (part as { text: string }).text ? [(part as { text: string }).text] : [];
  });
}

function userBlocksOf(parts: ContentPart[], position: number): AnthropicRequestBlock[] {
  return parts.flatMap((part, index): AnthropicRequestBlock[] => {
    if (part.type === "text") {
      const text = String((part as { text?: unknown }).text ?? "");
      return text ? [{ type: "text", text }] : [];
    }
    if (part.type === "image_url")
      return [
        imageBlockOf(
          String((part as { image_url?: { url?: unknown } }).image_url?.url ?? ""),
          position,
        ),
      ];
    if (part.type === "file")
      return [documentBlockOf(part, `messages[${position}].content[${index}]`, position)];
    throw new GatewayError(
      "BAD_REQUEST",
      `anthropic does not support content parts of type ${JSON.stringify(part.type)} (messages[${position}]); send text, image_url or file parts`,
      { param: "messages" },
    );
  });
}

/** `data:` URLs as base64 sources, http(s) URLs as url sources (Anthropic fetches them). */
function imageBlockOf(url: string, position: number): AnthropicRequestBlock {
  if (/^https?:\/\//i.test(url)) return { type: "image", source: { type: "url", url } };
  const data = /^data:([^;,]+)((?:;[^;,]*)*);base64,(.*)$/is.exec(url);
  if (!data) {
    throw new GatewayError(
      "BAD_REQUEST",
      `anthropic takes images as base64 data: URLs or http(s) URLs (messages[${position}] has ${JSON.stringify(url.slice(0, 40))})`,
      { param: "messages" },
    );
  }
  const mediaType = data[1].toLowerCase();
  if (!imageMediaTypes.has(mediaType)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `anthropic does not support images of type ${mediaType} (messages[${position}]); send image/jpeg, image/png, image/gif or image/webp`,
      { param: "messages" },
    );
  }
  return { type: "image", source: { type: "base64", media_type: mediaType, data: data[3] } };
}

/**
 * An OpenAI file part as Anthropic's document block
 * (https://docs.anthropic.com/en/docs/build-with-claude/pdf-support): PDFs as base64, plain
 * text as a text source; images are image blocks, as they would be sent as image_url.
 */
function documentBlockOf(
  part: ContentPart,
  param: string,
  position: number,
): AnthropicRequestBlock {
  const file = readInlineFile(part, "anthropic", param);
  const title = file.filename ? { title: file.filename } : {};
  if (file.mediaType === "application/pdf")
    return {
      type: "document",
      source: { type: "base64", media_type: file.mediaType, data: file.data },
      ...title,
    };
  if (file.mediaType === "text/plain")
    return {
      type: "document",
      source: { type: "text", media_type: file.mediaType, data: decodeBase64Text(file.data) },
      ...title,
    };
  if (imageMediaTypes.has(file.mediaType))
    return imageBlockOf(`data:${file.mediaType};base64,${file.data}`, position);
  throw new GatewayError(
    "BAD_REQUEST",
    `${param}: anthropic does not support files of type ${file.mediaType}; send application/pdf, text/plain or an image (jpeg, png, gif, webp)`,
    { param },
  );
}

function assistantTextBlocksOf(
  content: ChatMessage["content"],
  position: number,
): AnthropicRequestBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return content.flatMap((part): AnthropicRequestBlock[] => {
    // OpenAI lets an assistant turn hold text and refusal parts; a refusal is what the assistant said.
    const text =
      part.type === "text"
        ? (part as { text?: unknown }).text
        : part.type === "refusal"
          ? (part as { refusal?: unknown }).refusal
          : undefined;
    if (text === undefined)
      throw badMessage(
        position,
        `an assistant message may only hold text and refusal parts (got ${JSON.stringify(part.type)})`,
      );
    return text ? [{ type: "text", text: String(text) }] : [];
  });
}

function toolUseBlockOf(call: ToolCall, position: number): AnthropicRequestBlock {
  let input: unknown;
  try {
    input = call.function.arguments ? JSON.parse(call.function.arguments) : {};
  } catch {
    throw badMessage(
      position,
      `the arguments of tool call ${JSON.stringify(call.id)} are not JSON; anthropic needs them as a JSON object`,
    );
  }
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw badMessage(
      position,
      `the arguments of tool call ${JSON.stringify(call.id)} are not a JSON object; anthropic needs them as one`,
    );
  }
  return { type: "tool_use", id: call.id, name: call.function.name, input };
}

function toolResultBlockOf(message: ChatMessage, position: number): AnthropicRequestBlock {
  if (!message.tool_call_id) throw badMessage(position, "a tool message needs tool_call_id");
  const content =
    typeof message.content === "string" || message.content == null
      ? (message.content ?? "")
      : userBlocksOf(message.content, position);
  return { type: "tool_result", tool_use_id: message.tool_call_id, content };
}

function badMessage(position: number, detail: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `messages[${position}]: ${detail}`, { param: "messages" });
}
