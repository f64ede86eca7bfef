import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Page } from "playwright-core";
import { createApp } from "../server/app.ts";
import { configSchema, demoModelEntry } from "../server/config.ts";
import { openDatabase } from "../server/storage/db.ts";
import { launchChromium } from "../test/support/chromium.ts";
import { seedDashboardData } from "./dashboard-seed.ts";

/*
 * `npm run bench:dashboard`: the dashboard on a big deployment. Seeds (once, then reuses) a
 * SQLite database with 1,000,000 request logs over 60 days, 10,000 keys and 100 teams, starts
 * the gateway on it, and loads every page in headless Chromium: how long until the page shows
 * its data, how many GraphQL requests it sent, and how many bytes came back.
 */

const { values: flags } = parseArgs({
  options: {
    logs: { type: "string", default: "1000000" },
    keys: { type: "string", default: "10000" },
    teams: { type: "string", default: "100" },
    days: { type: "string", default: "60" },
    directory: { type: "string", default: "/tmp/switchboard-dashboard-scale" },
    reseed: { type: "boolean", default: false },
    output: { type: "string", default: "bench/results/dashboard-scale.json" },
  },
});

const size = {
  logs: Number(flags.logs),
  keys: Number(flags.keys),
  teams: Number(flags.teams),
  days: Number(flags.days),
};
const directory = path.join(
  flags.directory,
  `${size.logs}-logs-${size.keys}-keys-${size.teams}-teams`,
);
const databaseUrl = `file:${path.join(directory, "switchboard.db")}`;
const masterKey = "sk-master-dashboard-scale";

if (flags.reseed) rmSync(directory, { recursive: true, force: true });
if (!existsSync(path.join(directory, "seeded"))) {
  mkdirSync(directory, { recursive: true });
  const database = await openDatabase({ url: databaseUrl });
  const started = Date.now();
  await seedDashboardData(database, size, {
    onProgress: (done) =>
      done % 100_000 === 0 &&
      console.log(`seeded ${done} logs (${Math.round((Date.now() - started) / 1000)} s)`),
  });
  await database.close();
  writeFileSync(path.join(directory, "seeded"), new Date().toISOString());
}

const config = configSchema.parse({
  database: { url: databaseUrl },
  auth: { masterKey },
  models: [{ ...demoModelEntry }],
});
const startedAt = performance.now();
const app = await createApp(config, {
  onProblem: (message, error) => console.error(message, error),
});
const { url } = await app.start(0, "127.0.0.1");
const readyMs = performance.now() - startedAt;

/** Every page, and what shows that it has its data (not a loading state). */
const pages = [
  { name: "Overview", route: "", ready: '[data-testid="chart-spend-per-day"] .recharts-surface' },
  { name: "Teams", route: "teams", ready: '[data-testid="team-row"]' },
  {
    name: "Team",
    route: "teams/team-0001",
    ready: '[data-testid="chart-team-spend-per-day"] .recharts-surface',
  },
  { name: "Keys", route: "keys", ready: '[data-testid="key-row"]' },
  { name: "Models", route: "models", ready: '[data-testid="model-row"]' },
  { name: "Logs", route: "logs", ready: '[data-testid="log-row"]' },
  {
    name: "Logs (errors of one team)",
    route: "logs?team=team-0003&status=ERROR",
    ready: '[data-testid="log-row"]',
  },
  {
    name: "Audit",
    route: "audit",
    ready: '[data-testid="audit-row"], [data-testid="empty-state"]',
  },
];

/*
 * Playwright's waitFor polls every 0.5–1 s once a wait is long, which would round every load up.
 * So the page times itself: a MutationObserver, set up before the app's scripts run, notes
 * performance.now() (milliseconds since navigation start) when the ready selector first matches.
 */
// A string, not a function: tsx would wrap a function's inner functions in a helper the page lacks.
const watchForReady = `
  const selector = sessionStorage.getItem("bench:ready");
  if (selector) {
    const observer = new MutationObserver(() => {
      if (!document.querySelector(selector)) return;
      window.benchReadyAt = performance.now();
      observer.disconnect();
    });
    observer.observe(document, { childList: true, subtree: true, attributes: true });
  }
`;

async function measure(page: Page, route: string, ready: string) {
  const requests: Array<{ operation: string; bytes: number; ms: number }> = [];
  const onResponse = async (response: import("playwright-core").Response) => {
    if (!response.url().endsWith("/graphql") || response.request().method() !== "POST") return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    const operation =
      /"operationName":"(\w+)"/.exec(response.request().postData() ?? "")?.[1] ??
      /(query|mutation)\s+(\w+)/.exec(response.request().postData() ?? "")?.[2] ??
      "?";
    requests.push({
      operation,
      bytes: body.length,
      ms: Math.round(response.request().timing().responseEnd),
    });
  };
  page.on("response", onResponse);
  await page.evaluate((selector) => sessionStorage.setItem("bench:ready", selector), ready);
  await page.goto(`${url}/dashboard/${route}`, { waitUntil: "commit" });
  await page.locator(ready).first().waitFor({ timeout: 60_000 });
  const loadMs = Math.round(
    await page.evaluate(() => (window as unknown as { benchReadyAt: number }).benchReadyAt),
  );
  await page.waitForLoadState("networkidle").catch(() => {});
  page.off("response", onResponse);
  return { loadMs, requests };
}

const browser = await launchChromium();
try {
  const page = await (
    await browser.newContext({ viewport: { width: 1366, height: 768 } })
  ).newPage();
  await page.addInitScript({ content: watchForReady });
  await page.goto(`${url}/dashboard/sign-in`);
  await page.getByLabel("API key").fill(masterKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("signed-in-as").waitFor();
  // First visit warms the browser cache (hashed assets are immutable) and SQLite's page cache.
  for (const { route, ready } of pages) await measure(page, route, ready);
  const results = [];
  for (const { name, route, ready } of pages) {
    const { loadMs, requests } = await measure(page, route, ready);
    results.push({
      page: name,
      loadMs,
      graphqlRequests: requests.length,
      graphqlBytes: requests.reduce((sum, request) => sum + request.bytes, 0),
      operations: requests.map((request) => `${request.operation} ${request.ms} ms`),
    });
  }
  console.log(
    `\n${size.logs.toLocaleString("en-US")} request logs, ${size.keys.toLocaleString("en-US")} keys, ${size.teams} teams; gateway ready in ${Math.round(readyMs)} ms\n`,
  );
  console.log(
    "| page | load to data | GraphQL requests | bytes | operations |\n|---|---:|---:|---:|---|",
  );
  for (const row of results)
    console.log(
      `| ${row.page} | ${row.loadMs} ms | ${row.graphqlRequests} | ${row.graphqlBytes.toLocaleString("en-US")} | ${row.operations.join(", ")} |`,
    );
  mkdirSync(path.dirname(flags.output), { recursive: true });
  writeFileSync(
    flags.output,
    JSON.stringify({ size, readyMs: Math.round(readyMs), results }, null, 2),
  );
} finally {
  await browser.close();
  await app.stop();
}
