import { GatewayError } from "../../errors.ts";
import { readInlineFile } from "../../file-parts.ts";
import type { ChatMessage, ContentPart } from "../../spec.ts";

/** One part of a Gemini `Content` as sent: text, inlineData, fileData, functionCall or functionResponse. */
export type GeminiRequestPart = Record<string, unknown>;

export interface GeminiContent {
  role: "user" | "model";
  parts: GeminiRequestPart[];
}

/**
 * The signature Google documents for replaying a function call whose real `thoughtSignature`
 * the client does not have. Gemini 3 rejects replayed calls without one (400 "Function call is
 * missing a thought_signature"); OpenAI-shaped histories never carry it.
 * Reference: https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export const skipThoughtSignature = "skip_thought_signature_validator";

/** File extensions of URLs sent as `fileData`, and the MIME type Gemini must be told. */
const mimeTypeByExtension: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  gif: "image/gif",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
  mp3: "audio/mp3",
  wav: "audio/wav",
  mp4: "video/mp4",
  txt: "text/plain",
};

/**
 * The conversation as Gemini's `contents` and `systemInstruction`:
 * - system and developer messages (wherever they are) → `systemInstruction.parts`, in order;
 * - user → role "user": text → `{text}`; image_url `data:<mime>;base64,…` → `inlineData`;
 *   `gs://` and `http(s)://` image URLs → `fileData {mimeType, fileUri}`, the MIME type guessed
 *   from the file extension (image/jpeg when there is none we know); `detail` is dropped;
 *   input_audio → `inlineData` (audio/<format>); file parts with `file_data` (a data: URL, or
 *   bare base64 typed by the filename) → `inlineData {mimeType, data}` (a gs:// or http(s)
 *   file_data → `fileData`); file ids (OpenAI uploads), other URL schemes and other part types
 *   are rejected;
 * - assistant → role "model": text → `{text}`, each tool call → `functionCall {name, args}`
 *   (arguments must be a JSON object); on Gemini 3+ models the first call of each turn carries
 *   Google's "skip_thought_signature_validator" signature (see skipThoughtSignature);
 *   `reasoning_content` and `name` are not sent; an assistant message with nothing in it is left out;
 * - tool → role "user" `functionResponse {name, response}`: the name is looked up from the
 *   earlier assistant tool call with that id (Gemini matches results by name, not id); the
 *   content, when it is a JSON object, is the response; anything else (plain text, a JSON
 *   array, string or number) is wrapped as `{content: …}`. Consecutive tool messages share one
 *   content, as Gemini expects all results of a turn together.
 * Reference: https://ai.google.dev/api/caching#Content
 */
export function convertToGeminiContents(
  messages: ChatMessage[],
  { model }: { model: string },
): { contents: GeminiContent[]; systemInstruction?: { parts: GeminiRequestPart[] } } {
  const systemParts: GeminiRequestPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  const signCalls = isGemini3OrLater(model);
  let toolResults: GeminiContent | undefined;

  messages.forEach((message, index) => {
    const where = `messages[${index}]`;
    if (message.role !== "tool") toolResults = undefined;
    switch (message.role) {
      case "system":
      case "developer":
        for (const text of textsOf(message.content, where, message.role))
          systemParts.push({ text });
        return;
      case "user":
        contents.push({ role: "user", parts: userParts(message.content, where) });
        return;
      case "assistant": {
        const parts: GeminiRequestPart[] = textsOf(message.content, where, "assistant", [
          "text",
          "refusal",
        ])
          .filter((text) => text.length > 0)
          .map((text) => ({ text }));
        for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
          toolNames.set(call.id, call.function.name);
          const functionCall = {
            name: call.function.name,
            args: argumentsOf(
              call.function.arguments,
              `${where}.tool_calls[${callIndex}].function.arguments`,
            ),
          };
          parts.push(
            signCalls && callIndex === 0
              ? { functionCall, thoughtSignature: skipThoughtSignature }
              : { functionCall },
          );
        }
        if (parts.length > 0) contents.push({ role: "model", parts });
        return;
      }
      case "tool": {
        const name = (message.tool_call_id && toolNames.get(message.tool_call_id)) || message.name;
        if (!name) {
          throw new GatewayError(
            "BAD_REQUEST",
            `${where}: Gemini needs the function name of a tool result, and tool_call_id ${JSON.stringify(message.tool_call_id)} matches no earlier assistant tool call`,
            { param: `${where}.tool_call_id` },
          );
        }
        const part = {
          functionResponse: {
            name,
            response: responseOf(textsOf(message.content, where, "tool").join("")),
          },
        };
        if (toolResults) toolResults.parts.push(part);
        else contents.push((toolResults = { role: "user", parts: [part] }));
        return;
      }
      default:
        throw new GatewayError(
          "BAD_REQUEST",
          `${where}: Gemini does not support the role ${JSON.stringify(message.role)}`,
          { param: `${where}.role` },
        );
    }
  });

  if (contents.length === 0)
    throw new GatewayError(
      "BAD_REQUEST",
      "Gemini needs at least one user, assistant or tool message besides system messages",
      { param: "messages" },
    );
  return {
    contents,
    ...(systemParts.length > 0 ? { systemInstruction: { parts: systemParts } } : {}),
  };
}

/** Gemini 3 and later require thought signatures on replayed function calls. */
export function isGemini3OrLater(model: string): boolean {
  const major = /(?:^|\/)gemini-(\d+)/.exec(model)?.[1];
  return major !== undefined && Number(major) >= 3;
}

/** The texts of a message that may only hold text (string content or parts of the given types). */
function textsOf(
  content: ChatMessage["content"],
  where: string,
  role: string,
  allowed = ["text"],
): string[] {
  if (content === undefined || content === null) return [];
  if (typeof content === "string") return [content];
  return content.map((part, partIndex) => {
    if (!allowed.includes(part.type)) {
      throw new GatewayError(
        "BAD_REQUEST",
        `${where}: Gemini does not support ${part.type} parts in ${role} messages`,
        { param: `${where}.content[${partIndex}]` },
      );
    }
    const { text, refusal } = part as { text?: unknown; refusal?: unknown };
    return String((part.type === "refusal" ? refusal : text) ?? "");
  });
}

function userParts(content: ChatMessage["content"], where: string): GeminiRequestPart[] {
  if (content === undefined || content === null) return [{ text: "" }];
  if (typeof content === "string") return [{ text: content }];
  return content.map((part, partIndex) => userPart(part, `${where}.content[${partIndex}]`));
}

function userPart(part: ContentPart, param: string): GeminiRequestPart {
  switch (part.type) {
    case "text":
      return { text: String(part.text ?? "") };
    case "image_url":
      return urlPart(String((part.image_url as { url?: unknown } | undefined)?.url ?? ""), param);
    case "input_audio": {
      const audio = part.input_audio as { data?: unknown; format?: unknown } | undefined;
      return {
        inlineData: {
          mimeType: `audio/${String(audio?.format ?? "wav")}`,
          data: String(audio?.data ?? ""),
        },
      };
    }
    case "file": {
      const fileData = (part.file as { file_data?: unknown } | undefined)?.file_data;
      // A gs:// or http(s) file_data is a file Google fetches itself, as for image URLs.
      if (typeof fileData === "string" && /^(gs|https?):\/\//i.test(fileData))
        return urlPart(fileData, param);
      const file = readInlineFile(part, "Gemini", param);
      return { inlineData: { mimeType: file.mediaType, data: file.data } };
    }
    default:
      throw new GatewayError(
        "BAD_REQUEST",
        `${param}: Gemini does not support ${part.type} content parts`,
        { param },
      );
  }
}

/** A data: URL becomes inline bytes; gs:// and http(s) URLs are fetched by Google (fileData). */
function urlPart(url: string, param: string): GeminiRequestPart {
  const dataUrl = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s.exec(url);
  if (dataUrl) return { inlineData: { mimeType: dataUrl[1], data: dataUrl[2] } };
  if (/^(gs|https?):\/\//i.test(url))
    return { fileData: { mimeType: mimeTypeOf(url), fileUri: url } };
  throw new GatewayError(
    "BAD_REQUEST",
    `${param}: Gemini takes base64 data: URLs, gs:// and http(s) URLs (got ${JSON.stringify(url.slice(0, 40))})`,
    { param },
  );
}

function mimeTypeOf(url: string): string {
  const path = url.replace(/[?#].*$/s, "");
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (extension && mimeTypeByExtension[extension]) || "image/jpeg";
}

/** Tool-call arguments as the object Gemini's `args` is; "" means no arguments. */
function argumentsOf(text: string, param: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new GatewayError("BAD_REQUEST", `${param} must be JSON to send to Gemini`, { param });
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new GatewayError("BAD_REQUEST", `${param} must be a JSON object to send to Gemini`, {
      param,
    });
  return parsed as Record<string, unknown>;
}

/** Gemini's `functionResponse.response` must be an object: JSON objects go as they are, anything else as `{content}`. */
function responseOf(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
    return { content: parsed };
  } catch {
    return { content: text };
  }
}
