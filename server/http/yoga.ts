import { GraphQLError, type GraphQLSchema } from "graphql";
import { createYoga, maskError, type Plugin } from "graphql-yoga";
import { GatewayError } from "../gateway/errors.ts";
import type { CallerCancellation } from "../gateway/request-deadline.ts";
import type { GraphQLContext } from "../graphql/context.ts";
import type { AppServices } from "../services.ts";
import { createGraphQLFastPath } from "./graphql-fast-path.ts";
import { presentedCredential, type Authenticate } from "./authenticate.ts";
import { useGraphQLLimits, type GraphQLLimits } from "./graphql-limits.ts";
import { acceptedIncomingRequestId } from "./request-id.ts";
import { useSseSingleConnection } from "./sse-single-connection.ts";

/** How a request's headers are read: Fetch `Headers.get` under Yoga, Node's header object on the fast path. */
export type HeaderReader = (name: string) => string | string[] | null | undefined;

/** The caller's credentials: the HTTP headers (presentedCredential), or graphql-ws `connectionParams.authorization`. */
function authorizationFrom(
  header: HeaderReader | undefined,
  connectionParams: Record<string, unknown> | undefined,
): string | undefined {
  const fromParams = connectionParams?.authorization ?? connectionParams?.Authorization;
  return (
    (header && presentedCredential(header)) ??
    (typeof fromParams === "string" ? fromParams : undefined)
  );
}

/**
 * The GraphQL context of one operation, the same under Yoga (HTTP, SSE, graphql-ws) and on the
 * JSON fast path (graphql-fast-path.ts): the caller authenticated from its headers or
 * connectionParams, the signal that fires when it goes away, its cache-control and x-request-id.
 * A refused key is thrown as a GraphQLError carrying its code and HTTP status.
 */
export function createGraphQLContextFactory({
  services,
  authenticate,
}: {
  services: AppServices;
  authenticate: Authenticate;
}) {
  return function graphQLContextOf({
    header,
    connectionParams,
    signal,
    cancellation,
  }: {
    header?: HeaderReader;
    connectionParams?: Record<string, unknown>;
    signal?: AbortSignal;
    cancellation?: CallerCancellation;
  }): GraphQLContext {
    try {
      const source = connectionParams ? "graphql-ws" : "graphql";
      const principal = authenticate(authorizationFrom(header, connectionParams), source);
      const cacheControl = header?.("cache-control");
      const clientRequestId = acceptedIncomingRequestId(header?.("x-request-id"));
      return {
        principal,
        services,
        signal,
        cancellation,
        cacheControl: typeof cacheControl === "string" ? cacheControl : undefined,
        clientRequestId,
      };
    } catch (error) {
      if (error instanceof GatewayError) {
        throw new GraphQLError(error.message, {
          extensions: { code: error.code, http: { status: error.status } },
        });
      }
      throw error;
    }
  };
}

/**
 * Yoga's `maskError` for this gateway, shared with the fast path: unexpected errors are masked
 * (and told to `onUnexpectedError`); expected ones are GraphQLErrors carrying extensions.code,
 * and so is a gateway failure in a plain field (Team.budget while Redis is unreachable).
 */
export function createMaskError(
  onUnexpectedError: (error: unknown, path: readonly (string | number)[] | undefined) => void,
) {
  return function maskGatewayError(error: unknown, message: string, isDevelopment?: boolean) {
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
  };
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
  const graphQLContextOf = createGraphQLContextFactory({ services, authenticate });
  const maskGatewayError = createMaskError(onUnexpectedError);
  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
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
    maskedErrors: { maskError: maskGatewayError },
    context: (initial) => {
      const { request, connectionParams } = initial as {
        request?: Request;
        connectionParams?: Record<string, unknown>;
      };
      return graphQLContextOf({
        header: request && ((name) => request.headers.get(name)),
        connectionParams,
        signal: request?.signal,
      });
    },
  });
  // The common JSON query or mutation skips Yoga's pipeline (issue 16); the rest is Yoga's.
  const fastPath = createGraphQLFastPath({
    schema,
    yoga,
    endpoint: graphqlEndpoint,
    limits,
    introspection,
    contextOf: graphQLContextOf,
    maskError: maskGatewayError,
  });
  return Object.assign(yoga, { fastPath });
}

export type GraphQLServer = ReturnType<typeof createGraphQLServer>;

/** The caller's acceptable `x-request-id` back on the response, as REST does (request-id.ts). */
const echoIncomingRequestId: Plugin = {
  onResponse({ request, response }) {
    const requestId = acceptedIncomingRequestId(request.headers.get("x-request-id"));
    if (requestId) response.headers.set("x-request-id", requestId);
  },
};
