import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { startMockOpenAIUpstream } from "../test/support/mock-openai-upstream.ts";
import { serveAsChild } from "./child-process.ts";

/*
 * The zero-latency upstream: answers POST /v1/chat/completions at once, as JSON or as an SSE
 * stream. The bytes are recorded once, at start, from the test suite's mock upstream (so they
 * are OpenAI's documented shapes), then replayed: the mock itself rebuilds every body and keeps
 * every request in memory, which over a few hundred thousand requests would make the upstream,
 * not the proxy under test, the thing being measured.
 *
 * Run by hand: `npx tsx bench/serve-upstream.ts` prints `http://127.0.0.1:<port>`.
 */

interface RecordedAnswers {
  json: string;
  /** SSE frames (`data: ...\n\n`), written one by one like a real upstream. */
  stream: string[];
  streamWithUsage: string[];
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

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const text = await readBody(request);
  if (request.method !== "POST" || !request.url?.endsWith("/chat/completions")) {
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
  const frames =
    body.stream_options?.include_usage === true ? answers.streamWithUsage : answers.stream;
  for (let index = 0; index < frames.length - 1; index += 1) response.write(frames[index]);
  response.end(frames[frames.length - 1]);
}

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  handle(request, response).catch(() => response.destroy());
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;

serveAsChild(`http://127.0.0.1:${port}`, async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
