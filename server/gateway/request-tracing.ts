/**
 * The spans the request pipeline opens (a completion, each upstream attempt), as an interface:
 * the core never sees OpenTelemetry's types, and a server without tracing passes nothing.
 * server/tracing.ts implements it over the OpenTelemetry SDK.
 */

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanHandle {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed (status ERROR, an exception event). */
  fail(error: unknown): void;
  /** Ends the span; later calls do nothing. */
  end(): void;
  /** Runs `work` with this span as the parent of spans started inside it (across awaits). */
  run<Value>(work: () => Value): Value;
}

export interface SpanStarter {
  /** A span under the current one (a completion: kind internal; an upstream attempt: kind client). */
  startSpan(name: string, attributes: SpanAttributes, kind: "internal" | "client"): SpanHandle;
}
