import type { AwsEventMessage } from "../../aws-event-stream.ts";
import { jsonResponseToolName } from "../../structured-output.ts";
import { estimatePromptTokens, estimateTokens } from "../../tokens.ts";
import { invalidResponseError } from "../../upstream-errors.ts";
import type { ChatChunk, ChatMessage, FinishReason, Usage } from "../../spec.ts";
import {
  bedrockStreamEventSchemas,
  convertBedrockUsage,
  type BedrockStreamEventType,
} from "./bedrock-api.ts";
import { bedrockStreamExceptionError } from "./bedrock-error.ts";
import { mapBedrockFinishReason } from "./map-bedrock-finish-reason.ts";

export interface BedrockStreamOptions {
  provider: string;
  /** Every chunk carries the same id, created and model. */
  id: string;
  created: number;
  model: string;
  /** The request's messages, to estimate usage should the stream end without its metadata event. */
  messages: ChatMessage[];
  /** Calls of the forced `json` tool are the answer's content (response_format). */
  usesJsonResponseTool: boolean;
  secrets: Array<string | undefined>;
}

/** Set by the translation as it goes: `complete` once messageStop and metadata both arrived (the adapter then drains the body). */
export interface BedrockStreamProgress {
  complete: boolean;
}

type Block = { kind: "tool"; toolIndex: number } | { kind: "json" };

/**
 * ConverseStream's events → OpenAI chunks, one by one as they arrive:
 * messageStart → the role chunk; contentBlockDelta text → content, reasoningContent →
 * `reasoning_content`; contentBlockStart toolUse → a tool call's first delta (id, name, empty
 * arguments) and toolUse input deltas → its argument pieces — except the forced `json` tool's,
 * whose input pieces are the content; messageStop → the finish chunk; metadata → the usage
 * chunk (after the finish chunk whatever order they come in). Exception frames throw the
 * exception's UpstreamError. A stream that ends without messageStop is an invalid response; one
 * without metadata gets an estimated usage so spend is never zero.
 * Reference: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
 */
export async function* translateBedrockStream(
  events: AsyncIterable<AwsEventMessage>,
  options: BedrockStreamOptions,
  progress: BedrockStreamProgress,
): AsyncGenerator<ChatChunk> {
  const { provider, id, created, model, usesJsonResponseTool, secrets } = options;
  const chunk = (
    delta: ChatChunk["choices"][number]["delta"],
    finishReason: FinishReason | null = null,
  ): ChatChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });
  const usageChunk = (usage: Usage): ChatChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [],
    usage,
  });

  const blocks = new Map<number, Block>();
  let eventCount = 0;
  let roleSent = false;
  let toolCount = 0;
  let sawJsonAnswer = false;
  let finished = false;
  let usage: Usage | undefined;
  let generatedText = "";

  for await (const event of events) {
    eventCount += 1;
    // "exception" frames carry a JSON payload; "error" frames (service errors) their message in a header.
    if (event.messageType !== "event")
      throw bedrockStreamExceptionError(
        provider,
        event.eventType,
        event.payload || String(event.headers[":error-message"]?.value ?? ""),
        secrets,
      );
    const payload = parseEvent(provider, event);
    if (!payload) continue;
    if (!roleSent) {
      roleSent = true;
      yield chunk({ role: "assistant", content: "" });
    }
    switch (payload.type) {
      case "contentBlockStart": {
        const toolUse = payload.value.start?.toolUse;
        if (!toolUse) break;
        if (usesJsonResponseTool && toolUse.name === jsonResponseToolName) {
          blocks.set(payload.value.contentBlockIndex, { kind: "json" });
          sawJsonAnswer = true;
          break;
        }
        const toolIndex = toolCount++;
        blocks.set(payload.value.contentBlockIndex, { kind: "tool", toolIndex });
        yield chunk({
          tool_calls: [
            {
              index: toolIndex,
              id: toolUse.toolUseId,
              type: "function",
              function: { name: toolUse.name, arguments: "" },
            },
          ],
        });
        break;
      }
      case "contentBlockDelta": {
        const { delta, contentBlockIndex } = payload.value;
        if (typeof delta.text === "string" && delta.text) {
          generatedText += delta.text;
          yield chunk({ content: delta.text });
        }
        if (typeof delta.reasoningContent?.text === "string" && delta.reasoningContent.text) {
          generatedText += delta.reasoningContent.text;
          yield chunk({ reasoning_content: delta.reasoningContent.text });
        }
        if (delta.toolUse?.input) {
          const block = blocks.get(contentBlockIndex);
          if (!block)
            throw invalidResponseError(
              provider,
              `a toolUse delta for content block ${contentBlockIndex}, which did not start as a tool call`,
            );
          generatedText += delta.toolUse.input;
          yield block.kind === "json"
            ? chunk({ content: delta.toolUse.input })
            : chunk({
                tool_calls: [
                  { index: block.toolIndex, function: { arguments: delta.toolUse.input } },
                ],
              });
        }
        break;
      }
      case "messageStop":
        finished = true;
        yield chunk(
          {},
          sawJsonAnswer && toolCount === 0
            ? "stop"
            : mapBedrockFinishReason(payload.value.stopReason),
        );
        break;
      case "metadata":
        if (payload.value.usage) usage = convertBedrockUsage(payload.value.usage);
        break;
    }
    // messageStop and metadata may come in either order; the usage chunk goes last, and ends the stream.
    if (finished && usage) {
      progress.complete = true;
      yield usageChunk(usage);
      return;
    }
  }
  if (eventCount === 0)
    throw invalidResponseError(provider, "the stream ended without sending any event");
  if (!finished)
    throw invalidResponseError(provider, "the stream ended before its messageStop event");
  progress.complete = true;
  const promptTokens = estimatePromptTokens(options.messages);
  const completionTokens = estimateTokens(generatedText);
  yield usageChunk(
    usage ?? {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  );
}

type ParsedEvent = {
  [Type in BedrockStreamEventType]: {
    type: Type;
    value: ReturnType<(typeof bedrockStreamEventSchemas)[Type]["parse"]>;
  };
}[BedrockStreamEventType];

/** The event's checked payload; undefined for event types the gateway does not use (Bedrock may add more). */
function parseEvent(provider: string, event: AwsEventMessage): ParsedEvent | undefined {
  if (!Object.hasOwn(bedrockStreamEventSchemas, event.eventType)) return undefined;
  const type = event.eventType as BedrockStreamEventType;
  let json: unknown;
  try {
    json = JSON.parse(event.payload);
  } catch (error) {
    throw invalidResponseError(
      provider,
      `a ${type} event is not JSON: ${JSON.stringify(event.payload.slice(0, 120))}`,
      { cause: error },
    );
  }
  const parsed = bedrockStreamEventSchemas[type].safeParse(json);
  if (!parsed.success)
    throw invalidResponseError(
      provider,
      `a ${type} event is not in Bedrock's format: ${JSON.stringify(event.payload.slice(0, 120))}`,
    );
  return { type, value: parsed.data } as ParsedEvent;
}
