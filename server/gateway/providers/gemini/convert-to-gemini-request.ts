import { GatewayError } from "../../errors.ts";
import type { ChatRequest } from "../../spec.ts";
import { convertJsonSchemaToGeminiSchema } from "./convert-json-schema-to-gemini-schema.ts";
import {
  convertToGeminiContents,
  type GeminiContent,
  type GeminiRequestPart,
  isGemini3OrLater,
} from "./convert-to-gemini-contents.ts";

/** The JSON body of `POST …/models/{model}:generateContent` (and `:streamGenerateContent`). */
export interface GeminiRequestBody {
  contents: GeminiContent[];
  systemInstruction?: { parts: GeminiRequestPart[] };
  tools?: Array<{
    functionDeclarations: Array<{
      name: string;
      description?: string;
      parameters?: Record<string, unknown>;
    }>;
  }>;
  toolConfig?: {
    functionCallingConfig: { mode: "AUTO" | "ANY" | "NONE"; allowedFunctionNames?: string[] };
  };
  generationConfig?: Record<string, unknown>;
}

/** Gemini 2.5's thinking budgets for OpenAI's reasoning_effort, as Google's own OpenAI-compatible endpoint maps them. */
const thinkingBudgetByEffort: Record<string, number> = {
  none: 0,
  minimal: 0,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * An OpenAI chat request as a Gemini GenerateContentRequest (the same body for Vertex AI).
 * Messages: see convertToGeminiContents. Parameters:
 * - temperature → generationConfig.temperature; top_p → topP; max_completion_tokens (else
 *   max_tokens) → maxOutputTokens (none: the model's own limit); stop → stopSequences;
 *   seed → seed; presence_penalty → presencePenalty; frequency_penalty → frequencyPenalty;
 * - response_format json_object → responseMimeType "application/json"; json_schema → that plus
 *   responseSchema (the schema converted to Gemini's OpenAPI subset, see
 *   convertJsonSchemaToGeminiSchema; `strict`, `name` and `description` are not sent); text → nothing;
 * - tools (type "function") → one `tools[0].functionDeclarations` list {name, description,
 *   parameters converted the same way}; `strict` is dropped; other tool types are rejected;
 * - tool_choice auto → functionCallingConfig AUTO, none → NONE, required → ANY,
 *   {type: "function", function: {name}} → ANY with allowedFunctionNames [name];
 * - reasoning_effort → thinkingConfig {includeThoughts: true} with thinkingLevel (Gemini 3+:
 *   "minimal"/"low"/"medium"/"high"; "none" → "minimal") or thinkingBudget (earlier models:
 *   none/minimal 0, low 1024, medium 8192, high 24576), so thoughts come back as reasoning_content;
 * - DROPPED (no Gemini equivalent; the answer keeps its shape): user, logit_bias,
 *   parallel_tool_calls (Gemini may still call several functions), service_tier, store,
 *   prediction, verbosity, prompt_cache_key, safety_identifier, stream_options, `metadata`
 *   (the gateway's own), and any field the gateway does not know;
 * - REJECTED (BAD_REQUEST, before anything is sent): n > 1, logprobs / top_logprobs, audio,
 *   modalities other than ["text"], web_search_options, functions / function_call (use tools).
 * `model` is the upstream model id (a leading "models/" is the URL's business, not the body's).
 * References: https://ai.google.dev/api/generate-content#request-body,
 * https://github.com/vercel/ai/blob/main/packages/google/src/google-language-model.ts
 */
export function convertToGeminiRequest(
  request: ChatRequest,
  { model = request.model }: { model?: string } = {},
): GeminiRequestBody {
  rejectUnsupported(request);
  const { contents, systemInstruction } = convertToGeminiContents(request.messages, { model });
  const body: GeminiRequestBody = { contents };
  if (systemInstruction) body.systemInstruction = systemInstruction;
  const tools = convertTools(request.tools);
  if (tools) {
    body.tools = [{ functionDeclarations: tools }];
    const toolConfig = convertToolChoice(request.tool_choice);
    if (toolConfig) body.toolConfig = toolConfig;
  }
  const generationConfig = convertGenerationConfig(request, model);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function rejectUnsupported(request: ChatRequest): void {
  const reject = (param: string, why: string) => {
    throw new GatewayError("BAD_REQUEST", `Gemini does not support ${param}${why}`, { param });
  };
  if (typeof request.n === "number" && request.n > 1)
    reject("n", " > 1 through the gateway (one choice per request)");
  if (request.logprobs) reject("logprobs", "");
  if (request.top_logprobs !== undefined && request.top_logprobs !== null)
    reject("top_logprobs", "");
  if (request.audio !== undefined && request.audio !== null) reject("audio", " output");
  if (
    Array.isArray(request.modalities) &&
    request.modalities.some((modality) => modality !== "text")
  )
    reject("modalities", " other than text");
  if (request.web_search_options !== undefined) reject("web_search_options", "");
  if (request.functions !== undefined || request.function_call !== undefined)
    reject("functions", " (the deprecated function-calling fields); use tools and tool_choice");
}

function convertTools(
  tools: unknown[] | undefined,
): NonNullable<GeminiRequestBody["tools"]>[number]["functionDeclarations"] | undefined {
  if (!tools || tools.length === 0) return undefined;
  return tools.map((tool, index) => {
    const { type, function: definition } = tool as {
      type?: unknown;
      function?: { name?: unknown; description?: unknown; parameters?: unknown };
    };
    if (type !== "function" || typeof definition?.name !== "string") {
      throw new GatewayError(
        "BAD_REQUEST",
        `tools[${index}]: Gemini only takes function tools with a name`,
        { param: `tools[${index}]` },
      );
    }
    const parameters = convertJsonSchemaToGeminiSchema(definition.parameters, {
      param: `tools[${index}].function.parameters`,
    });
    return {
      name: definition.name,
      ...(typeof definition.description === "string" && definition.description
        ? { description: definition.description }
        : {}),
      ...(parameters ? { parameters } : {}),
    };
  });
}

function convertToolChoice(toolChoice: unknown): GeminiRequestBody["toolConfig"] {
  if (toolChoice === undefined || toolChoice === null) return undefined;
  if (toolChoice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (toolChoice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (toolChoice === "required") return { functionCallingConfig: { mode: "ANY" } };
  const named = toolChoice as { type?: unknown; function?: { name?: unknown } };
  if (named.type === "function" && typeof named.function?.name === "string")
    return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [named.function.name] } };
  throw new GatewayError(
    "BAD_REQUEST",
    `tool_choice must be auto, none, required or {type: "function", function: {name}} for Gemini (got ${JSON.stringify(toolChoice)})`,
    { param: "tool_choice" },
  );
}

function convertGenerationConfig(request: ChatRequest, model: string): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== undefined && value !== null) config[key] = value;
  };
  set("temperature", request.temperature);
  set("topP", request.top_p);
  set("maxOutputTokens", request.max_completion_tokens ?? request.max_tokens);
  if (request.stop !== undefined && request.stop !== null)
    set("stopSequences", Array.isArray(request.stop) ? request.stop : [request.stop]);
  set("seed", request.seed);
  set("presencePenalty", request.presence_penalty);
  set("frequencyPenalty", request.frequency_penalty);
  Object.assign(config, convertResponseFormat(request.response_format));
  set("thinkingConfig", convertReasoningEffort(request.reasoning_effort, model));
  return config;
}

function convertResponseFormat(responseFormat: unknown): Record<string, unknown> {
  if (responseFormat === undefined || responseFormat === null) return {};
  const format = responseFormat as { type?: unknown; json_schema?: { schema?: unknown } };
  switch (format.type) {
    case "text":
      return {};
    case "json_object":
      return { responseMimeType: "application/json" };
    case "json_schema": {
      if (!format.json_schema?.schema || typeof format.json_schema.schema !== "object") {
        throw new GatewayError(
          "BAD_REQUEST",
          "response_format.json_schema.schema must be a JSON schema object",
          { param: "response_format" },
        );
      }
      const responseSchema = convertJsonSchemaToGeminiSchema(format.json_schema.schema, {
        param: "response_format.json_schema.schema",
      });
      return {
        responseMimeType: "application/json",
        ...(responseSchema ? { responseSchema } : {}),
      };
    }
    default:
      throw new GatewayError(
        "BAD_REQUEST",
        `response_format.type must be text, json_object or json_schema (got ${JSON.stringify(format.type)})`,
        { param: "response_format" },
      );
  }
}

function convertReasoningEffort(
  effort: unknown,
  model: string,
): Record<string, unknown> | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (typeof effort !== "string" || !Object.hasOwn(thinkingBudgetByEffort, effort)) {
    throw new GatewayError(
      "BAD_REQUEST",
      `reasoning_effort must be none, minimal, low, medium or high for Gemini (got ${JSON.stringify(effort)})`,
      { param: "reasoning_effort" },
    );
  }
  if (isGemini3OrLater(model))
    return { thinkingLevel: effort === "none" ? "minimal" : effort, includeThoughts: true };
  const thinkingBudget = thinkingBudgetByEffort[effort];
  return thinkingBudget === 0 ? { thinkingBudget } : { thinkingBudget, includeThoughts: true };
}
