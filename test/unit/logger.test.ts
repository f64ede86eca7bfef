import { spawnSync } from "node:child_process";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createGatewayLog, reportProblemTo } from "../../server/logging/gateway-log.ts";
import { createLogger } from "../../server/logging/logger.ts";

/** A logger writing into memory, and what it wrote so far. */
function capturedLogger(level: "info" | "warn", format: "json" | "pretty" = "json") {
  let text = "";
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger({ settings: { level, format, storeBodies: false }, destination });
  return { logger, text: () => text };
}

describe("logger", () => {
  it("has each line on stdout by the time the call returns, so a process killed right after keeps it", () => {
    const logger = new URL("../../server/logging/logger.ts", import.meta.url).href;
    const child = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        `const { createLogger } = await import(${JSON.stringify(logger)});
         const log = createLogger({ settings: { level: "info", format: "json", storeBodies: false } });
         for (let line = 0; line < 3; line += 1) log.info({ line }, "before the kill");
         process.kill(process.pid, "SIGKILL");`,
      ],
      { encoding: "utf8", timeout: 20_000 },
    );
    expect(child.signal).toBe("SIGKILL");
    const lines = child.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.line)).toEqual([0, 1, 2]);
  });

  it("writes one JSON object per line at the configured level and above", () => {
    const { logger, text } = capturedLogger("warn");
    logger.info("not written");
    logger.warn({ deployment: "openai:a#0" }, "written");
    const lines = text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 40,
      msg: "written",
      deployment: "openai:a#0",
      service: "switchboard",
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it("redacts credentials wherever an object carries them", () => {
    const { logger, text } = capturedLogger("info");
    logger.info(
      {
        apiKey: "sk-top-level-secret",
        headers: { authorization: "Bearer sk-header-secret", "x-api-key": "sk-x-api-key-secret" },
        entry: { apiKey: "sk-nested-secret", secretAccessKey: "aws-secret-value" },
      },
      "with secrets",
    );
    const written = text();
    for (const secret of [
      "sk-top-level-secret",
      "sk-header-secret",
      "sk-x-api-key-secret",
      "sk-nested-secret",
      "aws-secret-value",
    ])
      expect(written).not.toContain(secret);
    expect(JSON.parse(written)).toMatchObject({
      apiKey: "[redacted]",
      headers: { authorization: "[redacted]", "x-api-key": "[redacted]" },
      entry: { apiKey: "[redacted]", secretAccessKey: "[redacted]" },
    });
  });

  it("formats lines for a terminal with format: pretty", () => {
    const { logger, text } = capturedLogger("info", "pretty");
    logger.warn({ deployment: "openai:a#0" }, "deployment cools down");
    const written = text();
    expect(written).toMatch(/WARN.*deployment cools down/);
    expect(written).toContain('deployment: "openai:a#0"');
    expect(() => JSON.parse(written)).toThrow();
  });

  it("reports problems as errors with their stack, and news without an error as a warning", () => {
    const { logger, text } = capturedLogger("info");
    const report = reportProblemTo(logger);
    report("writing request logs failed; 3 kept for retry", new Error("disk full"));
    report("2 request logs could not be written before stopping", undefined);
    const [failure, news] = text()
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(failure).toMatchObject({
      level: 50,
      msg: "writing request logs failed; 3 kept for retry",
    });
    expect(failure.err).toMatchObject({ type: "Error", message: "disk full" });
    expect(failure.err.stack).toMatch(/\n\s+at /);
    expect(news).toMatchObject({ level: 40 });
    expect(news.err).toBeUndefined();
  });

  it("names a key by its prefix and a team by its name in a request line", () => {
    const { logger, text } = capturedLogger("info");
    const log = createGatewayLog({
      logger,
      directory: {
        key: (id) => (id === "key_1" ? ({ prefix: "sk-sb-AbCd" } as never) : undefined),
        team: (id) => (id === "team_1" ? ({ name: "research" } as never) : undefined),
      },
    });
    log.request({
      id: "req_1",
      createdAt: new Date(0),
      apiKeyId: "key_1",
      teamId: "team_1",
      source: "rest",
      requestedModel: "gpt-4o",
      status: "cache_hit",
      promptTokens: 3,
      completionTokens: 4,
      cachedTokens: 0,
      reasoningTokens: 0,
      costNanoUsd: 0n,
      usageEstimated: false,
      latencyMs: 2,
      stream: false,
      attempts: [],
    });
    expect(JSON.parse(text())).toMatchObject({
      level: 30,
      requestId: "req_1",
      keyPrefix: "sk-sb-AbCd",
      team: "research",
      status: "cache_hit",
      cache: "hit",
      attempts: 0,
      costUsd: "0",
    });
  });

  it("writes the request line exactly as pino writes the same fields, and not below its level", () => {
    const entry = {
      id: "req_2",
      createdAt: new Date(0),
      apiKeyId: "key_1",
      source: "rest" as const,
      requestedModel: 'gpt-4o "quoted" \u00e9',
      status: "success" as const,
      promptTokens: 3,
      completionTokens: 4,
      cachedTokens: 0,
      reasoningTokens: 0,
      costNanoUsd: 1234n,
      usageEstimated: false,
      latencyMs: 2,
      stream: true,
      timeToFirstTokenMs: 1,
      attempts: [],
    };
    const fast = capturedLogger("info");
    createGatewayLog({ logger: fast.logger }).request(entry);
    const line = fast.text();
    expect(line.endsWith("}\n")).toBe(true);
    const { time, ...written } = JSON.parse(line);
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT/);
    // What pino itself writes for the line's fields and message.
    const reference = capturedLogger("info");
    const { time: _time, ...fields } = written;
    const { level: _level, service: _service, msg, ...rest } = fields;
    reference.logger.info(rest, msg);
    const { time: _referenceTime, ...expected } = JSON.parse(reference.text());
    expect(written).toEqual(expected);
    expect(Object.keys(written)).toEqual(Object.keys(expected));
    expect(written).toMatchObject({
      msg: 'gpt-4o "quoted" \u00e9 success',
      costUsd: "0.000001234",
    });

    const quiet = capturedLogger("warn");
    createGatewayLog({ logger: quiet.logger }).request(entry);
    expect(quiet.text()).toBe("");
  });

  it("writes the request line through pino-pretty when the format is pretty", () => {
    const { logger, text } = capturedLogger("info", "pretty");
    createGatewayLog({ logger }).request({
      id: "req_3",
      createdAt: new Date(0),
      source: "rest",
      requestedModel: "gpt-4o",
      status: "success",
      promptTokens: 1,
      completionTokens: 1,
      cachedTokens: 0,
      reasoningTokens: 0,
      costNanoUsd: 0n,
      usageEstimated: false,
      latencyMs: 1,
      stream: false,
      attempts: [],
    });
    expect(text()).toMatch(/INFO.*gpt-4o success/);
    expect(text()).toMatch(/requestId: "req_3"/);
  });
});
