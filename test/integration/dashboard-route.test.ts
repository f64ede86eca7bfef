import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/start-app.ts";

/*
 * How the gateway serves the dashboard's build: hashed assets cached for good, the page itself
 * revalidated, the app's own routes answered with its page, and nothing else mistaken for one.
 * A stand-in build (an index.html and one hashed asset) keeps this independent of Vite; the
 * browser test loads the real build.
 */
describe("the dashboard route", () => {
  let build: string;
  let gateway: TestApp;
  const page = `<!doctype html><title>Switchboard</title><script type="module" src="/dashboard/assets/index-Ab12Cd34.js"></script>`;

  beforeAll(async () => {
    build = mkdtempSync(path.join(tmpdir(), "switchboard-dashboard-build-"));
    mkdirSync(path.join(build, "assets"));
    writeFileSync(path.join(build, "index.html"), page);
    writeFileSync(path.join(build, "assets/index-Ab12Cd34.js"), "console.log('dashboard');");
    writeFileSync(
      path.join(build, "assets/index-Ab12Cd34.js.gz"),
      gzipSync("console.log('dashboard');"),
    );
    gateway = await startTestApp({}, { dashboardDirectory: build });
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(build, { recursive: true, force: true });
  });

  it("redirects / to the dashboard", async () => {
    const response = await fetch(gateway.url, { redirect: "manual" });
    expect([response.status, response.headers.get("location")]).toEqual([302, "/dashboard/"]);
  });

  it("serves the page at /dashboard, /dashboard/ and every route of the app, revalidated on each load and locked to its own origin", async () => {
    for (const route of [
      "/dashboard",
      "/dashboard/",
      "/dashboard/teams/team-1",
      "/dashboard/logs?status=ERROR",
    ]) {
      const response = await fetch(`${gateway.url}${route}`);
      expect([route, response.status, await response.text()]).toEqual([route, 200, page]);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
      expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  it("caches hashed assets as immutable for a year and answers a revalidation with 304", async () => {
    const response = await fetch(`${gateway.url}/dashboard/assets/index-Ab12Cd34.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = response.headers.get("etag");
    expect(etag).toBeTruthy();
    const again = await fetch(`${gateway.url}/dashboard/assets/index-Ab12Cd34.js`, {
      headers: { "if-none-match": etag! },
    });
    expect(again.status).toBe(304);
  });

  it("sends the build's precompressed copy to a browser that accepts it, and the plain file to one that does not", async () => {
    const headersFor = (acceptEncoding: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        // node:http, not fetch: fetch decodes the body and asks for every encoding itself.
        request(
          `${gateway.url}/dashboard/assets/index-Ab12Cd34.js`,
          { headers: { "accept-encoding": acceptEncoding } },
          (response) => {
            response.resume();
            resolve(response.headers);
          },
        )
          .on("error", reject)
          .end();
      });
    expect(await headersFor("gzip, deflate")).toMatchObject({
      "content-encoding": "gzip",
      "content-type": expect.stringMatching(/javascript/),
      vary: "Accept-Encoding",
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect((await headersFor("identity"))["content-encoding"]).toBeUndefined();
  });

  it("answers a missing file with 404 (not the page), and anything but GET/HEAD with 405", async () => {
    const missing = await fetch(`${gateway.url}/dashboard/assets/gone-12345678.js`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "not_found" } });
    // Only files of the build are served (sirv indexes the folder at start): no way out of it.
    const escaping = await fetch(`${gateway.url}/dashboard/..%2f..%2f..%2fpackage.json`);
    expect(await escaping.text()).not.toContain('"dependencies"');
    const posted = await fetch(`${gateway.url}/dashboard/`, { method: "POST", body: "{}" });
    expect([posted.status, posted.headers.get("allow")]).toEqual([405, "GET, HEAD"]);
  });

  it("says how to build it when there is no build", async () => {
    const unbuilt = mkdtempSync(path.join(tmpdir(), "switchboard-dashboard-unbuilt-"));
    const bare = await startTestApp({}, { dashboardDirectory: unbuilt });
    try {
      const response = await fetch(`${bare.url}/dashboard/`);
      expect(response.status).toBe(503);
      expect((await response.json()).error.message).toContain("npm run build");
    } finally {
      await bare.stop();
      rmSync(unbuilt, { recursive: true, force: true });
    }
  });
});
