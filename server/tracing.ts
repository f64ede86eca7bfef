/*
 * OpenTelemetry traces (issue 14): with `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) set, each request is a span tree — the HTTP request, the
 * completion, each upstream attempt — with the GenAI semantic conventions' attributes, exported
 * over OTLP/HTTP by the official exporter; an incoming `traceparent` is continued. Without the
 * variable nothing here is loaded or called: `startTracing` returns undefined and every caller
 * checks for that, so tracing costs nothing when it is off.
 *
 * The rest of the server sees only `RequestTracing`: spans to start, attributes to set, a
 * function to run inside a span. No OpenTelemetry type leaks into the request path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { SpanAttributes, SpanHandle, SpanStarter } from "./gateway/request-tracing.ts";

export interface RequestTracing extends SpanStarter {
  /** Wraps one HTTP request: continues its `traceparent`, ends when the response is done. */
  traceHttp(
    request: IncomingMessage,
    response: ServerResponse,
    route: string,
    handle: () => Promise<void>,
  ): Promise<void>;
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

/** Tracing as the environment asks for it (OpenTelemetry's standard variables), or undefined. */
export async function startTracing(
  environment: NodeJS.ProcessEnv = process.env,
): Promise<RequestTracing | undefined> {
  const tracesEndpoint = environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const endpoint = environment.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!tracesEndpoint && !endpoint) return undefined;
  // Loaded only when tracing is on: the SDK and the exporter stay out of a gateway without it.
  const [api, { W3CTraceContextPropagator }, sdk, { OTLPTraceExporter }, resources] =
    await Promise.all([
      import("@opentelemetry/api"),
      import("@opentelemetry/core"),
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const { context, trace, SpanKind, SpanStatusCode } = api;
  const exporter = new OTLPTraceExporter({
    // The signal-specific variable is the full URL; the general one is a base (OTLP spec).
    url: tracesEndpoint ?? `${endpoint!.replace(/\/$/, "")}/v1/traces`,
  });
  const provider = new sdk.NodeTracerProvider({
    resource: resources.resourceFromAttributes({
      "service.name": environment.OTEL_SERVICE_NAME ?? "switchboard",
    }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
  });
  // The context manager (AsyncLocalStorage) and the W3C propagator are process-wide; the tracer
  // stays this app's, so several apps in one process (tests) each export their own spans.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracer = provider.getTracer("switchboard");
  const propagator = new W3CTraceContextPropagator();

  function handleOf(span: import("@opentelemetry/api").Span): SpanHandle {
    let ended = false;
    return {
      setAttributes: (attributes) => span.setAttributes(definedOnly(attributes)),
      fail(error) {
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: error instanceof Error ? error.message : String(error),
        });
        if (error instanceof Error) span.recordException(error);
      },
      end() {
        if (ended) return;
        ended = true;
        span.end();
      },
      run: (work) => context.with(trace.setSpan(context.active(), span), work),
    };
  }

  return {
    startSpan(name, attributes, kind) {
      return handleOf(
        tracer.startSpan(name, {
          kind: kind === "client" ? SpanKind.CLIENT : SpanKind.INTERNAL,
          attributes: definedOnly(attributes),
        }),
      );
    },
    traceHttp(request, response, route, handle) {
      const parent = propagator.extract(context.active(), request.headers, {
        get: (headers, key) => headers[key],
        keys: (headers) => Object.keys(headers),
      });
      const span = tracer.startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            "http.request.method": request.method ?? "GET",
            "url.path": (request.url ?? "/").split("?", 1)[0],
            "http.route": route,
          },
        },
        parent,
      );
      const handleSpan = handleOf(span);
      response.once("close", () => {
        span.setAttribute("http.response.status_code", response.statusCode);
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        handleSpan.end();
      });
      return context.with(trace.setSpan(parent, span), handle);
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

function definedOnly(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const defined: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(attributes))
    if (value !== undefined) defined[name] = value;
  return defined;
}
