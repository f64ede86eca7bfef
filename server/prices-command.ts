import { parseArgs } from "node:util";
import {
  defaultPriceSnapshotPath,
  describePriceData,
  PriceDataError,
  publishedPriceDataUrl,
  readPriceData,
  usePriceSnapshot,
  writePriceSnapshot,
} from "./gateway/price-data.ts";

export const pricesUsage = `Usage:
  switchboard prices                                 say which price data the server uses
  switchboard prices --update                        save the price package's published data
  switchboard prices --update --from <file|url>      the same from a file (offline) or another URL

Options:
      --update            download (or read --from) the data and save it as the snapshot
      --from <file|url>   a genai-prices data.json or a snapshot (default: ${publishedPriceDataUrl})
      --snapshot <path>   where the snapshot is (default: ${defaultPriceSnapshotPath});
                          the server reads ${defaultPriceSnapshotPath} at start when it exists
  -h, --help              show this help`;

interface Output {
  log(message: string): void;
  error(message: string): void;
}

/**
 * `switchboard prices`: refreshes the price data without a new release. Returns the exit code
 * (main.ts exits with it): 0 done, 1 the data could not be read or is not price data, 2 usage.
 */
export async function runPricesCommand(
  argv: string[],
  output: Output = { log: console.log, error: console.error },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        update: { type: "boolean" },
        from: { type: "string" },
        snapshot: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
    if (values.from !== undefined && !values.update) throw new Error("--from goes with --update");
  } catch (error) {
    output.error(`switchboard prices: ${(error as Error).message}\n\n${pricesUsage}`);
    return 2;
  }
  if (values.help) {
    output.log(pricesUsage);
    return 0;
  }
  const snapshotPath = values.snapshot ?? defaultPriceSnapshotPath;
  try {
    if (!values.update) {
      output.log(`switchboard: prices: ${describePriceData(await usePriceSnapshot(snapshotPath))}`);
      return 0;
    }
    const source = values.from ?? publishedPriceDataUrl;
    const saved = writePriceSnapshot(snapshotPath, await readPriceData(source), source);
    output.log(
      `switchboard: saved the prices of ${saved.models} models from ${source} to ${snapshotPath}; the server uses them from its next start.`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof PriceDataError)) throw error;
    output.error(`switchboard prices: ${error.message}`);
    return 1;
  }
}
