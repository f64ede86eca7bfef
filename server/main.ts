// First: holds the young generation at its initial size while the rest is evaluated.
import "./young-generation-held.ts";
import { createApp } from "./app.ts";
import { CliUsageError, parseCliArguments, usage } from "./cli-arguments.ts";
import { ConfigError, configuredModelNames, loadConfig, type Config } from "./config.ts";
import {
  describePriceData,
  PriceDataError,
  usePriceSnapshot,
  type PriceDataInUse,
} from "./gateway/price-data.ts";
import { loadTokenEncodings } from "./gateway/tokens.ts";
import { runConvertConfigCommand } from "./litellm/convert-config-command.ts";
import { runPricesCommand } from "./prices-command.ts";
import { useServerV8Flags } from "./server-v8-flags.ts";

/** The CLI: parse args -> load config -> create the app -> start. The only place that exits. */
async function main(): Promise<void> {
  if (process.argv[2] === "prices") process.exit(await runPricesCommand(process.argv.slice(3)));
  if (process.argv[2] === "convert-config")
    process.exit(runConvertConfigCommand(process.argv.slice(3)));
  let config: Config;
  let demo = false;
  try {
    const options = parseCliArguments(process.argv.slice(2));
    if (options.help) {
      console.log(usage);
      return;
    }
    // A LiteLLM config says what it mapped and ignored before the server starts.
    const notices: string[] = [];
    config = loadConfig(options, undefined, undefined, notices);
    if (notices.length > 0) console.log(notices.join("\n"));
    demo = options.demo ?? false;
  } catch (error) {
    if (error instanceof CliUsageError) {
      console.error(`switchboard: ${error.message}\n\n${usage}`);
      process.exit(2);
    }
    if (error instanceof ConfigError) {
      console.error(`switchboard: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }

  useServerV8Flags();
  let app;
  let prices: PriceDataInUse;
  try {
    // Both before the app: the snapshot's prices from the first request, and the tokenizer's
    // half second of loading before the port opens rather than during the first request.
    [prices] = await Promise.all([
      usePriceSnapshot(),
      loadTokenEncodings(configuredModelNames(config)),
    ]);
    app = await createApp(config);
  } catch (error) {
    console.error(
      `switchboard: ${error instanceof ConfigError || error instanceof PriceDataError ? error.message : `cannot start: ${(error as Error).message}`}`,
    );
    process.exit(error instanceof ConfigError || error instanceof PriceDataError ? 78 : 1);
  }
  const { url, port } = await app.start().catch((error: Error) => {
    console.error(
      `switchboard: cannot listen on ${config.server.host}:${config.server.port}: ${error.message}`,
    );
    process.exit(1);
  });

  // Before the banner: whoever reads it may stop the process at once (a supervisor, a test),
  // and a signal that arrived before these handlers would kill it without flushing the logs.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `switchboard: ${signal} received, finishing in-flight requests and writing logs...`,
    );
    app.stop().then(
      () => {
        console.log("switchboard: stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        console.error("switchboard: error while stopping:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  const models = app.services.models.list();
  console.log(
    [
      `Switchboard is running (port ${port}).`,
      `  GraphQL:   ${url}/graphql   (queries, mutations; subscriptions over graphql-ws and SSE)`,
      `  REST:      ${url}/v1        (OpenAI-compatible: set your SDK's baseURL to this)`,
      `  Anthropic: ${url}/v1/messages   (Claude Code: ANTHROPIC_BASE_URL=${url})`,
      `  Responses: ${url}/v1/responses  (Codex: base_url = "${url}/v1", wire_api = "responses")`,
      `  Dashboard: ${url}/dashboard`,
      `  Metrics:   ${url}/metrics`,
      `  Health:    ${url}/health (alive)   ${url}/ready (database${config.redis ? " and Redis" : ""} answer; 503 while stopping)`,
      `  Database:  ${withoutPassword(config.database.url)}`,
      ...(config.redis
        ? [
            `  Redis:     ${withoutPassword(config.redis.url)} (shared limits, budgets, keys, events, cooldowns${config.cache.enabled ? ", cache" : ""}; ${config.redis.failOpen ? "failOpen: counts locally while it is down" : "while it is down, checked requests get 503"})`,
          ]
        : []),
      `  Prices:    ${describePriceData(prices)}`,
      `  Models:    ${models.length > 0 ? models.map((model) => `${model.name} (${model.provider})`).join(", ") : "none: add models to switchboard.yaml, set OPENAI_API_KEY (or another provider's key), or try --demo"}`,
      ...(demo
        ? [
            `  Demo:      'demo-echo' is a built-in echo model, not a real one. Add a real model: list it under models: in switchboard.yaml, or set OPENAI_API_KEY / ANTHROPIC_API_KEY / GEMINI_API_KEY and restart.`,
          ]
        : []),
      config.auth.masterKey
        ? "  Auth:      master key required (Authorization: Bearer <key>)"
        : "  Auth:      off (no master key): serving on loopback only",
    ].join("\n"),
  );
}

await main();

/** A URL as the banner prints it: a password in it never reaches the terminal or the logs. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}
