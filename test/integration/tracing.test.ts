// OpenTelemetry traces against a local OTLP/HTTP collector stand-in: the official exporter posts
// real OTLP (JSON) to it; the test reads the span tree back.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTracing } from "../../server/tracing.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  status?: { code?: number };
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** Receives OTLP/HTTP trace exports and keeps their spans. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const contentTypes: string[] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      contentTypes.push(`${request.method} ${request.url} ${request.headers["content-type"]}`);
      const payload = JSON.parse(body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
      };
      for (const resource of payload.resourceSpans)
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function attribute(span: ExportedSpan, key: string): unknown {
  const value = span.attributes.find((entry) => entry.key === key)?.value;
  return value && Object.values(value)[0];
}

describe("OpenTelemetry traces", () => {
  let upstream: MockUpstream;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let gateway: TestApp;

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    collector = await startCollector();
    gateway = await startTestApp(
      {
        models: [
          mockModel(upstream.baseUrl, "gpt-4o-mini", {
            pricing: { inputPerMillion: 1, outputPerMillion: 1 },
          }),
        ],
        router: { retries: 1 },
      },
      { tracingEnvironment: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    await collector?.stop();
    await upstream?.stop();
  });

  it("is off, and loads nothing, without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    expect(await startTracing({})).toBeUndefined();
  });

  it("exports each request as HTTP → completion → attempts, continuing the caller's traceparent, with GenAI attributes", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpanId = "00f067aa0ba902b7";
    upstream.enqueue({ type: "error", status: 500, body: { error: { message: "boom" } } });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 20,
        temperature: 0.2,
      }),
    });
    expect(response.status).toBe(200);
    await response.text();

    await expect
      .poll(() => collector.spans.filter((span) => span.traceId === traceId).length, {
        timeout: 5_000,
      })
      .toBeGreaterThanOrEqual(4);
    const spans = collector.spans.filter((span) => span.traceId === traceId);
    const http = spans.find((span) => span.name === "POST /v1/chat/completions")!;
    expect(http.parentSpanId).toBe(callerSpanId);
    expect(attribute(http, "http.response.status_code")).toBe(200);
    const completion = spans.find((span) => span.name === "chat gpt-4o-mini" && span.kind === 1)!;
    expect(completion.parentSpanId).toBe(http.spanId);
    expect(attribute(completion, "gen_ai.operation.name")).toBe("chat");
    expect(attribute(completion, "gen_ai.request.model")).toBe("gpt-4o-mini");
    expect(attribute(completion, "gen_ai.request.max_tokens")).toBe(20);
    expect(attribute(completion, "gen_ai.request.temperature")).toBe(0.2);
    expect(attribute(completion, "gen_ai.provider.name")).toBe("openai");
    expect(attribute(completion, "gen_ai.usage.input_tokens")).toBe(12);
    expect(attribute(completion, "gen_ai.usage.output_tokens")).toBe(7);
    expect(attribute(completion, "switchboard.attempts")).toBe(2);
    const attempts = spans
      .filter((span) => span.parentSpanId === completion.spanId)
      .sort((left, right) =>
        Number(attribute(left, "switchboard.attempt")) >
        Number(attribute(right, "switchboard.attempt"))
          ? 1
          : -1,
      );
    expect(
      attempts.map((span) => [span.name, span.kind, attribute(span, "switchboard.attempt")]),
    ).toEqual([
      ["chat gpt-4o-mini", 3, 1],
      ["chat gpt-4o-mini", 3, 2],
    ]);
    expect(attempts[0].status?.code).toBe(2); // ERROR: the provider's 500
    expect(attribute(attempts[0], "http.response.status_code")).toBe(500);
    expect(attempts[1].status?.code ?? 0).not.toBe(2);
    expect(collector.contentTypes[0]).toMatch(/^POST \/v1\/traces application\/json/);
  });

  it("starts a new trace when the caller sends none, and traces GraphQL too", async () => {
    const before = new Set(collector.spans.map((span) => span.traceId));
    const { data } = await fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation { createChatCompletion(input: { model: "gpt-4o-mini", messages: [{ role: USER, content: "hi" }] }) { __typename } }`,
      }),
    }).then((response) => response.json());
    expect(data.createChatCompletion.__typename).toBe("ChatCompletion");
    await expect
      .poll(
        () =>
          collector.spans.filter(
            (span) => !before.has(span.traceId) && span.name === "POST /graphql",
          ).length,
        { timeout: 5_000 },
      )
      .toBe(1);
    const http = collector.spans.find(
      (span) => !before.has(span.traceId) && span.name === "POST /graphql",
    )!;
    expect(http.parentSpanId ?? "").toBe("");
    const completion = collector.spans.find((span) => span.parentSpanId === http.spanId);
    expect(completion?.name).toBe("chat gpt-4o-mini");
  });
});
