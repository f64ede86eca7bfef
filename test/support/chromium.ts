import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it). CHROMIUM_PATH overrides. */
const candidates = [
  process.env.CHROMIUM_PATH,
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
].filter((candidate): candidate is string => Boolean(candidate));

/*
 * This machine type has no route to Google's hosts: without the networking flags Chromium keeps
 * trying to reach them and stalls. Playwright adds a fresh temporary --user-data-dir itself.
 */
const quietFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Starts headless Chromium; fails (never skips) with the fix when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = candidates.find((candidate) => existsSync(candidate));
  if (!executablePath)
    throw new Error(
      `Chromium is not installed (looked for ${candidates.join(", ")}): run \`apt-get install -y chromium\` (.ci/run does), or set CHROMIUM_PATH.`,
    );
  return chromium.launch({ executablePath, headless: true, args: quietFlags });
}

/** Where browser tests leave their screenshots for a reviewer (git-ignored; kept by CI as artifacts). */
export const screenshotDirectory = path.resolve(
  import.meta.dirname,
  "../../test-artifacts/screenshots",
);

/** Saves a full-page screenshot of `page` as test-artifacts/screenshots/<name>.png. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDirectory, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDirectory, `${name}.png`), fullPage: true });
}
