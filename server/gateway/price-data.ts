import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import {
  REMOTE_DATA_JSON_URL,
  updatePrices,
  waitForUpdate,
  type Provider,
} from "@pydantic/genai-prices";
import { z } from "zod";

/*
 * Price data newer than the installed release: `switchboard prices --update` saves the price
 * package's published data (or a file) as a snapshot, and the server prices with it from its
 * next start. The snapshot holds the package's own format (its data.json, v2), so the package's
 * calculation rules read it unchanged.
 */

/** Where the snapshot lives: beside the default SQLite database, relative to the working directory. */
export const defaultPriceSnapshotPath = path.join(".switchboard", "prices.json");
/** The price package's published data, the default source of `switchboard prices --update`. */
export const publishedPriceDataUrl = REMOTE_DATA_JSON_URL;

export class PriceDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PriceDataError";
  }
}

/** What the server prices with: the data bundled in the installed package, or a snapshot. */
export type PriceDataInUse =
  | { kind: "bundled"; packageVersion: string; models: number }
  | { kind: "snapshot"; path: string; savedAt: string; source: string; models: number };

interface PriceSnapshot {
  savedAt: string;
  source: string;
  providers: Provider[];
}

// The shape the package needs to price with; anything more (descriptions, extractors) passes through.
const providerSchema = z
  .object({
    id: z.string().min(1),
    name: z.string(),
    api_pattern: z.string(),
    models: z.array(
      z
        .object({
          id: z.string().min(1),
          match: z.record(z.string(), z.unknown()),
          prices: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]),
        })
        .passthrough(),
    ),
  })
  .passthrough();
const providersSchema = z.array(providerSchema).min(1, "the price data lists no provider");
const snapshotSchema = z.object({
  savedAt: z.string(),
  source: z.string(),
  providers: providersSchema,
});

/**
 * Price data from `text`: the package's data.json (a list of providers) or a snapshot of ours.
 * Throws PriceDataError naming `origin` and what is wrong.
 */
export function parsePriceData(text: string, origin: string): Provider[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PriceDataError(`${origin} is not JSON: ${(error as Error).message}`);
  }
  const parsed = Array.isArray(json)
    ? providersSchema.safeParse(json)
    : snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PriceDataError(
      `${origin} is not genai-prices data: ${issue.path.join(".") || "top level"}: ${issue.message}`,
    );
  }
  const providers = (Array.isArray(parsed.data)
    ? parsed.data
    : parsed.data.providers) as unknown as Provider[];
  // The package's own check (price constraints, units); it throws with the provider and model named.
  activate(providers, origin);
  return providers;
}

/** Reads price data from a file or an http(s) URL. */
export async function readPriceData(
  from: string,
  fetchText: (url: string) => Promise<string> = fetchTextOf,
): Promise<Provider[]> {
  if (/^https?:\/\//.test(from)) {
    let text: string;
    try {
      text = await fetchText(from);
    } catch (error) {
      throw new PriceDataError(
        `cannot download ${from}: ${(error as Error).message}. Download it on a machine that can and run 'switchboard prices --update --from <file>'.`,
        { cause: error },
      );
    }
    return parsePriceData(text, from);
  }
  if (!existsSync(from)) throw new PriceDataError(`no such file: ${from}`);
  return parsePriceData(readFileSync(from, "utf8"), from);
}

async function fetchTextOf(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

/** Saves `providers` as the snapshot at `snapshotPath` (written whole, then renamed into place). */
export function writePriceSnapshot(
  snapshotPath: string,
  providers: Provider[],
  source: string,
  now: Date = new Date(),
): PriceDataInUse {
  const snapshot: PriceSnapshot = { savedAt: now.toISOString(), source, providers };
  mkdirSync(path.dirname(snapshotPath), { recursive: true });
  const partial = `${snapshotPath}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(snapshot));
  renameSync(partial, snapshotPath);
  return {
    kind: "snapshot",
    path: snapshotPath,
    savedAt: snapshot.savedAt,
    source,
    models: modelCount(providers),
  };
}

/**
 * Prices from the snapshot at `snapshotPath` when there is one (for this whole process: the
 * package keeps one set of data), else from the bundled data. A snapshot that cannot be read is
 * an error rather than a silent fall back to older prices.
 */
export async function usePriceSnapshot(
  snapshotPath: string = defaultPriceSnapshotPath,
): Promise<PriceDataInUse> {
  if (!existsSync(snapshotPath)) return bundledPriceData();
  let snapshot: PriceSnapshot;
  try {
    snapshot = snapshotSchema.parse(
      JSON.parse(readFileSync(snapshotPath, "utf8")),
    ) as unknown as PriceSnapshot;
  } catch (error) {
    throw new PriceDataError(
      `the price snapshot ${snapshotPath} cannot be read (${(error as Error).message}); run 'switchboard prices --update' again or delete it to use the bundled prices.`,
      { cause: error },
    );
  }
  activate(snapshot.providers, snapshotPath);
  return {
    kind: "snapshot",
    path: snapshotPath,
    savedAt: snapshot.savedAt,
    source: snapshot.source,
    models: modelCount(snapshot.providers),
  };
}

/** One line saying which price data is in use (the banner and `switchboard prices`). */
export function describePriceData(data: PriceDataInUse): string {
  return data.kind === "bundled"
    ? `bundled with @pydantic/genai-prices ${data.packageVersion} (${data.models} models); refresh with 'switchboard prices --update'`
    : `snapshot ${data.path} saved ${data.savedAt} from ${data.source} (${data.models} models)`;
}

function activate(providers: Provider[], origin: string): void {
  try {
    updatePrices(({ setProviderData }) => setProviderData(providers));
  } catch (error) {
    throw new PriceDataError(`${origin} is not usable price data: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function bundledPriceData(): Promise<PriceDataInUse> {
  const entry = createRequire(import.meta.url).resolve("@pydantic/genai-prices");
  const manifest = JSON.parse(
    readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8"),
  ) as { version: string };
  return {
    kind: "bundled",
    packageVersion: manifest.version,
    models: modelCount((await waitForUpdate()) ?? []),
  };
}

function modelCount(providers: Provider[]): number {
  return providers.reduce((sum, provider) => sum + provider.models.length, 0);
}
