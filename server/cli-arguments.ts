import { parseArgs } from "node:util";
import type { ConfigOverrides } from "./config.ts";

export const usage = `Usage:
  switchboard                                  use ./switchboard.yaml if present, else defaults
  switchboard --config switchboard.yaml [--port 4000] [--host 127.0.0.1]
  switchboard --model openai/gpt-4o --api-key sk-... [--api-base URL]   one-model proxy
  switchboard --demo                           add a built-in echo model to try it without a provider key
  switchboard prices [--update [--from <file|url>]]   show or refresh the price data (see: switchboard prices --help)
  switchboard convert-config litellm.yaml [--output switchboard.yaml]   a LiteLLM proxy config as switchboard.yaml
                                               (--config also starts from a LiteLLM config directly)

Options:
  -c, --config <file>     YAML config (see README)
  -p, --port <port>       port to listen on (default 4000; 0 picks a free one)
      --host <host>       address to bind (default 127.0.0.1; others need a master key)
  -m, --model <name>      serve one model: provider/model (openai/gpt-4o) or a bare model id
      --api-key <key>     the provider key for --model (default: the provider's env var)
      --api-base <url>    the provider endpoint for --model (any OpenAI-compatible server)
      --demo              also serve 'demo-echo', a built-in model that echoes your message
                          (provider 'demo': realistic token counts, streaming and a price; no real model)
  -h, --help              show this help`;

export class CliUsageError extends Error {}

/** Parses the command line into config overrides; throws CliUsageError with a clear message. */
export function parseCliArguments(argv: string[]): ConfigOverrides & { help: boolean } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        model: { type: "string", short: "m" },
        "api-key": { type: "string" },
        "api-base": { type: "string" },
        demo: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new CliUsageError((error as Error).message);
  }
  const { values } = parsed;
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new CliUsageError(
        `--port must be a whole number from 0 to 65535, got '${values.port}'`,
      );
  }
  if ((values["api-key"] || values["api-base"]) && !values.model)
    throw new CliUsageError("--api-key and --api-base go with --model");
  return {
    help: values.help ?? false,
    configPath: values.config,
    port,
    host: values.host,
    model: values.model,
    apiKey: values["api-key"],
    apiBase: values["api-base"],
    demo: values.demo ?? false,
  };
}
