import { readFileSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import type { FinishReason, ToolCall, Usage } from "../../server/gateway/spec.ts";

/*
 * A local server speaking OpenAI's Chat Completions wire format, for contract, integration and
 * e2e tests. Its answers start from OpenAI's documented examples under test/fixtures/openai/,
 * so shapes such as refusal, annotations, logprobs, usage details and `usage: null` on every
 * chunk under include_usage are OpenAI's, not ours.
 */

/** What the next request gets. One behaviour answers both JSON and `stream: true` requests. */
export type MockBehaviour =
  | {
      type: "completion";
      content?: string | null;
      toolCalls?: ToolCall[];
      finishReason?: FinishReason;
      /** Merged over the default usage (prompt 12 / completion 7 / cached 0); null sends no usage. */
      usage?: Partial<Usage> | null;
    }
  /** An error status and body, after `delayMs` when given (a provider that takes its time to fail). */
  | {
      type: "error";
      status: number;
      body: object | string;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  /** 200 with something that is not OpenAI's format (content type: JSON for objects, HTML for text, unless given). */
  | { type: "garbage"; body: object | string; contentType?: string }
  /** Exactly these bytes with status 200: replays a fixture such as stream.sse. */
  | { type: "raw"; body: string; contentType: string }
  /** Sends the role chunk and `afterChunks - 1` content chunks (half the JSON for non-streams), then destroys the socket. */
  | { type: "drop-mid-stream"; afterChunks: number }
  /** One content chunk every chunkDelayMs, `chunks` of them, stopping as soon as the client goes away. */
  | { type: "slow-stream"; chunkDelayMs: number; chunks: number }
  /** Streams `afterChunks` chunks, then sends nothing more and keeps the connection open. */
  | { type: "stall-mid-stream"; afterChunks: number }
  /** Never answers. */
  | { type: "hang" };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (the raw text when it was not JSON); loosely typed so tests can index into it. */
  body: any;
  /** The client's port: equal ports on two requests mean a reused keep-alive connection. */
  remotePort: number | undefined;
}

export interface MockUpstream {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Requests whose connection closed before the mock finished answering (the client went away). */
  readonly closedRequests: number;
  /** TCP connections accepted so far (keep-alive reuse keeps this flat). */
  readonly connectionCount: number;
  enqueue(behaviour: MockBehaviour): void;
  /** The behaviour used when the queue is empty (initially a plain completion). */
  setDefault(behaviour: MockBehaviour): void;
  /** Resolves once a request closes early after the latest request arrived (at once if one already has). */
  waitForClosedRequest(): Promise<void>;
  stop(): Promise<void>;
}

type Answer = Extract<MockBehaviour, { type: "completion" }>;

export const defaultMockContent = "Hello from the mock upstream.";
const fixtureDirectory = new URL("../fixtures/openai/", import.meta.url);
const created = 1741570283;

/** A fixture under test/fixtures/openai/ as raw text. */
export function readOpenAIFixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), "utf8");
}

/** A JSON fixture under test/fixtures/openai/ without its `_source` note: the body as OpenAI sends it. */
export function readOpenAIFixture(name: string): Record<string, any> {
  const { _source, ...body } = JSON.parse(readOpenAIFixtureText(name));
  return body;
}

const completionTemplate = readOpenAIFixture("chat-completion.json");

/** Starts the mock on 127.0.0.1, port 0. */
export async function startMockOpenAIUpstream(): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const queue: MockBehaviour[] = [];
  let fallback: MockBehaviour = { type: "completion" };
  let closedRequests = 0;
  let closedWhenLatestArrived = 0;
  const closeWaiters: Array<() => void> = [];

  const server = createServer(async (request, response) => {
    const body = parseJson(await readBody(request)) as any;
    requests.push({
      method: request.method ?? "",
      path: request.url ?? "",
      headers: request.headers,
      body,
      remotePort: request.socket.remotePort,
    });
    closedWhenLatestArrived = closedRequests;
    const state = { droppedByServer: false };
    response.on("close", () => {
      if (response.writableFinished || state.droppedByServer) return;
      closedRequests += 1;
      for (const wake of closeWaiters.splice(0)) wake();
    });
    if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
      return sendJson(response, 404, {
        error: {
          message: `Invalid URL (${request.method} ${request.url})`,
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
    }
    answer(queue.shift() ?? fallback, {
      response,
      state,
      stream: body?.stream === true,
      includeUsage: body?.stream_options?.include_usage === true,
      model: body?.model ?? "gpt-4o-mini",
      id: `chatcmpl-mock${requests.length}`,
    });
  });
  let connectionCount = 0;
  server.on("connection", () => void (connectionCount += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get closedRequests() {
      return closedRequests;
    },
    get connectionCount() {
      return connectionCount;
    },
    enqueue: (behaviour) => void queue.push(behaviour),
    setDefault: (behaviour) => void (fallback = behaviour),
    waitForClosedRequest() {
      return new Promise<void>((resolve) => {
        const check = () =>
          closedRequests > closedWhenLatestArrived ? resolve() : closeWaiters.push(check);
        check();
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Exchange {
  response: ServerResponse;
  state: { droppedByServer: boolean };
  stream: boolean;
  includeUsage: boolean;
  model: string;
  id: string;
}

function answer(behaviour: MockBehaviour, exchange: Exchange): void {
  const { response, state, stream, includeUsage, model, id } = exchange;
  switch (behaviour.type) {
    case "completion":
      if (!stream) return sendJson(response, 200, completionBody(id, model, behaviour));
      startEventStream(response);
      for (const payload of streamPayloads(id, model, behaviour, includeUsage))
        response.write(sseFrame(payload));
      response.end(sseFrame("[DONE]"));
      return;
    case "error": {
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(behaviour.status, {
          "content-type":
            typeof behaviour.body === "string" ? "text/plain; charset=utf-8" : "application/json",
          ...behaviour.headers,
        });
        response.end(
          typeof behaviour.body === "string" ? behaviour.body : JSON.stringify(behaviour.body),
        );
      };
      if (behaviour.delayMs) setTimeout(send, behaviour.delayMs);
      else send();
      return;
    }
    case "garbage":
    case "raw": {
      const isText = typeof behaviour.body === "string";
      response.writeHead(200, {
        "content-type":
          behaviour.contentType ?? (isText ? "text/html; charset=utf-8" : "application/json"),
      });
      response.end(isText ? behaviour.body : JSON.stringify(behaviour.body));
      return;
    }
    case "drop-mid-stream": {
      const drop = () => {
        state.droppedByServer = true;
        response.socket?.destroy();
      };
      if (!stream) {
        const json = JSON.stringify(completionBody(id, model, {}));
        response.writeHead(200, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(json),
        });
        response.write(json.slice(0, json.length / 2), drop);
        return;
      }
      startEventStream(response);
      const frames = streamPayloads(id, model, {}, includeUsage)
        .slice(0, behaviour.afterChunks)
        .map(sseFrame)
        .join("");
      response.write(frames, drop);
      return;
    }
    case "slow-stream":
      return slowStream(behaviour, exchange);
    case "stall-mid-stream":
      startEventStream(response);
      response.write(
        streamPayloads(id, model, {}, includeUsage)
          .slice(0, behaviour.afterChunks)
          .map(sseFrame)
          .join(""),
      );
      return;
    case "hang":
      return;
  }
}

function slowStream(
  { chunkDelayMs, chunks }: { chunkDelayMs: number; chunks: number },
  { response, stream, includeUsage, model, id }: Exchange,
): void {
  const pieces = Array.from({ length: chunks }, (_, index) => `tick ${index + 1} `);
  const final = { content: pieces.join("").trim(), usage: { completion_tokens: chunks * 3 } };
  if (!stream) {
    const timer = setTimeout(
      () => sendJson(response, 200, completionBody(id, model, final)),
      chunkDelayMs * chunks,
    );
    response.on("close", () => clearTimeout(timer));
    return;
  }
  const [roleChunk, ...rest] = streamPayloads(id, model, final, includeUsage);
  const contentChunks = rest.slice(0, pieces.length);
  const ending = rest.slice(pieces.length);
  startEventStream(response);
  response.write(sseFrame(roleChunk));
  const timer = setInterval(() => {
    if (response.destroyed) return clearInterval(timer);
    const next = contentChunks.shift();
    if (next) return void response.write(sseFrame(next));
    clearInterval(timer);
    for (const payload of ending) response.write(sseFrame(payload));
    response.end(sseFrame("[DONE]"));
  }, chunkDelayMs);
  response.on("close", () => clearInterval(timer));
}

/** A non-streaming `chat.completion` object, shaped like OpenAI's documented example. */
function completionBody(
  id: string,
  model: string,
  answer: Omit<Answer, "type">,
): Record<string, unknown> {
  const usage = usageFor(answer.usage);
  const message = {
    role: "assistant",
    content: contentOf(answer),
    ...(answer.toolCalls ? { tool_calls: answer.toolCalls } : {}),
    refusal: null,
    annotations: [],
  };
  const { usage: _templateUsage, ...template } = completionTemplate;
  return {
    ...template,
    id,
    created,
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(answer) }],
    ...(usage ? { usage } : {}),
  };
}

/**
 * The `data:` payloads of a stream in OpenAI's order: a role chunk, the content in word-sized
 * chunks, each tool call's header then its arguments in pieces, a chunk with the finish reason,
 * and — when the request asked for include_usage — a usage chunk with empty choices.
 */
function streamPayloads(
  id: string,
  model: string,
  answer: Omit<Answer, "type">,
  includeUsage: boolean,
): Array<Record<string, unknown>> {
  const base = {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: completionTemplate.system_fingerprint,
  };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const content = contentOf(answer);
  const payloads: Array<Record<string, unknown>> = [
    chunk({ role: "assistant", content: content === null ? null : "", refusal: null }),
  ];
  for (const piece of content?.match(/\s*\S+/g) ?? []) payloads.push(chunk({ content: piece }));
  answer.toolCalls?.forEach((call, index) => {
    payloads.push(
      chunk({
        tool_calls: [
          {
            index,
            id: call.id,
            type: "function",
            function: { name: call.function.name, arguments: "" },
          },
        ],
      }),
    );
    for (const piece of call.function.arguments.match(/[\s\S]{1,8}/g) ?? [])
      payloads.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  payloads.push(chunk({}, finishReasonOf(answer)));
  const usage = usageFor(answer.usage);
  if (includeUsage && usage) payloads.push({ ...base, choices: [], usage });
  return payloads;
}

function contentOf(answer: Omit<Answer, "type">): string | null {
  return answer.content === undefined
    ? answer.toolCalls
      ? null
      : defaultMockContent
    : answer.content;
}

function finishReasonOf(answer: Omit<Answer, "type">): FinishReason {
  return answer.finishReason ?? (answer.toolCalls ? "tool_calls" : "stop");
}

function usageFor(usage: Answer["usage"]): Usage | undefined {
  if (usage === null) return undefined;
  const promptTokens = usage?.prompt_tokens ?? 12;
  const completionTokens = usage?.completion_tokens ?? 7;
  return {
    ...completionTemplate.usage,
    ...usage,
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: usage?.total_tokens ?? promptTokens + completionTokens,
    prompt_tokens_details: {
      ...completionTemplate.usage.prompt_tokens_details,
      cached_tokens: 0,
      ...usage?.prompt_tokens_details,
    },
  };
}

let upstreamRequestCount = 0;

/** OpenAI names every answer with its own id in `x-request-id`; so does the mock (`req_mock_<n>`). */
function upstreamRequestId(): string {
  upstreamRequestCount += 1;
  return `req_mock_${upstreamRequestCount}`;
}

function startEventStream(response: ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-request-id": upstreamRequestId(),
  });
}

/** One SSE frame as OpenAI writes it. */
function sseFrame(data: unknown): string {
  return `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    "content-type": "application/json",
    "x-request-id": upstreamRequestId(),
  });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
