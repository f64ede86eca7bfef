import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startMockOpenAIUpstream } from "../test/support/mock-openai-upstream.ts";
import { setImmediate as nextTurn, setTimeout as sleep } from "node:timers/promises";
import { serveAsChild } from "./child-process.ts";
import { manyChunks, pacedFrameMs, upstreamModes, type UpstreamMode } from "./scenarios.ts";

/*
 * The zero-latency upstream: answers POST /v1/chat/completions at once, as JSON or as an SSE
 * stream. The bytes are recorded once, at start, from the test suite's mock upstream (so they
 * are OpenAI's documented shapes), then replayed: the mock itself rebuilds every body and keeps
 * every request in memory, which over a few hundred thousand requests would make the upstream,
 * not the proxy under test, the thing being measured.
 *
 * The path's prefix picks how a stream is sent (scenarios.ts `upstreamModes`):
 * - `/v1/chat/completions`: every frame at once;
 * - `/paced/v1/chat/completions`: the first frame at once, then one every `pacedFrameMs`, so
 *   the time to the first chunk is not the time of the whole stream;
 * - `/chunks-1000/v1/chat/completions`: `manyChunks` content deltas, each frame written in its
 *   own event-loop turn (frames written in one turn leave as one packet).
 * JSON answers are the same on every path. It counts the calls it answers (`upstreamCalls` in
 * its stats), so the bench can check one upstream call per request.
 *
 * Run by hand: `npx tsx bench/serve-upstream.ts` prints `http://127.0.0.1:<port>`.
 */

interface RecordedAnswers {
  json: string;
  /** SSE frames (`data: ...\n\n`), written one by one like a real upstream. */
  stream: string[];
  streamWithUsage: string[];
}

/**
 * The recorded stream stretched to `manyChunks` content deltas: the role frame, the recorded
 * deltas in turn, then the finish (and usage, counting them) frames and [DONE].
 */
function stretch(frames: string[]): string[] {
  const deltas = frames.filter((frame) => frame.includes('"delta":{"content"'));
  const [first] = frames;
  const rest = frames
    .slice(frames.indexOf(deltas[deltas.length - 1]) + 1)
    .map((frame) =>
      frame.replace(
        /"completion_tokens":\d+,"total_tokens":(\d+)/,
        (_, total: string) =>
          `"completion_tokens":${manyChunks},"total_tokens":${Number(total) + manyChunks}`,
      ),
    );
  const content = Array.from({ length: manyChunks }, (_, index) => deltas[index % deltas.length]);
  return [first, ...content, ...rest];
}

async function recordAnswers(): Promise<RecordedAnswers> {
  const mock = await startMockOpenAIUpstream();
  try {
    const ask = async (body: Record<string, unknown>) => {
      const response = await fetch(`${mock.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "Say hello" }],
          ...body,
        }),
      });
      return response.text();
    };
    const frames = (text: string) => text.split(/(?<=\n\n)/);
    return {
      json: await ask({}),
      stream: frames(await ask({ stream: true })),
      streamWithUsage: frames(await ask({ stream: true, stream_options: { include_usage: true } })),
    };
  } finally {
    await mock.stop();
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    request.on("error", reject);
  });
}

const answers = await recordAnswers();
const jsonLength = Buffer.byteLength(answers.json);
const stretched = {
  stream: stretch(answers.stream),
  streamWithUsage: stretch(answers.streamWithUsage),
};
const modeByPath = new Map<string, UpstreamMode>(
  Object.entries(upstreamModes).map(([mode, { pathPrefix }]) => [
    `${pathPrefix}/v1/chat/completions`,
    mode as UpstreamMode,
  ]),
);
let upstreamCalls = 0;

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request);
  const mode = modeByPath.get(request.url ?? "");
  if (request.method !== "POST" || !mode) {
    response.writeHead(404, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        error: {
          message: `Invalid URL (${request.method} ${request.url})`,
          type: "invalid_request_error",
        },
      }),
    );
    return;
  }
  upstreamCalls += 1;
  // Parsing the request is the one piece of work a real upstream cannot skip; it costs every target the same.
  const body = JSON.parse(text) as {
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  if (body.stream !== true) {
    response.writeHead(200, { "content-type": "application/json", "content-length": jsonLength });
    response.end(answers.json);
    return;
  }
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  const withUsage = body.stream_options?.include_usage === true;
  const recorded = mode === "manyChunks" ? stretched : answers;
  const frames = withUsage ? recorded.streamWithUsage : recorded.stream;
  const last = frames.length - 1;
  if (mode === "immediate") {
    for (let index = 0; index < last; index += 1) response.write(frames[index]);
    response.end(frames[last]);
    return;
  }
  for (let index = 0; index < last && !response.destroyed; index += 1) {
    response.write(frames[index]);
    await (mode === "paced" ? sleep(pacedFrameMs) : nextTurn());
  }
  response.end(frames[last]);
}

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  handle(request, response).catch(() => response.destroy());
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;

serveAsChild(
  `http://127.0.0.1:${port}`,
  async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  },
  () => ({ upstreamCalls }),
);
