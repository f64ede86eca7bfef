import { randomUUID } from "node:crypto";
import { useGraphQLSSE } from "@graphql-yoga/plugin-graphql-sse";
import type { Plugin } from "graphql-yoga";
import { GatewayError } from "../gateway/errors.ts";
import { presentedCredential, type Authenticate } from "./authenticate.ts";

/** graphql-sse's stream token: a header on every request of a single-connection client, or `?token=`. */
const streamTokenHeader = "x-graphql-event-stream-token";

/**
 * graphql-sse's single connection mode on the GraphQL endpoint itself (one event stream per
 * client, reserved with PUT; operations POSTed to it and stopped with DELETE, each carrying the
 * stream token). Yoga already answers graphql-sse's distinct connections mode (one event stream
 * per operation), so only requests of the single-connection protocol are handed to the plugin;
 * every other request goes on to Yoga as before.
 *
 * The caller's key is checked on every request of the protocol, reservation included, before
 * the plugin sees it; operations are authenticated again by the GraphQL context like any other.
 */
export function useSseSingleConnection({
  endpoint,
  authenticate,
}: {
  endpoint: string;
  authenticate: Authenticate;
}): Plugin {
  const plugin = useGraphQLSSE({
    endpoint,
    authenticate(request) {
      try {
        authenticate(
          presentedCredential((name) => request.headers.get(name)),
          "graphql",
        );
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        const body = JSON.stringify({
          errors: [{ message: error.message, extensions: { code: error.code } }],
        });
        return [
          body,
          {
            status: error.status,
            statusText: "Unauthorized",
            headers: { "content-type": "application/json; charset=utf-8" },
          },
        ];
      }
      return (
        request.headers.get(streamTokenHeader) ??
        new URL(request.url ?? "", "http://localhost/").searchParams.get("token") ??
        randomUUID()
      );
    },
  }) as Plugin;
  const handle = plugin.onRequest!;
  return {
    ...plugin,
    onRequest(payload) {
      if (isSingleConnectionRequest(payload.request)) return handle(payload);
    },
  };
}

function isSingleConnectionRequest(request: Request): boolean {
  return (
    request.method === "PUT" ||
    request.method === "DELETE" ||
    request.headers.has(streamTokenHeader) ||
    /[?&]token=/.test(request.url)
  );
}
