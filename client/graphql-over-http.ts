import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { SwitchboardError } from "./switchboard-error.ts";

/** Options every call takes. */
export interface CallOptions {
  /** Aborting it cancels the call: the HTTP request is closed (or the subscription completed), and the gateway cancels the upstream request. */
  signal?: AbortSignal;
}

/** The document's query text, printed once per document. */
const printed = new WeakMap<object, string>();
export function queryText(document: TypedDocumentNode<any, any>): string {
  let text = printed.get(document);
  if (!text) printed.set(document, (text = print(document)));
  return text;
}

/**
 * Sends one query or mutation as a GraphQL-over-HTTP POST. GraphQL errors and answers without
 * a GraphQL body throw SwitchboardError; an aborted signal throws it with code CANCELLED.
 */
export function createGraphQLOverHttp({
  url,
  headers,
  fetch,
}: {
  url: string;
  headers: Record<string, string>;
  fetch: typeof globalThis.fetch;
}) {
  return async function request<Result, Variables>(
    document: TypedDocumentNode<Result, Variables>,
    variables?: Variables,
    { signal }: CallOptions = {},
  ): Promise<Result> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/graphql-response+json, application/json",
          ...headers,
        },
        body: JSON.stringify({ query: queryText(document), variables }),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw SwitchboardError.cancelled(signal);
      throw new SwitchboardError(
        `Cannot reach the gateway at ${url}: ${(error as Error).message}`,
        "NETWORK_ERROR",
        { cause: error },
      );
    }
    let body: { data?: Result | null; errors?: GraphQLFormattedError[] } | undefined;
    try {
      body = (await response.json()) as typeof body;
    } catch (error) {
      if (signal?.aborted) throw SwitchboardError.cancelled(signal);
      body = undefined;
    }
    if (body?.errors?.length) throw SwitchboardError.from(body.errors);
    if (!body?.data)
      throw new SwitchboardError(
        `The gateway answered ${response.status} without a GraphQL result`,
        "NETWORK_ERROR",
      );
    return body.data;
  };
}

export type GraphQLRequest = ReturnType<typeof createGraphQLOverHttp>;
