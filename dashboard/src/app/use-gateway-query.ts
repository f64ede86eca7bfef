import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { useQuery, type UseQueryOptions, type UseQueryResult } from "@tanstack/react-query";
import type { SwitchboardClient, SwitchboardError } from "@switchboard/client";
import { useSignedInSession } from "./session";

/** The operation's name ("Overview"), the first part of its cache key, so a view's data can be invalidated by name. */
export function operationName(
  document: TypedDocumentNode<unknown, never> | TypedDocumentNode<never, never>,
): string {
  for (const definition of document.definitions) {
    if (definition.kind === "OperationDefinition" && definition.name) return definition.name.value;
  }
  throw new Error("A dashboard document needs a named operation.");
}

export type GatewayQueryOptions<Result> = Omit<
  UseQueryOptions<Result, SwitchboardError, Result, readonly unknown[]>,
  "queryKey" | "queryFn"
>;

/**
 * One GraphQL document through the signed-in client, cached by its name and variables. Leaving
 * the page aborts the request (react-query passes the signal; the gateway cancels the work).
 */
export function useGatewayQuery<Result, Variables extends Record<string, unknown>>(
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  options: GatewayQueryOptions<Result> = {},
): UseQueryResult<Result, SwitchboardError> {
  const { client } = useSignedInSession();
  return useQuery({
    queryKey: [operationName(document as TypedDocumentNode<unknown, never>), variables],
    queryFn: ({ signal }) => client.request(document, variables, { signal }),
    ...options,
  });
}

/**
 * One of the client's own calls (`client.models()`, `client.requestLogs(…)`), cached under `key`
 * (its operation's name first, like a document's): a view whose data the client already fetches
 * needs no document of its own.
 */
export function useClientQuery<Result>(
  key: readonly [string, ...unknown[]],
  call: (client: SwitchboardClient, signal: AbortSignal) => Promise<Result>,
  options: GatewayQueryOptions<Result> = {},
): UseQueryResult<Result, SwitchboardError> {
  const { client } = useSignedInSession();
  return useQuery({ queryKey: key, queryFn: ({ signal }) => call(client, signal), ...options });
}
