import type { Server } from "node:http";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
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

/**
 * graphql-ws on the same port and path as HTTP GraphQL (Yoga's documented recipe): the
 * socket's connectionParams.authorization authenticates it once, at connection time.
 */
export function attachGraphQLWebSocket({ server, yoga, authenticate }: { server: Server; yoga: GraphQLServer; authenticate: Authenticate }) {
  const webSocketServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const disposable = useServer(
    {
      isProd: true,
      execute: (args) => (args.rootValue as EnvelopedArguments).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedArguments).subscribe(args) as never,
      onConnect: (context) => {
        const authorization = context.connectionParams?.authorization;
        try {
          authenticate(typeof authorization === "string" ? authorization : undefined);
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
        const document = parse(params.query);
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
      for (const client of webSocketServer.clients) client.terminate();
      await disposable.dispose();
    },
  };
}
