import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../server/gateway/errors.ts";
import {
  isContextLengthError,
  openAIConnectionError,
  openAIHttpError,
  openAIInvalidResponseError,
  openAIPayloadError,
  parseRetryAfterMs,
} from "../../server/gateway/providers/openai/openai-error.ts";
import { readOpenAIFixture } from "../support/mock-openai-upstream.ts";

const now = Date.parse("2025-03-10T12:00:00Z");
const openAIBody = (error: Record<string, unknown>) =>
  JSON.stringify({
    error: { message: "failed", type: "invalid_request_error", param: null, code: null, ...error },
  });

function httpError(
  status: number,
  bodyText = openAIBody({}),
  headers: Record<string, string | string[]> = {},
) {
  return openAIHttpError({ provider: "openai", status, headers, bodyText, now });
}

describe("openAIHttpError", () => {
  it.each([
    // status, retryable, the status the gateway's caller sees
    [400, false, 400],
    [401, false, 502],
    [403, false, 502],
    [404, false, 404],
    [408, true, 408],
    [409, true, 409],
    [422, false, 422],
    [429, true, 429],
    [500, true, 502],
    [502, true, 502],
    [503, true, 502],
    [529, true, 502],
  ])("HTTP %i: retryable %s, answered as %i", (status, retryable, restStatus) => {
    const error = httpError(status);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      provider: "openai",
      kind: "http",
      upstreamStatus: status,
      isRetryable: retryable,
      status: restStatus,
      code: "PROVIDER_ERROR",
    });
  });

  it("takes message and code from OpenAI's error body, falling back to its type", () => {
    const limited = httpError(429, JSON.stringify(readOpenAIFixture("error-429.json")));
    expect(limited.message).toMatch(/^openai answered HTTP 429: Rate limit reached for gpt-4o/);
    expect(limited.upstreamCode).toBe("rate_limit_exceeded");
    expect(httpError(500, JSON.stringify(readOpenAIFixture("error-500.json"))).upstreamCode).toBe(
      "server_error",
    );
    // OpenRouter sends the status as a numeric code.
    expect(
      httpError(402, JSON.stringify({ error: { message: "Insufficient credits", code: 402 } }))
        .upstreamCode,
    ).toBe("402");
  });

  it.each([
    ["seconds", { "retry-after": "3" }, 3000],
    ["fractional seconds", { "retry-after": "1.5" }, 1500],
    ["an HTTP date", { "retry-after": "Mon, 10 Mar 2025 12:00:07 GMT" }, 7000],
    ["a date in the past", { "retry-after": "Mon, 10 Mar 2025 11:59:00 GMT" }, 0],
    ["milliseconds", { "retry-after-ms": "250" }, 250],
    ["milliseconds over seconds", { "retry-after-ms": "120", "retry-after": "9" }, 120],
    ["a repeated header", { "retry-after": ["4", "8"] }, 4000],
    ["nonsense", { "retry-after": "soon" }, undefined],
    ["nonsense milliseconds, then seconds", { "retry-after-ms": "abc", "retry-after": "2" }, 2000],
    ["no header", {}, undefined],
  ])("reads retry-after as %s", (_case, headers, expected) => {
    expect(httpError(429, openAIBody({}), headers).retryAfterMs).toBe(expected);
    expect(parseRetryAfterMs(headers, now)).toBe(expected);
  });

  it.each([
    [
      "HTML",
      "<html><body><h1>502 Bad Gateway</h1></body></html>",
      "<html><body><h1>502 Bad Gateway</h1></body></html>",
    ],
    [
      "plain text",
      "upstream connect error or disconnect/reset before headers",
      "upstream connect error",
    ],
    ["JSON that is not OpenAI's", '{"detail":"Not Found"}', '{"detail":"Not Found"}'],
    ["nothing", "", "(empty body)"],
  ])("keeps the text of a non-OpenAI body (%s)", (_case, bodyText, expected) => {
    const error = httpError(502, bodyText);
    expect(error.message).toContain(expected);
    expect(error.upstreamCode).toBeUndefined();
    expect(error.isRetryable).toBe(true);
  });

  it("shortens a long raw body", () => {
    const error = httpError(500, `<html>${"x".repeat(5000)}</html>`);
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toMatch(/…$/);
  });

  it.each([
    ["OpenAI's code", 400, readOpenAIFixture("error-context-length.json"), true],
    [
      "vLLM's message",
      400,
      {
        error: {
          message:
            "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
          type: "BadRequestError",
          code: 400,
        },
      },
      true,
    ],
    [
      "llama.cpp's type",
      400,
      {
        error: {
          message: "the request exceeds the available context size",
          type: "exceed_context_size_error",
          code: 400,
        },
      },
      true,
    ],
    [
      "Groq's message",
      400,
      {
        error: {
          message: "Please reduce the length of the messages or completion.",
          type: "invalid_request_error",
          code: "context_length_exceeded",
        },
      },
      true,
    ],
    [
      "Anthropic-style message on 413",
      413,
      { error: { message: "prompt is too long: 210000 tokens > 200000 maximum" } },
      true,
    ],
    [
      "a plain bad request",
      400,
      {
        error: {
          message: "Invalid value for 'temperature'",
          type: "invalid_request_error",
          param: "temperature",
        },
      },
      false,
    ],
    [
      "a token rate limit",
      429,
      {
        error: {
          message: "Rate limit reached on tokens per min; too many tokens",
          type: "tokens",
          code: "rate_limit_exceeded",
        },
      },
      false,
    ],
  ])("detects a context-length error: %s", (_case, status, body, expected) => {
    const error = httpError(status, JSON.stringify(body));
    expect(error.isContextLengthExceeded).toBe(expected);
    if (expected) expect(error.isRetryable).toBe(false);
  });

  it("masks the API key should the upstream echo it", () => {
    const error = openAIHttpError({
      provider: "openai-compatible",
      status: 401,
      headers: {},
      bodyText: openAIBody({ message: "Invalid key sk-live-0123456789abcdef" }),
      secrets: ["sk-live-0123456789abcdef"],
    });
    expect(error.message).not.toContain("sk-live-0123456789abcdef");
    expect(error.message).toContain("[redacted]");
  });
});

describe("openAIPayloadError", () => {
  it("turns an error event inside a 2xx into an http failure, numeric codes as the status", () => {
    expect(
      openAIPayloadError("openai-compatible", {
        error: { message: "Provider returned error", code: 502 },
      }),
    ).toMatchObject({ kind: "http", upstreamStatus: 502, isRetryable: true });
    expect(
      openAIPayloadError("openai", {
        error: { message: "The server had an error", type: "server_error", code: null },
      }),
    ).toMatchObject({ upstreamStatus: undefined, isRetryable: true, upstreamCode: "server_error" });
    expect(
      openAIPayloadError("openai", {
        error: { message: "too long", code: "context_length_exceeded" },
      }),
    ).toMatchObject({ isContextLengthExceeded: true });
  });
});

describe("openAIConnectionError", () => {
  it.each([
    [
      "a refused connection",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      "connection",
    ],
    ["a reset", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), "connection"],
    [
      "a socket closed mid-body",
      Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }),
      "connection",
    ],
    [
      "a connect timeout",
      Object.assign(new Error("Connect Timeout Error"), { code: "UND_ERR_CONNECT_TIMEOUT" }),
      "connection",
    ],
    [
      "a headers timeout",
      Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" }),
      "timeout",
    ],
    [
      "a body timeout",
      Object.assign(new Error("Body Timeout Error"), { code: "UND_ERR_BODY_TIMEOUT" }),
      "timeout",
    ],
    ["something thrown that is not an Error", "boom", "connection"],
  ])("classifies %s", (_case, cause, kind) => {
    const error = openAIConnectionError("openai", cause);
    expect(error).toMatchObject({ kind, isRetryable: true, upstreamStatus: undefined, cause });
    expect(error.message).toMatch(/^openai connection/);
  });

  it("leaves an UpstreamError as it is", () => {
    const original = httpError(429);
    expect(openAIConnectionError("openai", original)).toBe(original);
  });
});

describe("openAIInvalidResponseError", () => {
  it("is not retryable: the same request would get the same garbage", () => {
    expect(
      openAIInvalidResponseError("openai", "the response is not JSON", { status: 200 }),
    ).toMatchObject({
      kind: "invalid-response",
      isRetryable: false,
      upstreamStatus: 200,
      status: 502,
    });
  });
});

describe("isContextLengthError", () => {
  it("trusts codes on any status but messages only on bad-request statuses", () => {
    expect(isContextLengthError({ status: 500, code: "context_length_exceeded" })).toBe(true);
    expect(isContextLengthError({ status: 500, message: "maximum context length exceeded" })).toBe(
      false,
    );
    expect(isContextLengthError({ status: 400, message: "maximum context length exceeded" })).toBe(
      true,
    );
  });
});
