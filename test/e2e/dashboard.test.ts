import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, saveScreenshot } from "../support/chromium.ts";
import { startMockOpenAIUpstream, type MockUpstream } from "../support/mock-openai-upstream.ts";
import { mockModel, startTestApp, type TestApp } from "../support/start-app.ts";

const masterKey = "sk-master-dashboard-test";
// 1,000 USD per million tokens: each completion below (12 + 7 tokens) costs exactly $0.019.
const pricing = { inputPerMillion: 1000, outputPerMillion: 1000 };

/*
 * The dashboard as a platform team uses it, in headless Chromium against the real build served
 * by the gateway (npm test builds it first): an admin signs in, creates a team and a key through
 * the UI, traffic flows through the gateway, and the spend, the live log tail, the budget alert,
 * the revocation and the audit trail all show up without a reload. A team key then sees only its
 * own team. Each page is saved as a screenshot in test-artifacts/screenshots/.
 */
describe("the dashboard in Chromium", () => {
  let upstream: MockUpstream;
  let gateway: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  let refusals = 0;
  let secret = "";

  /** Waits for a value the page shows after a round trip (a query refetch, a live event). */
  const eventually = <Value>(read: () => Value | Promise<Value>) =>
    expect.poll(read, { timeout: 15_000, interval: 100 });

  const dashboard = (route = "") => `${gateway.url}/dashboard/${route}`;

  function completion(key: string) {
    return fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        max_tokens: 10,
      }),
    });
  }

  async function signIn(key: string): Promise<void> {
    await page.goto(dashboard("sign-in"));
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  async function navigate(link: string): Promise<void> {
    await page.getByRole("navigation").getByRole("link", { name: link, exact: true }).click();
  }

  beforeAll(async () => {
    upstream = await startMockOpenAIUpstream();
    gateway = await startTestApp({
      models: [mockModel(upstream.baseUrl, "gpt-4o-mini", { pricing })],
      auth: { masterKey },
    });
    // Another team, made outside the UI, that a team key must never see.
    const billing = await gateway.graphql(
      `mutation { createTeam(input: { name: "billing" }) { id } }`,
      {},
      { authorization: `Bearer ${masterKey}` },
    );
    expect(billing.errors).toBeUndefined();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    // Anything the page logs as an error (a CSP violation, a failed asset, an uncaught exception) fails the test.
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      // A refused key is HTTP 401 (on GraphQL as on REST), which Chromium logs; those are counted apart.
      if (message.text().includes("status of 401")) refusals += 1;
      else problems.push(`console: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
    await upstream?.stop();
  });

  it("serves the app at / and /dashboard; a wrong key gets a clear message", async () => {
    const response = await page.goto(gateway.url);
    expect(response?.url()).toBe(`${gateway.url}/dashboard/`);
    await page.waitForURL(/\/dashboard\/sign-in$/);
    await signIn("sk-sb-not-a-real-key");
    await eventually(() => page.getByTestId("sign-in-error").textContent()).toMatch(
      /not accepted/i,
    );
    await saveScreenshot(page, "01-sign-in-refused");
  });

  it("signs in as the admin and creates a team through the form, with the server's validation shown next to the field", async () => {
    await signIn(masterKey);
    await page.getByTestId("signed-in-as").waitFor();
    await navigate("Teams");
    await page.getByRole("button", { name: "New team" }).click();
    // A name that exists: the gateway refuses it, and the message sits next to the Name field.
    await page.getByLabel("Name").fill("billing");
    await page.getByRole("button", { name: "Create team" }).click();
    await eventually(() => page.getByTestId("field-error-name").textContent()).toContain(
      "A team named 'billing' already exists.",
    );
    await page.getByLabel("Name").fill("search");
    await page.getByLabel("Budget (USD)").fill("0.1");
    await page.getByLabel("Budget period").selectOption({ label: "Monthly" });
    await page.getByLabel("Requests per minute").fill("600");
    await page.getByRole("button", { name: "Create team" }).click();
    await page.getByTestId("team-row").filter({ hasText: "search" }).waitFor();
    expect(await page.getByTestId("team-row").count()).toBe(2);
    await saveScreenshot(page, "02-teams");
  });

  it("creates a key whose secret is shown once, with a copy button", async () => {
    await navigate("Keys");
    await page.getByRole("button", { name: "New key" }).click();
    await page.getByLabel("Team").selectOption({ label: "search" });
    await page.getByLabel("Name").fill("search backend");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = page.getByTestId("new-key-secret");
    await shown.waitFor();
    secret = (await shown.textContent())?.trim() ?? "";
    expect(secret).toMatch(/^sk-sb-[A-Za-z0-9_-]{43}$/);
    await expect(page.getByRole("button", { name: /copy/i }).count()).resolves.toBeGreaterThan(0);
    await saveScreenshot(page, "03-key-created");
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByTestId("key-row").filter({ hasText: "search backend" }).waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it("shows new requests in the live tail without a reload, and the budget alert when the team passes 80%", async () => {
    await navigate("Logs");
    await page.getByTestId("live-tail").waitFor();
    await eventually(() => page.getByTestId("live-status").getAttribute("data-state")).toBe("live");
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    // 4 × $0.019 = $0.076 (76%); the 5th makes $0.095 (95%) and crosses the 80% threshold.
    for (let index = 0; index < 5; index += 1) expect((await completion(secret)).status).toBe(200);
    await eventually(() => page.getByTestId("live-log-row").count()).toBe(5);
    // Each row names its team and key (the gateway resolves them; no id soup).
    expect(await page.getByTestId("live-log-row").first().textContent()).toMatch(
      /search.*search backend/,
    );
    await eventually(() => page.getByTestId("budget-alert").textContent()).toMatch(
      /search.*80%.*\$0\.095 of \$0\.10/,
    );
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
    await saveScreenshot(page, "04-logs-live");

    await page.reload();
    await eventually(() => page.getByTestId("log-row").count()).toBe(5);
    await page.getByTestId("log-row").first().click();
    await page.getByTestId("log-details").waitFor();
    await eventually(() => page.getByTestId("log-attempt").count()).toBe(1);
    await saveScreenshot(page, "05-log-details");
    await page.keyboard.press("Escape");
  });

  it("shows the team's spend on the Overview and on the team page", async () => {
    await navigate("Overview");
    await eventually(() => page.getByTestId("stat-spend-today").textContent()).toContain("$0.095");
    await eventually(() => page.getByTestId("stat-spend-month").textContent()).toContain("$0.095");
    await eventually(() => page.getByTestId("stat-requests").textContent()).toContain("5");
    await eventually(() => page.getByTestId("stat-error-rate").textContent()).toContain("0");
    await page.getByTestId("chart-spend-per-day").locator(".recharts-surface").first().waitFor();
    await page.getByTestId("chart-top-models").getByText("gpt-4o-mini").first().waitFor();
    await saveScreenshot(page, "06-overview");

    await navigate("Teams");
    await page
      .getByTestId("team-row")
      .filter({ hasText: "search" })
      .getByRole("link", { name: "search" })
      .click();
    await eventually(() => page.getByTestId("team-spent").textContent()).toContain("$0.095");
    await page
      .getByTestId("chart-team-spend-per-day")
      .locator(".recharts-surface")
      .first()
      .waitFor();
    await page.getByTestId("chart-team-spend-per-model").getByText("gpt-4o-mini").first().waitFor();
    await saveScreenshot(page, "07-team");
  });

  it("edits the team's budget, period, models and limits, with a bad value shown next to its field", async () => {
    await page.getByRole("button", { name: "Edit team" }).click();
    await page.getByLabel("Requests per minute").fill("0");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => page.getByTestId("field-error-limits.rpm").textContent()).toMatch(
      /whole number above zero/,
    );
    await page.getByLabel("Requests per minute").fill("1200");
    await page.getByLabel("Budget (USD)").fill("0.2");
    await page.getByLabel("Budget period").selectOption({ label: "Weekly" });
    await page.getByLabel("Models").fill("gpt-4o-mini");
    await page.getByRole("button", { name: "Save changes" }).click();
    await eventually(() => page.getByTestId("team-spent").textContent()).toContain(
      "of $0.20 / week",
    );
    const saved = await gateway.graphql<{
      teams: Array<{
        name: string;
        models: string[];
        limits: { rpm: number };
        budget: { limitUsd: string; period: string };
      }>;
    }>(
      `{ teams { name models limits { rpm } budget { limitUsd period } } }`,
      {},
      { authorization: `Bearer ${masterKey}` },
    );
    expect(saved.data?.teams.find((team) => team.name === "search")).toEqual({
      name: "search",
      models: ["gpt-4o-mini"],
      limits: { rpm: 1200 },
      budget: { limitUsd: "0.2", period: "WEEKLY" },
    });
  });

  it("filters the log history by status, kept in the URL", async () => {
    await navigate("Logs");
    await page.getByLabel("Status").selectOption({ label: "Error" });
    await page.getByTestId("log-history-empty").waitFor();
    expect(page.url()).toMatch(/status=error/i);
    await page.getByLabel("Status").selectOption({ label: "Success" });
    await eventually(() => page.getByTestId("log-row").count()).toBe(5);
    await page.reload();
    await eventually(() => page.getByTestId("log-row").count()).toBe(5);
    expect(await page.getByLabel("Status").inputValue()).toMatch(/success/i);
  });

  it("lists the model with its deployment's health", async () => {
    await navigate("Models");
    const row = page.getByTestId("model-row").filter({ hasText: "gpt-4o-mini" });
    await row.waitFor();
    await eventually(() =>
      page.getByTestId("deployment-health").first().getAttribute("data-health"),
    ).toBe("healthy");
    await saveScreenshot(page, "08-models");
  });

  it("a team key sees its own team and no other", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain(masterKey);
    await signIn(secret);
    await page.getByTestId("signed-in-as").waitFor();
    await navigate("Teams");
    await page.getByTestId("team-row").first().waitFor();
    expect(await page.getByTestId("team-row").allTextContents()).toEqual([
      expect.stringContaining("search"),
    ]);
    expect(
      await page.getByRole("navigation").getByRole("link", { name: "Audit", exact: true }).count(),
    ).toBe(0);
    await navigate("Overview");
    await eventually(() => page.getByTestId("stat-spend-today").textContent()).toContain("$0.095");
    await saveScreenshot(page, "09-team-key-teams");
    await page.getByRole("button", { name: "Sign out" }).click();
  });

  it("revokes the key after a confirmation: the next completion is refused, a sign-in with it too, and the audit log lists it", async () => {
    await signIn(masterKey);
    await navigate("Keys");
    const row = page.getByTestId("key-row").filter({ hasText: "search backend" });
    await row.getByRole("button", { name: "Revoke" }).click();
    const dialog = page.getByRole("dialog");
    await eventually(() => dialog.textContent()).toContain("search backend");
    await dialog.getByRole("button", { name: "Revoke key" }).click();
    await eventually(() => row.textContent()).toMatch(/revoked/i);
    expect((await completion(secret)).status).toBe(401);
    await saveScreenshot(page, "10-keys-revoked");

    await navigate("Audit");
    await page.getByTestId("audit-row").first().waitFor();
    const actions = await page
      .getByTestId("audit-row")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-action")));
    expect(actions).toEqual(
      expect.arrayContaining(["apiKey.revoke", "team.update", "apiKey.create", "team.create"]),
    );
    expect(actions.indexOf("apiKey.revoke")).toBeLessThan(actions.indexOf("apiKey.create"));
    await saveScreenshot(page, "11-audit");

    await page.getByRole("button", { name: "Sign out" }).click();
    await signIn(secret);
    await eventually(() => page.getByTestId("sign-in-error").textContent()).toMatch(
      /not accepted/i,
    );
  });

  it("pages through keys 25 at a time, newest first, and back", async () => {
    const billing = (
      await gateway.graphql<{ teams: Array<{ id: string; name: string }> }>(
        `{ teams { id name } }`,
        {},
        { authorization: `Bearer ${masterKey}` },
      )
    ).data!.teams.find((team) => team.name === "billing")!;
    for (let index = 1; index <= 26; index += 1) {
      const created = await gateway.graphql(
        `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }`,
        { input: { teamId: billing.id, name: `billing worker ${index}` } },
        { authorization: `Bearer ${masterKey}` },
      );
      expect(created.errors).toBeUndefined();
    }
    await signIn(masterKey);
    await navigate("Keys");
    await eventually(() => page.getByTestId("key-row").count()).toBe(25);
    expect(await page.getByTestId("key-row").first().textContent()).toContain("billing worker 26");
    await page.getByRole("button", { name: "Next" }).click();
    await eventually(() => page.getByTestId("key-row").allTextContents()).toEqual([
      expect.stringContaining("billing worker 1"),
      expect.stringContaining("search backend"),
    ]);
    await page.getByRole("button", { name: "Previous" }).click();
    await eventually(() => page.getByTestId("key-row").count()).toBe(25);
  });

  it("logged no error in the page: no blocked asset, no CSP violation, no exception — only the two refused sign-ins", () => {
    expect(problems).toEqual([]);
    expect(refusals).toBe(2);
  });
});
