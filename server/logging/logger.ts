import { pino, type DestinationStream, type Logger } from "pino";
import { createRequire } from "node:module";
import type { Config } from "../config.ts";

export type { Logger };

/**
 * Fields whose values never reach the output, whatever object they sit in: a second line of
 * defence (nothing here logs request headers or keys on purpose — see gateway-log.ts).
 */
const redactedPaths = [
  "authorization",
  "apiKey",
  "api_key",
  "secret",
  "masterKey",
  "password",
  "secretAccessKey",
  "sessionToken",
  "credentials",
  "headers.authorization",
  'headers["x-api-key"]',
  'headers["api-key"]',
  "*.authorization",
  "*.apiKey",
  "*.secret",
  "*.masterKey",
  "*.password",
  "*.secretAccessKey",
  "*.sessionToken",
  "*.headers.authorization",
  '*.headers["x-api-key"]',
  '*.headers["api-key"]',
];

export interface LoggerOptions {
  settings: Config["logging"];
  /** Where lines go: stdout by default; tests pass a stream to capture them. */
  destination?: DestinationStream | NodeJS.WritableStream;
}

/**
 * The process's logger (pino), made once in app.ts from `logging`: one JSON object per line
 * (`format: json`), or pino-pretty's coloured lines for a terminal (`format: pretty`, formatted
 * in this process, so it needs no worker thread and no network).
 *
 * Lines go to stdout as they are made (`sync: true`, pino's own default): one `write` per line on
 * the event loop's thread. Handing each write to libuv's thread pool instead (`sync: false`) cost
 * more CPU per request than the write itself — a wake-up of a pool thread and a callback back,
 * ~5% of a stream's CPU under load (issue 16) — and lost the last lines on a crash. A stdout
 * that stops reading holds the gateway back rather than filling its memory.
 */
export function createLogger({
  settings,
  destination = pino.destination({ dest: 1, sync: true }),
}: LoggerOptions): Logger {
  const options = {
    level: settings.level,
    base: { service: "switchboard" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: "[redacted]" },
  };
  if (settings.format === "pretty") {
    // Loaded for `format: pretty` only (~30 modules the JSON format never uses; issue 16, time to ready).
    const pinoPretty = createRequire(import.meta.url)(
      "pino-pretty",
    ) as typeof import("pino-pretty");
    return pino(
      options,
      pinoPretty({
        destination: destination as NodeJS.WritableStream,
        sync: true,
        ignore: "pid,hostname,service",
      }),
    );
  }
  return pino(options, destination);
}
