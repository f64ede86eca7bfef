import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";
import sirv from "sirv";
import { sendJson } from "./openai-errors.ts";

/** Where `npm run build` puts the dashboard: two levels up from server/http/ and from dist/http/ alike. */
export const defaultDashboardDirectory = fileURLToPath(
  new URL("../../dashboard/dist/", import.meta.url),
);

/** Where the dashboard is served; `GET /` redirects here. */
export const dashboardPath = "/dashboard";

/*
 * The page holds a key in sessionStorage, so it loads nothing from elsewhere and may not be
 * framed. Recharts positions with style attributes, hence 'unsafe-inline' for styles only.
 */
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/**
 * Serves the built dashboard (a single-page app) at /dashboard. Vite names every asset after a
 * hash of its content, so assets are cached for a year as immutable; index.html is revalidated
 * on each load, so browsers pick up a new release at once. sirv lists the folder when this is
 * created: a rebuild is served after a restart. Unknown paths without a file extension are the
 * app's own routes and get index.html.
 */
export function createDashboardRoute({
  directory = defaultDashboardDirectory,
}: { directory?: string } = {}) {
  const built = existsSync(`${directory}/index.html`);
  const serve = built
    ? sirv(directory, {
        single: true,
        etag: true,
        // The build writes a .gz beside each asset, sent to browsers that accept gzip.
        gzip: true,
        setHeaders: (response, pathname) => {
          response.setHeader(
            "Cache-Control",
            pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
          );
          response.setHeader("Content-Security-Policy", contentSecurityPolicy);
          response.setHeader("X-Content-Type-Options", "nosniff");
          response.setHeader("Referrer-Policy", "no-referrer");
        },
      })
    : undefined;

  return function dashboardRoute(
    request: IncomingMessage,
    response: ServerResponse,
    pathname: string,
  ): void {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return sendJson(
        response,
        405,
        {
          error: {
            message: `${request.method} is not allowed on the dashboard.`,
            type: "invalid_request_error",
            code: "method_not_allowed",
          },
        },
        { allow: "GET, HEAD" },
      );
    }
    if (!serve) {
      return sendJson(response, 503, {
        error: {
          message: `The dashboard is not built (no ${directory}index.html): run \`npm run build\`.`,
          type: "server_error",
          code: "dashboard_not_built",
        },
      });
    }
    // sirv resolves paths from the folder's root: hand it the path below /dashboard.
    const query = request.url?.slice(pathname.length) ?? "";
    request.url = (pathname.slice(dashboardPath.length) || "/") + query;
    serve(request, response, () =>
      sendJson(response, 404, {
        error: {
          message: `No dashboard file at ${pathname}.`,
          type: "invalid_request_error",
          code: "not_found",
        },
      }),
    );
  };
}

/** `GET /`: a browser opening the gateway's address lands on the dashboard. */
export function redirectToDashboard(response: ServerResponse): void {
  response.writeHead(302, { Location: `${dashboardPath}/` }).end();
}
