import { GraphQLError, type GraphQLSchema } from "graphql";
import { createYoga, maskError, type Plugin } from "graphql-yoga";
import { GatewayError } from "../gateway/errors.ts";
import type { GraphQLContext } from "../graphql/context.ts";
import type { AppServices } from "../services.ts";
import { presentedCredential, type Authenticate } from "./authenticate.ts";
import { useGraphQLLimits, type GraphQLLimits } from "./graphql-limits.ts";
import { acceptedIncomingRequestId } from "./request-id.ts";
import { useSseSingleConnection } from "./sse-single-connection.ts";

/** The caller's credentials: the HTTP headers (presentedCredential), or graphql-ws `connectionParams.authorization`. */
function authorizationFrom(initial: {
  request?: Request;
  connectionParams?: Record<string, unknown>;
}): string | undefined {
  const fromParams =
    initial.connectionParams?.authorization ?? initial.connectionParams?.Authorization;
  return (
    (initial.request && presentedCredential((name) => initial.request!.headers.get(name))) ??
    (typeof fromParams === "string" ? fromParams : undefined)
  );
}

/** GraphQL over HTTP (queries, mutations, SSE subscriptions in both graphql-sse modes) at /graphql. */
export function createGraphQLServer({
  schema,
  services,
  authenticate,
  limits,
  masterKeySet,
  onUnexpectedError = () => {},
}: {
  schema: GraphQLSchema;
  services: AppServices;
  authenticate: Authenticate;
  /** config.graphql: depth, alias, cost, token and batch limits; introspection and GraphiQL. */
  limits: GraphQLLimits;
  /** With a master key, introspection and GraphiQL are off unless the config turns them on. */
  masterKeySet: boolean;
  /** Told about each error masked as "Unexpected error." (with its stack), so it is logged somewhere. */
  onUnexpectedError?: (error: unknown, path: readonly (string | number)[] | undefined) => void;
}) {
  const graphqlEndpoint = "/graphql";
  const introspection = limits.introspection ?? !masterKeySet;
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint,
    plugins: [
      useSseSingleConnection({ endpoint: graphqlEndpoint, authenticate }),
      useGraphQLLimits(limits, { introspection }),
      echoIncomingRequestId,
    ],
    // JSON array bodies run as batches of at most maxBatch operations (BATCH_TOO_LARGE above).
    batching: { limit: limits.maxBatch },
    graphiql: limits.graphiql ?? !masterKeySet,
    // CORS for /v1 and /graphql alike is server/http/cors.ts, from server.corsOrigins.
    cors: false,
    landingPage: false,
    logging: false,
    // Unexpected errors are masked; expected ones are GraphQLErrors carrying extensions.code, and
    // so is a gateway failure in a plain field (Team.budget while Redis is unreachable).
    maskedErrors: {
      maskError(error, message, isDevelopment) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (!(original instanceof GatewayError)) {
          // A GraphQLError of its own (validation, a refused key) is shown as it is, not masked.
          if (original && !(original instanceof GraphQLError))
            onUnexpectedError(original, error instanceof GraphQLError ? error.path : undefined);
          return maskError(error, message, isDevelopment);
        }
        return new GraphQLError(original.message, {
          nodes: error instanceof GraphQLError ? error.nodes : undefined,
          path: error instanceof GraphQLError ? error.path : undefined,
          extensions: { code: original.code },
        });
      },
    },
    context: (initial) => {
      try {
        const source = (initial as { connectionParams?: unknown }).connectionParams
          ? "graphql-ws"
          : "graphql";
        const principal = authenticate(
          authorizationFrom(
            initial as { request?: Request; connectionParams?: Record<string, unknown> },
          ),
          source,
        );
        const request = (initial as { request?: Request }).request;
        const cacheControl = request?.headers.get("cache-control") ?? undefined;
        const clientRequestId = acceptedIncomingRequestId(request?.headers.get("x-request-id"));
        return { principal, services, signal: request?.signal, cacheControl, clientRequestId };
      } catch (error) {
        if (error instanceof GatewayError) {
          throw new GraphQLError(error.message, {
            extensions: { code: error.code, http: { status: error.status } },
          });
        }
        throw error;
      }
    },
  });
}

export type GraphQLServer = ReturnType<typeof createGraphQLServer>;

/** The caller's acceptable `x-request-id` back on the response, as REST does (request-id.ts). */
const echoIncomingRequestId: Plugin = {
  onResponse({ request, response }) {
    const requestId = acceptedIncomingRequestId(request.headers.get("x-request-id"));
    if (requestId) response.headers.set("x-request-id", requestId);
  },
};
