import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type {
  ChatChunk,
  ChatMessage,
  ChatRequest,
  ChatResponse,
  FinishReason,
  ProviderAdapter,
  Usage,
} from "../../spec.ts";
import { estimatePromptTokens, estimateTokens } from "../../tokens.ts";

/*
 * The built-in `demo` provider (`switchboard --demo`): no model and no network behind it. It
 * answers by quoting the caller's last message, with the token counts a real model would report
 * for that text, streamed a word at a time, so a first run shows every page of the dashboard
 * with real requests, spend and logs before any provider key is added. It has no wire format,
 * hence only this file in its folder.
 */

/** How long each streamed word takes (a real model streams 20–100 tokens a second). */
const defaultWordDelayMs = 25;
/** How long before the first token (or the whole answer), as a hosted model takes to start. */
const defaultFirstTokenDelayMs = 150;

/** The reply to `messages`: what the caller said last, quoted back. */
export function demoReplyTo(messages: ChatMessage[]): string {
  const last = [...messages].reverse().find((message) => message.role === "user");
  const said = textOf(last?.content).trim();
  return said
    ? `You said: "${said}". This is Switchboard's demo model, which echoes your message; add a real model to get real answers.`
    : "This is Switchboard's demo model. Send a user message and it echoes it back.";
}

function textOf(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : ""))
    .join(" ");
}

/** The reply cut to the request's output limit, and why it ended. */
function replyFor(request: ChatRequest): { text: string; finishReason: FinishReason } {
  const text = demoReplyTo(request.messages);
  const limit = request.max_completion_tokens ?? request.max_tokens;
  if (limit === undefined || estimateTokens(text) <= limit) return { text, finishReason: "stop" };
  return { text: text.slice(0, limit * 4), finishReason: "length" };
}

function usageOf(request: ChatRequest, text: string): Usage {
  const promptTokens = estimatePromptTokens(request.messages);
  const completionTokens = estimateTokens(text);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}

/** The echo model's adapter; `firstTokenDelayMs` and `wordDelayMs` pace it like a hosted model. */
export function createDemoAdapter({
  firstTokenDelayMs = defaultFirstTokenDelayMs,
  wordDelayMs = defaultWordDelayMs,
  now = Date.now,
}: { firstTokenDelayMs?: number; wordDelayMs?: number; now?: () => number } = {}): ProviderAdapter {
  return {
    provider: "demo",

    async chat(request: ChatRequest, { signal }): Promise<ChatResponse> {
      const { text, finishReason } = replyFor(request);
      await sleep(firstTokenDelayMs, undefined, { signal });
      return {
        id: `chatcmpl-demo-${randomUUID()}`,
        object: "chat.completion",
        created: Math.floor(now() / 1000),
        model: request.model,
        choices: [
          { index: 0, message: { role: "assistant", content: text }, finish_reason: finishReason },
        ],
        usage: usageOf(request, text),
      };
    },

    async *chatStream(request: ChatRequest, { signal }): AsyncIterable<ChatChunk> {
      const { text, finishReason } = replyFor(request);
      const id = `chatcmpl-demo-${randomUUID()}`;
      const created = Math.floor(now() / 1000);
      const chunk = (
        delta: ChatChunk["choices"][number]["delta"],
        finish: FinishReason | null = null,
        usage?: Usage,
      ): ChatChunk => ({
        id,
        object: "chat.completion.chunk",
        created,
        model: request.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      });
      await sleep(firstTokenDelayMs, undefined, { signal });
      yield chunk({ role: "assistant", content: "" });
      // Words with the space before them, so the pieces join back into the text exactly.
      for (const word of text.match(/\s*\S+/g) ?? []) {
        await sleep(wordDelayMs, undefined, { signal });
        yield chunk({ content: word });
      }
      yield chunk({}, finishReason, usageOf(request, text));
    },
  };
}
