import type { Server } from "node:http";
import { GraphQLError } from "graphql";
import type { WebSocket } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { KeysService } from "../modules/keys/keys.service.ts";
import type { Authenticate } from "./authenticate.ts";
import type { GraphQLServer } from "./yoga.ts";

interface EnvelopedArguments {
  schema: unknown;
  execute: (args: unknown) => unknown;
  subscribe: (args: unknown) => unknown;
  contextFactory: () => Promise<unknown>;
  parse: (source: string) => unknown;
  validate: (schema: unknown, document: unknown) => readonly unknown[];
}

/** graphql-ws's close code for a socket whose key was revoked (its Forbidden code, as at connection time). */
const revokedCloseCode = 4403;

/**
 * graphql-ws on the same port and path as HTTP GraphQL (Yoga's documented recipe): the
 * socket's connectionParams.authorization authenticates it at connection time (and again for
 * each subscription). Sockets opened with a key that is later revoked are closed at once,
 * which ends their subscriptions and so aborts their upstream calls.
 */
export function attachGraphQLWebSocket({
  server,
  yoga,
  authenticate,
  keys,
}: {
  server: Server;
  yoga: GraphQLServer;
  authenticate: Authenticate;
  keys: KeysService;
}) {
  const webSocketServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const socketsByKey = new Map<string, Set<WebSocket>>();
  const stopListening = keys.onRevoked((key) => {
    for (const socket of socketsByKey.get(key.id) ?? [])
      socket.close(revokedCloseCode, "API key revoked");
    socketsByKey.delete(key.id);
  });
  const disposable = useServer(
    {
      isProd: true,
      execute: (args) => (args.rootValue as EnvelopedArguments).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedArguments).subscribe(args) as never,
      onConnect: (context) => {
        const authorization = context.connectionParams?.authorization;
        try {
          const principal = authenticate(
            typeof authorization === "string" ? authorization : undefined,
            "graphql-ws",
          );
          if (principal.apiKeyId) {
            const socket = context.extra.socket;
            const sockets = socketsByKey.get(principal.apiKeyId) ?? new Set();
            socketsByKey.set(principal.apiKeyId, sockets.add(socket));
            socket.once("close", () => sockets.delete(socket));
          }
          return true;
        } catch {
          // graphql-ws closes the socket with 4403 Forbidden.
          return false;
        }
      },
      onSubscribe: async (context, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...context,
          req: context.extra.request,
          socket: context.extra.socket,
          params,
        }) as unknown as EnvelopedArguments;
        let document: unknown;
        try {
          document = parse(params.query);
        } catch (error) {
          // A syntax error or a refused document (too many tokens) answers this operation only.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors as never;
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        } as never;
      },
    },
    webSocketServer,
  );
  return {
    async close(): Promise<void> {
      stopListening();
      for (const client of webSocketServer.clients) client.terminate();
      await disposable.dispose();
    },
  };
}
