import { randomUUID } from "node:crypto";
import { useGraphQLSSE } from "@graphql-yoga/plugin-graphql-sse";
import { GraphQLError } from "graphql";
import type { Plugin, YogaServerInstance } from "graphql-yoga";
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
  let yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>> | undefined;
  return {
    ...plugin,
    onYogaInit(payload) {
      yoga = payload.yoga as typeof yoga;
      return plugin.onYogaInit?.(payload);
    },
    async onRequest(payload) {
      if (!isSingleConnectionRequest(payload.request)) return;
      const refusal = yoga && (await refusedOperation(yoga, payload.request));
      if (refusal) return payload.endResponse(refusal);
      return handle(payload);
    },
  };
}

/**
 * The plugin answers an operation that fails to parse with a 500 and one that fails validation
 * (the GraphQL limits included) with "Unable to detect operation AST"; checked here first with
 * Yoga's own parse and validate (cached, so the plugin's second check is free), such an
 * operation gets a 400 with its errors and codes, as over HTTP and graphql-ws.
 */
async function refusedOperation(
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>,
  request: Request,
): Promise<Response | undefined> {
  if (request.method !== "POST") return undefined;
  const params = (await request
    .clone()
    .json()
    .catch(() => undefined)) as { query?: unknown } | undefined;
  if (typeof params?.query !== "string") return undefined;
  const enveloped = yoga.getEnveloped({ request, params });
  let errors: readonly GraphQLError[];
  try {
    errors = enveloped.validate(enveloped.schema, enveloped.parse(params.query));
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    errors = [error];
  }
  if (errors.length === 0) return undefined;
  // As Yoga serializes errors: extensions.http is an instruction to the server, not part of the answer.
  const body = errors.map(({ message, locations, extensions: { http: _http, ...extensions } }) => ({
    message,
    locations,
    extensions,
  }));
  return new yoga.fetchAPI.Response(JSON.stringify({ errors: body }), {
    status: 400,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function isSingleConnectionRequest(request: Request): boolean {
  return (
    request.method === "PUT" ||
    request.method === "DELETE" ||
    request.headers.has(streamTokenHeader) ||
    /[?&]token=/.test(request.url)
  );
}
