import { GatewayError } from "../../errors.ts";
import type { ChatMessage, ChatRequest, ContentPart, EmbeddingRequest } from "../../spec.ts";

/** One message of `/api/chat`. */
export interface OllamaMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  images?: string[];
  thinking?: string;
  tool_calls?: Array<{
    id?: string;
    function: { name: string; arguments: Record<string, unknown> };
  }>;
  tool_name?: string;
  tool_call_id?: string;
}

/** The JSON body sent to `POST {apiBase}/api/chat`. */
export interface OllamaChatRequestBody {
  model: string;
  messages: OllamaMessage[];
  stream: boolean;
  tools?: Array<{
    type: "function";
    function: { name: string; description?: string; parameters?: unknown };
  }>;
  format?: "json" | Record<string, unknown>;
  options?: Record<string, unknown>;
  think?: boolean | string;
  keep_alive?: unknown;
  truncate?: boolean;
  shift?: boolean;
}

const provider = "ollama";

/**
 * An OpenAI Chat Completions request as Ollama's native `/api/chat` body. Rules, in order:
 * - messages: system and developer → role "system"; user text parts joined with "\n", image_url
 *   parts → `images` (base64 of a `data:…;base64,` URL, prefix stripped; `detail` dropped; an
 *   http(s) URL is BAD_REQUEST — Ollama takes bytes, and the gateway does not fetch URLs);
 *   assistant `tool_calls` → `tool_calls` with `arguments` parsed to an object (not JSON: BAD_REQUEST)
 *   and `reasoning_content` → `thinking`; tool messages keep `tool_call_id` and get `tool_name`
 *   from the assistant call with that id (no such call: BAD_REQUEST, as OpenAI answers);
 *   `name` on messages is dropped; other part types (audio, files) are BAD_REQUEST.
 * - tools: function tools → `{type, function: {name, description, parameters}}` (`strict` dropped).
 * - tool_choice (Ollama has none): "auto"/absent → tools sent; "none" → no tools sent;
 *   "required" → all tools sent and {function: {name}} → only that tool sent — lossy: the model
 *   is offered the tools but not forced, and may answer in text.
 * - response_format: json_schema → `format: <schema>`; json_object → `format: "json"`; text → nothing.
 * - options: temperature, top_p, seed, presence_penalty, frequency_penalty, stop (string → list),
 *   max_completion_tokens ?? max_tokens → `num_predict`, top_k; merged over the caller's own
 *   Ollama `options` (num_ctx, repeat_penalty, …), the OpenAI fields winning.
 * - reasoning_effort → `think` ("none" → false, "minimal"/"low" → "low", "medium", "high",
 *   "xhigh" → "max"); Ollama's own `think`, `keep_alive`, `truncate`, `shift` pass through.
 * - rejected (BAD_REQUEST, nothing sent): n > 1, logprobs / top_logprobs, audio or non-text
 *   modalities, web_search_options, functions / function_call (use tools).
 * - dropped: metadata (the gateway's own), user, logit_bias, parallel_tool_calls (Ollama may
 *   return several calls either way), stream_options (the final line always carries the counts),
 *   store, service_tier, prediction and any other field Ollama's API does not have.
 * `stream` is decided by the call, not the body.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion
 */
export function convertToOllamaRequest(
  request: ChatRequest,
  { stream }: { stream: boolean },
): OllamaChatRequestBody {
  rejectUnsupported(request);
  const body: OllamaChatRequestBody = {
    model: request.model,
    messages: convertMessages(request.messages),
    stream,
  };
  const tools = selectTools(request.tools, request.tool_choice);
  if (tools) body.tools = tools;
  const format = formatFor(request.response_format);
  if (format !== undefined) body.format = format;
  const options = optionsFor(request);
  if (Object.keys(options).length > 0) body.options = options;
  const think = request.think ?? thinkFor(request.reasoning_effort);
  if (think !== undefined) body.think = think as boolean | string;
  for (const field of ["keep_alive", "truncate", "shift"] as const) {
    if (request[field] !== undefined)
      (body as unknown as Record<string, unknown>)[field] = request[field];
  }
  return body;
}

function rejectUnsupported(request: ChatRequest): void {
  const reject = (param: string, what: string) => {
    throw new GatewayError("BAD_REQUEST", `${provider} does not support ${what}`, { param });
  };
  if (typeof request.n === "number" && request.n > 1) reject("n", "n > 1 (one choice per request)");
  if (request.logprobs) reject("logprobs", "logprobs in OpenAI's format");
  if (typeof request.top_logprobs === "number" && request.top_logprobs > 0)
    reject("top_logprobs", "top_logprobs in OpenAI's format");
  if (request.audio != null) reject("audio", "audio output");
  if (
    Array.isArray(request.modalities) &&
    request.modalities.some((modality) => modality !== "text")
  )
    reject("modalities", "output modalities other than text");
  if (request.web_search_options != null) reject("web_search_options", "web_search_options");
  if (request.functions != null || request.function_call != null)
    reject(
      request.functions != null ? "functions" : "function_call",
      "the deprecated functions / function_call (use tools)",
    );
}

function convertMessages(messages: ChatMessage[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message, index) => {
    const param = `messages.${index}`;
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: textOf(message.content, param) };
      case "user":
        return userMessage(message.content, param);
      case "assistant": {
        const converted: OllamaMessage = {
          role: "assistant",
          content: textOf(message.content, param),
        };
        if (typeof message.reasoning_content === "string" && message.reasoning_content)
          converted.thinking = message.reasoning_content;
        if (message.tool_calls?.length) {
          converted.tool_calls = message.tool_calls.map((call, callIndex) => {
            toolNames.set(call.id, call.function.name);
            return {
              id: call.id,
              function: {
                name: call.function.name,
                arguments: argumentsObject(
                  call.function.arguments,
                  `${param}.tool_calls.${callIndex}.function.arguments`,
                ),
              },
            };
          });
        }
        return converted;
      }
      case "tool": {
        const toolName =
          message.tool_call_id === undefined ? undefined : toolNames.get(message.tool_call_id);
        if (!toolName) {
          throw new GatewayError(
            "BAD_REQUEST",
            `${param}: a tool message must answer a tool call of an earlier assistant message (tool_call_id ${JSON.stringify(message.tool_call_id)} matches none)`,
            { param: `${param}.tool_call_id` },
          );
        }
        return {
          role: "tool",
          content: textOf(message.content, param),
          tool_name: toolName,
          tool_call_id: message.tool_call_id,
        };
      }
      default:
        throw new GatewayError(
          "BAD_REQUEST",
          `${param}: unknown role ${JSON.stringify(message.role)}`,
          { param: `${param}.role` },
        );
    }
  });
}

function userMessage(content: ChatMessage["content"], param: string): OllamaMessage {
  if (!Array.isArray(content)) return { role: "user", content: content ?? "" };
  const texts: string[] = [];
  const images: string[] = [];
  content.forEach((part, index) => {
    if (part.type === "image_url") images.push(imageBytes(part, `${param}.content.${index}`));
    else texts.push(textOfPart(part, `${param}.content.${index}`));
  });
  return images.length > 0
    ? { role: "user", content: texts.join("\n"), images }
    : { role: "user", content: texts.join("\n") };
}

/** The text of a message that can only carry text (system, assistant, tool, or text parts). */
function textOf(content: ChatMessage["content"], param: string): string {
  if (!Array.isArray(content)) return content ?? "";
  return content.map((part, index) => textOfPart(part, `${param}.content.${index}`)).join("\n");
}

function textOfPart(part: ContentPart, param: string): string {
  if (part.type === "text" && typeof part.text === "string") return part.text;
  // An assistant message may carry its refusal as a part; it is what the assistant said.
  if (part.type === "refusal" && typeof part.refusal === "string") return part.refusal;
  throw new GatewayError(
    "BAD_REQUEST",
    `${provider} does not support content parts of type ${JSON.stringify(part.type)} here (${param})`,
    { param },
  );
}

/** The base64 payload of a `data:<type>;base64,<bytes>` URL: Ollama wants the bytes without the prefix. */
function imageBytes(part: ContentPart, param: string): string {
  const url = (part as { image_url?: { url?: unknown } }).image_url?.url;
  if (typeof url !== "string")
    throw new GatewayError("BAD_REQUEST", `${param}: image_url.url must be a string`, { param });
  const match = /^data:[^,]*;base64,(.*)$/s.exec(url);
  if (match) return match[1];
  const what = /^https?:/i.test(url)
    ? "image URLs (it takes base64 image bytes): send the image as a data: URL"
    : "this image URL: send the image as a base64 data: URL";
  throw new GatewayError("BAD_REQUEST", `${provider} does not support ${what} (${param})`, {
    param,
  });
}

/** Ollama wants the arguments of an earlier call as an object, not OpenAI's JSON string. */
function argumentsObject(text: string, param: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
    return parsed as Record<string, unknown>;
  throw new GatewayError("BAD_REQUEST", `${param} must be a JSON object for ${provider}`, {
    param,
  });
}

type OpenAITool = {
  type?: unknown;
  function?: { name?: unknown; description?: unknown; parameters?: unknown };
};

function selectTools(
  tools: unknown[] | undefined,
  toolChoice: unknown,
): OllamaChatRequestBody["tools"] {
  const declared = (tools ?? []) as OpenAITool[];
  const converted = declared.map((tool, index) => {
    if (tool.type !== "function" || typeof tool.function?.name !== "string") {
      throw new GatewayError(
        "BAD_REQUEST",
        `${provider} only supports function tools (tools.${index})`,
        { param: `tools.${index}` },
      );
    }
    const { name, description, parameters } = tool.function;
    return {
      type: "function" as const,
      function: {
        name,
        ...(typeof description === "string" ? { description } : {}),
        ...(parameters !== undefined ? { parameters } : {}),
      },
    };
  });
  if (toolChoice === undefined || toolChoice === null || toolChoice === "auto")
    return converted.length > 0 ? converted : undefined;
  if (toolChoice === "none") return undefined;
  if (converted.length === 0)
    throw new GatewayError("BAD_REQUEST", "tool_choice needs tools", { param: "tool_choice" });
  if (toolChoice === "required") return converted;
  const name = (toolChoice as { type?: unknown; function?: { name?: unknown } }).function?.name;
  if ((toolChoice as { type?: unknown }).type === "function" && typeof name === "string") {
    const chosen = converted.filter((tool) => tool.function.name === name);
    if (chosen.length === 0)
      throw new GatewayError(
        "BAD_REQUEST",
        `tool_choice names ${JSON.stringify(name)}, which is not in tools`,
        { param: "tool_choice" },
      );
    return chosen;
  }
  throw new GatewayError(
    "BAD_REQUEST",
    `tool_choice must be "none", "auto", "required" or {type: "function", function: {name}}`,
    { param: "tool_choice" },
  );
}

function formatFor(responseFormat: unknown): OllamaChatRequestBody["format"] {
  if (responseFormat === undefined || responseFormat === null) return undefined;
  const format = responseFormat as { type?: unknown; json_schema?: { schema?: unknown } };
  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return "json";
    case "json_schema": {
      const schema = format.json_schema?.schema;
      if (!schema || typeof schema !== "object" || Array.isArray(schema)) {
        throw new GatewayError(
          "BAD_REQUEST",
          "response_format.json_schema.schema must be a JSON schema object",
          { param: "response_format" },
        );
      }
      return schema as Record<string, unknown>;
    }
    default:
      throw new GatewayError(
        "BAD_REQUEST",
        `response_format.type must be text, json_object or json_schema (got ${JSON.stringify(format.type)})`,
        { param: "response_format" },
      );
  }
}

function optionsFor(request: ChatRequest): Record<string, unknown> {
  const own =
    request.options && typeof request.options === "object" && !Array.isArray(request.options)
      ? (request.options as Record<string, unknown>)
      : {};
  const maxTokens = request.max_completion_tokens ?? request.max_tokens;
  const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
  const mapped: Record<string, unknown> = {
    temperature: request.temperature,
    top_p: request.top_p,
    top_k: request.top_k,
    num_predict: maxTokens,
    stop: stop && stop.length > 0 ? stop : undefined,
    seed: request.seed,
    presence_penalty: request.presence_penalty,
    frequency_penalty: request.frequency_penalty,
  };
  return {
    ...own,
    ...Object.fromEntries(
      Object.entries(mapped).filter(([, value]) => value !== undefined && value !== null),
    ),
  };
}

function thinkFor(reasoningEffort: unknown): boolean | string | undefined {
  switch (reasoningEffort) {
    case "none":
      return false;
    case "minimal":
    case "low":
      return "low";
    case "medium":
    case "high":
      return reasoningEffort;
    case "xhigh":
      return "max";
    default:
      return undefined;
  }
}

/** The JSON body sent to `POST {apiBase}/api/embed`. */
export interface OllamaEmbedRequestBody {
  model: string;
  input: string | string[];
  dimensions?: number;
  truncate?: boolean;
  keep_alive?: unknown;
}

/**
 * An OpenAI embeddings request as Ollama's `/api/embed` body: `input` (a string or a list of
 * strings) and `dimensions` pass; Ollama's own `truncate` and `keep_alive` pass through;
 * token-array inputs and `encoding_format: "base64"` are BAD_REQUEST (Ollama takes text and
 * answers floats); `user` and `metadata` are dropped.
 * Reference: https://github.com/ollama/ollama/blob/main/docs/api.md#generate-embeddings
 */
export function convertToOllamaEmbedRequest(request: EmbeddingRequest): OllamaEmbedRequestBody {
  const { input } = request;
  const isText =
    typeof input === "string" ||
    (Array.isArray(input) && input.every((item) => typeof item === "string"));
  if (!isText)
    throw new GatewayError(
      "BAD_REQUEST",
      `${provider} does not support token-array inputs: send text`,
      { param: "input" },
    );
  if (request.encoding_format === "base64")
    throw new GatewayError(
      "BAD_REQUEST",
      `${provider} does not support encoding_format "base64": it answers floats`,
      { param: "encoding_format" },
    );
  const body: OllamaEmbedRequestBody = { model: request.model, input: input as string | string[] };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  if (typeof request.truncate === "boolean") body.truncate = request.truncate;
  if (request.keep_alive !== undefined) body.keep_alive = request.keep_alive;
  return body;
}
