import { readFileSync } from "node:fs";
import type { OAuth2ClientOptions, GoogleAuthOptions } from "google-auth-library";

/** Where google-auth-library sends every service account's signed JWT, whatever the key file says. */
const googleTokenUrl = "https://oauth2.googleapis.com/token";

/**
 * google-auth-library (10.x) posts a service account's token request to Google's public token
 * URL and ignores the key file's `token_uri`; Google's Python and Go libraries post it to
 * `token_uri`, which is what private endpoints (Private Service Connect, restricted VPCs) and
 * test doubles rely on. These options send that one request to the key's `token_uri` (from
 * `keyFile` or a `credentials` object), read when the first token is fetched; the JWT's audience
 * stays Google's token URL, as in the Python library. Other requests pass through untouched.
 */
export function honourTokenUri(options: GoogleAuthOptions): GoogleAuthOptions {
  let tokenUri: URL | undefined | null = null;
  // clientOptions may also be a ready AuthClient; then it brings its own transport.
  const clientOptions = (options.clientOptions ?? {}) as OAuth2ClientOptions;
  const transporterOptions = clientOptions.transporterOptions ?? {};
  const givenAdapter = transporterOptions.adapter;
  return {
    ...options,
    clientOptions: {
      ...clientOptions,
      transporterOptions: {
        ...transporterOptions,
        adapter: (request, defaultAdapter) => {
          if (tokenUri === null) tokenUri = tokenUriOf(options);
          const sent =
            tokenUri && String(request.url) === googleTokenUrl
              ? { ...request, url: tokenUri }
              : request;
          return givenAdapter ? givenAdapter(sent, defaultAdapter) : defaultAdapter(sent);
        },
      },
    },
  };
}

/** The key's token_uri when it is an http(s) URL; undefined otherwise (Google's URL is then used). */
function tokenUriOf({ keyFile, credentials }: GoogleAuthOptions): URL | undefined {
  let value: unknown = (credentials as { token_uri?: unknown } | undefined)?.token_uri;
  if (value === undefined && keyFile) {
    try {
      value = (JSON.parse(readFileSync(keyFile, "utf8")) as { token_uri?: unknown }).token_uri;
    } catch {
      // google-auth-library reads the same file and reports its problems as a credentials failure.
      return undefined;
    }
  }
  if (typeof value !== "string" || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
}
