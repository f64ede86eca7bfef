import { GatewayError } from "../../errors.ts";
import { readInlineFile } from "../../file-parts.ts";
import type { ChatMessage, ChatRequest, ContentPart } from "../../spec.ts";
import { jsonResponseToolFor, jsonResponseToolName } from "../../structured-output.ts";
import {
  bedrockDocumentFormat,
  type BedrockDocumentFormat,
  createDocumentNamer,
} from "./bedrock-documents.ts";

/** One block of a Converse message: text, an inline image or document, a tool call or a tool result. */
export type BedrockContentBlock =
  | { text: string }
  | { image: { format: BedrockImageFormat; source: { bytes: string } } }
  | { document: { format: BedrockDocumentFormat; name: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: unknown } }
  | { toolResult: { toolUseId: string; content: Array<{ text: string }> } };

export interface BedrockMessage {
  role: "user" | "assistant";
  content: BedrockContentBlock[];
}

export interface BedrockToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: unknown } };
}

export type BedrockToolChoice =
  { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };

/** The JSON body of `POST /model/{modelId}/converse` and `/converse-stream` (the model id is in the URL). */
export interface BedrockConverseBody {
  messages: BedrockMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: {
    maxTokens?: number;
    temperature?: number;
    topP?: number;
    stopSequences?: string[];
  };
  toolConfig?: { tools: BedrockToolSpec[]; toolChoice?: BedrockToolChoice };
  additionalModelRequestFields?: unknown;
  guardrailConfig?: unknown;
  performanceConfig?: unknown;
}

export interface BedrockConversion {
  body: BedrockConverseBody;
  /** The answer comes back as a call of the forced `json` tool (response_format): the adapter returns its input as the content. */
  usesJsonResponseTool: boolean;
}

type BedrockImageFormat = "png" | "jpeg" | "gif" | "webp";
const imageFormatByMediaType: Record<string, BedrockImageFormat> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/** Converse fields a caller may send as they are (Bedrock's own extensions, not OpenAI's). */
const passthroughFields = [
  "additionalModelRequestFields",
  "guardrailConfig",
  "performanceConfig",
] as const;

/**
 * OpenAI's request → Bedrock Converse's body. Rules:
 * - `system` and `developer` messages (wherever they are) → `system: [{text}]`, in order.
 * - `user` text → `{text}`; `image_url` with a base64 `data:` URL of png/jpeg/gif/webp →
 *   `{image: {format, source: {bytes}}}` (`detail` is dropped). http(s) image URLs are rejected:
 *   Converse only takes the image's bytes. `file` parts with file_data → `{document: {format,
 *   name, source: {bytes}}}` (pdf, csv, doc, docx, xls, xlsx, html, txt, md; the name made from
 *   the filename by Bedrock's rules, bedrock-documents.ts), or an image block for an image file;
 *   a file_id (an OpenAI upload) is rejected. Other part types (audio) are rejected.
 * - `assistant` text → `{text}`; `tool_calls` → `{toolUse: {toolUseId, name, input}}` with the
 *   arguments parsed as JSON. An assistant message with neither is left out (Bedrock rejects
 *   empty content). The last assistant message's trailing whitespace is trimmed (Bedrock rejects
 *   it in a prefill).
 * - `tool` messages → `{toolResult: {toolUseId, content: [{text}]}}` in a user message.
 * - Consecutive messages of the same role are merged into one (Converse requires alternation).
 * - `name` on messages is dropped (Converse has no per-message name).
 * - `tools` (functions) → `toolConfig.tools[].toolSpec` (`strict` is dropped); `tool_choice`
 *   auto → `{auto:{}}`, required → `{any:{}}`, `{function:{name}}` → `{tool:{name}}`, none → no
 *   tools sent — unless the conversation holds tool calls or results, which Converse only accepts
 *   with a toolConfig: then the tools are declared without a choice (the model could still call one).
 * - `response_format` json_schema / json_object → one more tool, `json`, with the schema, forced
 *   with `{tool:{name:"json"}}` (or `{any:{}}` when the caller's tools stay callable with
 *   tool_choice auto or unset); the adapter turns its call into the content with finish_reason
 *   "stop" (the Vercel AI SDK's technique). With tool_choice required or a named function the
 *   answer is a tool call anyway: the caller's choice stands and no JSON tool is added.
 * - `max_completion_tokens` (else `max_tokens`) → `inferenceConfig.maxTokens` (unset: the model's
 *   maximum, Bedrock's default); `temperature`, `top_p` → `temperature`, `topP`; `stop` → `stopSequences`.
 * - `additionalModelRequestFields`, `guardrailConfig`, `performanceConfig` (Bedrock's own fields) pass through.
 * - Dropped (Converse has no such knob, and the answer keeps its shape): seed, user, logit_bias,
 *   presence_penalty, frequency_penalty, parallel_tool_calls, reasoning_effort, service_tier,
 *   store, prediction, stream_options, `metadata` (the gateway's own), and any other unknown field.
 * - Rejected with BAD_REQUEST: n > 1, logprobs, top_logprobs, audio output (`audio`,
 *   `modalities` with audio), web_search_options, legacy `functions` / `function_call`.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export function convertToBedrockRequest(request: ChatRequest): BedrockConversion {
  rejectUnsupported(request);
  const system: Array<{ text: string }> = [];
  const messages: BedrockMessage[] = [];
  // Document names must be unique across the whole request, earlier turns included.
  const nameDocument = createDocumentNamer();
  request.messages.forEach((message, index) => {
    if (message.role === "system" || message.role === "developer") {
      for (const text of textsOf(message, index)) if (text) system.push({ text });
      return;
    }
    const converted = convertMessage(message, index, nameDocument);
    if (converted.content.length === 0) return;
    const previous = messages.at(-1);
    if (previous?.role === converted.role) previous.content.push(...converted.content);
    else messages.push(converted);
  });
  trimFinalAssistantText(messages);

  const body: BedrockConverseBody = { messages };
  if (system.length > 0) body.system = system;
  const inferenceConfig = inferenceConfigOf(request);
  if (Object.keys(inferenceConfig).length > 0) body.inferenceConfig = inferenceConfig;
  const { toolConfig, usesJsonResponseTool } = toolConfigOf(request, messages);
  if (toolConfig) body.toolConfig = toolConfig;
  for (const field of passthroughFields)
    if (request[field] !== undefined) body[field] = request[field];
  return { body, usesJsonResponseTool };
}

function rejectUnsupported(request: ChatRequest): void {
  const reject = (param: string, why: string) => {
    throw new GatewayError("BAD_REQUEST", `bedrock does not support ${why}`, { param });
  };
  if (typeof request.n === "number" && request.n > 1) reject("n", "n > 1 (one choice per request)");
  if (request.logprobs === true) reject("logprobs", "logprobs");
  if (request.top_logprobs != null) reject("top_logprobs", "top_logprobs");
  const modalities = Array.isArray(request.modalities) ? request.modalities : [];
  if (request.audio != null || modalities.includes("audio"))
    reject(request.audio != null ? "audio" : "modalities", "audio output");
  if (request.web_search_options != null) reject("web_search_options", "web_search_options");
  if (request.functions != null || request.function_call != null)
    reject(
      request.functions != null ? "functions" : "function_call",
      "the legacy functions / function_call fields; use tools and tool_choice",
    );
}

function convertMessage(
  message: ChatMessage,
  index: number,
  nameDocument: (filename: string | undefined) => string,
): BedrockMessage {
  switch (message.role) {
    case "user":
      return { role: "user", content: userContentOf(message, index, nameDocument) };
    case "assistant": {
      const content: BedrockContentBlock[] = textsOf(message, index)
        .filter((text) => text.length > 0)
        .map((text) => ({ text }));
      for (const call of message.tool_calls ?? [])
        content.push({
          toolUse: {
            toolUseId: call.id,
            name: call.function.name,
            input: parseArguments(call.function.arguments, index),
          },
        });
      return { role: "assistant", content };
    }
    case "tool": {
      if (!message.tool_call_id) throw badMessage(index, "a tool message needs tool_call_id");
      return {
        role: "user",
        content: [
          {
            toolResult: {
              toolUseId: message.tool_call_id,
              content: [{ text: textsOf(message, index).join("") }],
            },
          },
        ],
      };
    }
    default:
      throw badMessage(index, `role ${JSON.stringify(message.role)} is not supported`);
  }
}

function userContentOf(
  message: ChatMessage,
  index: number,
  nameDocument: (filename: string | undefined) => string,
): BedrockContentBlock[] {
  if (typeof message.content === "string")
    return message.content ? [{ text: message.content }] : [];
  // Bedrock rejects blank text blocks.
  return (message.content ?? []).flatMap((part, partIndex): BedrockContentBlock[] => {
    if (part.type === "text" && typeof part.text === "string")
      return part.text ? [{ text: part.text }] : [];
    if (part.type === "image_url") return [imageBlockOf(part, index)];
    if (part.type === "file")
      return [fileBlockOf(part, `messages[${index}].content[${partIndex}]`, nameDocument)];
    throw badMessage(
      index,
      `content part type ${JSON.stringify(part.type)} is not supported by bedrock`,
    );
  });
}

/** Only base64 `data:` URLs: Converse takes an image's bytes (or an S3 location), never a web URL. */
function imageBlockOf(part: ContentPart, index: number): BedrockContentBlock {
  const url = String((part as { image_url?: { url?: unknown } }).image_url?.url ?? "");
  const match = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s.exec(url);
  if (!match) {
    const what = /^https?:/i.test(url)
      ? "image URLs (http/https); send the image inline as a base64 data: URL"
      : "this image_url; send a base64 data: URL";
    throw new GatewayError("BAD_REQUEST", `bedrock does not support ${what}`, {
      param: `messages[${index}].content`,
    });
  }
  const format = imageFormatByMediaType[match[1].toLowerCase()];
  if (!format)
    throw new GatewayError(
      "BAD_REQUEST",
      `bedrock does not support ${match[1]} images (png, jpeg, gif, webp only)`,
      { param: `messages[${index}].content` },
    );
  return { image: { format, source: { bytes: match[2] } } };
}

/** A file part's bytes as a document block, or an image block when the file is an image. */
function fileBlockOf(
  part: ContentPart,
  param: string,
  nameDocument: (filename: string | undefined) => string,
): BedrockContentBlock {
  const file = readInlineFile(part, "bedrock", param);
  const imageFormat = imageFormatByMediaType[file.mediaType];
  if (imageFormat) return { image: { format: imageFormat, source: { bytes: file.data } } };
  const format = bedrockDocumentFormat(file.mediaType);
  if (!format)
    throw new GatewayError(
      "BAD_REQUEST",
      `${param}: bedrock does not support files of type ${file.mediaType} (pdf, csv, doc, docx, xls, xlsx, html, txt, md and images only)`,
      { param },
    );
  return { document: { format, name: nameDocument(file.filename), source: { bytes: file.data } } };
}

/** A message's text: its string content, or its text (and refusal) parts; anything else is rejected. */
function textsOf(message: ChatMessage, index: number): string[] {
  if (typeof message.content === "string") return [message.content];
  return (message.content ?? []).map((part) => {
    if (part.type === "text" && typeof part.text === "string") return part.text;
    if (part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
    throw badMessage(
      index,
      `content part type ${JSON.stringify(part.type)} is not supported in a ${message.role} message`,
    );
  });
}

function parseArguments(text: string, index: number): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw badMessage(
      index,
      "tool_calls[].function.arguments must be JSON (Bedrock takes the arguments as a JSON document)",
    );
  }
}

function trimFinalAssistantText(messages: BedrockMessage[]): void {
  const last = messages.at(-1);
  const block = last?.role === "assistant" ? last.content.at(-1) : undefined;
  if (block && "text" in block) block.text = block.text.trimEnd();
}

function inferenceConfigOf(
  request: ChatRequest,
): NonNullable<BedrockConverseBody["inferenceConfig"]> {
  const config: NonNullable<BedrockConverseBody["inferenceConfig"]> = {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  if (maxTokens != null) config.maxTokens = maxTokens;
  if (request.temperature != null) config.temperature = request.temperature;
  if (request.top_p != null) config.topP = request.top_p;
  const stop = typeof request.stop === "string" ? [request.stop] : (request.stop ?? []);
  if (stop.length > 0) config.stopSequences = stop;
  return config;
}

function toolConfigOf(
  request: ChatRequest,
  messages: BedrockMessage[],
): { toolConfig?: BedrockConverseBody["toolConfig"]; usesJsonResponseTool: boolean } {
  const callerTools = (request.tools ?? []).map(toolSpecOf);
  const callerToolsOff = request.tool_choice === "none";
  const callerChoice = callerToolsOff ? undefined : toolChoiceOf(request.tool_choice);
  // A caller that requires a tool call (required, or a named function) gets one either way: no JSON tool then.
  const callerForcesTool =
    callerTools.length > 0 &&
    callerChoice !== undefined &&
    ("any" in callerChoice || "tool" in callerChoice);
  const requestedJsonTool = jsonResponseToolFor(request.response_format);
  const jsonTool = callerForcesTool ? undefined : requestedJsonTool;
  if (jsonTool && callerTools.some((tool) => tool.toolSpec.name === jsonResponseToolName)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `bedrock answers response_format through a tool named "${jsonResponseToolName}"; rename your tool of that name`,
      { param: "tools" },
    );
  }
  // Converse refuses tool calls and results in the conversation without a toolConfig, so "none" still declares the tools then.
  const historyHasTools = messages.some((message) =>
    message.content.some((block) => "toolUse" in block || "toolResult" in block),
  );
  const declaredTools = callerToolsOff && !historyHasTools ? [] : callerTools;
  const callerToolsCallable = callerTools.length > 0 && !callerToolsOff;

  if (!jsonTool) {
    if (declaredTools.length === 0) return { usesJsonResponseTool: false };
    return {
      toolConfig:
        callerToolsCallable && callerChoice
          ? { tools: declaredTools, toolChoice: callerChoice }
          : { tools: declaredTools },
      usesJsonResponseTool: false,
    };
  }
  const tools = [
    ...declaredTools,
    {
      toolSpec: {
        name: jsonTool.name,
        description: jsonTool.description,
        inputSchema: { json: jsonTool.parameters },
      },
    },
  ];
  // The answer must be a tool call: the json tool, or — when the caller's tools stay callable — any tool.
  const toolChoice: BedrockToolChoice = callerToolsCallable
    ? { any: {} }
    : { tool: { name: jsonTool.name } };
  return { toolConfig: { tools, toolChoice }, usesJsonResponseTool: true };
}

function toolSpecOf(tool: unknown, index: number): BedrockToolSpec {
  const { type, function: definition } = (tool ?? {}) as {
    type?: unknown;
    function?: { name?: unknown; description?: unknown; parameters?: unknown };
  };
  if (type !== "function" || typeof definition?.name !== "string") {
    throw new GatewayError(
      "BAD_REQUEST",
      `bedrock supports only function tools with a name (tools[${index}])`,
      { param: "tools" },
    );
  }
  const description =
    typeof definition.description === "string" && definition.description.trim()
      ? definition.description
      : undefined;
  const json = definition.parameters ?? { type: "object", properties: {} };
  return {
    toolSpec: {
      name: definition.name,
      ...(description ? { description } : {}),
      inputSchema: { json },
    },
  };
}

function toolChoiceOf(choice: unknown): BedrockToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto") return { auto: {} };
  if (choice === "required") return { any: {} };
  const name = (choice as { type?: unknown; function?: { name?: unknown } }).function?.name;
  if (
    typeof choice === "object" &&
    (choice as { type?: unknown }).type === "function" &&
    typeof name === "string"
  )
    return { tool: { name } };
  throw new GatewayError(
    "BAD_REQUEST",
    `tool_choice must be none, auto, required or {"type":"function","function":{"name":…}} (got ${JSON.stringify(choice)})`,
    { param: "tool_choice" },
  );
}

function badMessage(index: number, why: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `messages[${index}]: ${why}`, {
    param: `messages[${index}]`,
  });
}
