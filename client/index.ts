import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import {
  ApiKeysDocument,
  AuditLogsDocument,
  ChatCompletionStreamDocument,
  CreateApiKeyDocument,
  CreateTeamDocument,
  RevokeApiKeyDocument,
  TeamsDocument,
  UpdateTeamDocument,
  CreateChatCompletionDocument,
  CreateEmbeddingDocument,
  MeDocument,
  ModelsDocument,
  RequestLogsDocument,
  SpendDocument,
  type AuditLogsQueryVariables,
  type ChatCompletionInput,
  type CreateApiKeyInput,
  type CreateTeamInput,
  type UpdateTeamInput,
  type ChatCompletionStreamSubscription,
  type CreateChatCompletionMutation,
  type CreateEmbeddingMutation,
  type EmbeddingInput,
  type RequestLogsQueryVariables,
  type SpendGroupBy,
} from "./generated/graphql.ts";

export * from "./generated/graphql.ts";

/** The typed result of `chat()`: a ChatCompletion or one of the expected error members (check `__typename`). */
export type ChatResult = CreateChatCompletionMutation["createChatCompletion"];
export type ChatChunk = ChatCompletionStreamSubscription["chatCompletionStream"];
/** The typed result of `embed()`: Embeddings or one of the expected error members (check `__typename`). */
export type EmbeddingResult = CreateEmbeddingMutation["createEmbedding"];

export interface SwitchboardClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** A Switchboard key (the master key or a team key); sent as `Authorization: Bearer`. */
  apiKey?: string;
  fetch?: typeof globalThis.fetch;
  /** A WebSocket class for `stream()` (Node 20 has none built in: pass `WebSocket` from the `ws` package). */
  webSocketImpl?: unknown;
}

/** A GraphQL error from the gateway; `code` is `extensions.code` (e.g. MODEL_NOT_FOUND, UNAUTHENTICATED). */
export class SwitchboardError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly errors: readonly GraphQLFormattedError[] = [],
  ) {
    super(message);
    this.name = "SwitchboardError";
  }

  static from(errors: readonly GraphQLFormattedError[]): SwitchboardError {
    const code = errors[0]?.extensions?.code;
    return new SwitchboardError(errors.map((error) => error.message).join("; "), typeof code === "string" ? code : undefined, errors);
  }
}

const printed = new WeakMap<object, string>();
function queryText(document: TypedDocumentNode<unknown, unknown>): string {
  let text = printed.get(document);
  if (!text) printed.set(document, (text = print(document)));
  return text;
}

/** A typed client for Switchboard's GraphQL API: chat, token streams, models, spend. */
export function createSwitchboardClient({ url, apiKey, fetch = globalThis.fetch, webSocketImpl }: SwitchboardClientOptions) {
  const authorization = apiKey ? `Bearer ${apiKey}` : undefined;
  let webSocketClient: Client | undefined;

  async function request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables?: Variables): Promise<Result> {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify({ query: queryText(document as TypedDocumentNode<unknown, unknown>), variables }),
    });
    const body = (await response.json().catch(() => undefined)) as { data?: Result; errors?: GraphQLFormattedError[] } | undefined;
    if (!body) throw new SwitchboardError(`The gateway answered ${response.status} without a GraphQL body`, undefined);
    if (body.errors?.length) throw SwitchboardError.from(body.errors);
    return body.data as Result;
  }

  function socket(): Client {
    const implementation = webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!implementation) throw new SwitchboardError("stream() needs a WebSocket: pass webSocketImpl (e.g. WebSocket from the ws package)", undefined);
    webSocketClient ??= createClient({
      url: url.replace(/^http/, "ws"),
      webSocketImpl: implementation,
      connectionParams: authorization ? { authorization } : {},
      lazy: true,
      // 4403 is the gateway refusing the key: trying again cannot help (graphql-ws would retry it).
      shouldRetry: (event) => (event as { code?: number } | undefined)?.code !== 4403,
    });
    return webSocketClient;
  }

  return {
    /** One completion; expected failures come back as typed members (BudgetExceededError, ...). */
    async chat(input: ChatCompletionInput): Promise<ChatResult> {
      return (await request(CreateChatCompletionDocument, { input })).createChatCompletion;
    },
    /** Embeddings for one or more texts; expected failures come back as typed members. */
    async embed(input: EmbeddingInput): Promise<EmbeddingResult> {
      return (await request(CreateEmbeddingDocument, { input })).createEmbedding;
    },
    /**
     * Streams chunks over graphql-ws. The last chunk has finishReason, usage and costUsd.
     * Breaking out of the loop completes the subscription, which cancels the upstream call.
     */
    async *stream(input: ChatCompletionInput): AsyncGenerator<ChatChunk> {
      const iterator = socket().iterate({ query: queryText(ChatCompletionStreamDocument as TypedDocumentNode<unknown, unknown>), variables: { input } });
      try {
        for await (const result of iterator) {
          if (result.errors?.length) throw SwitchboardError.from(result.errors);
          yield (result.data as ChatCompletionStreamSubscription).chatCompletionStream;
        }
      } catch (error) {
        if (Array.isArray(error)) throw SwitchboardError.from(error as GraphQLFormattedError[]);
        if (error instanceof Error) throw error;
        const closed = error as { code?: number; reason?: string };
        throw new SwitchboardError(`The subscription socket closed (${closed.code ?? "?"} ${closed.reason ?? ""})`.trim(), closed.code === 4403 ? "UNAUTHENTICATED" : undefined);
      } finally {
        await iterator.return?.();
      }
    },
    async models() {
      return (await request(ModelsDocument)).models;
    },
    async spend(groupBy: SpendGroupBy, range: { from?: string; to?: string; teamId?: string } = {}) {
      return (await request(SpendDocument, { groupBy, ...range })).spend;
    },
    async requestLogs(variables: RequestLogsQueryVariables = {}) {
      return (await request(RequestLogsDocument, variables)).requestLogs;
    },
    async me() {
      return (await request(MeDocument)).me;
    },
    /** Admin: teams and their budgets (a team key sees its own). */
    async teams() {
      return (await request(TeamsDocument)).teams;
    },
    async createTeam(input: CreateTeamInput) {
      return (await request(CreateTeamDocument, { input })).createTeam;
    },
    async updateTeam(id: string, input: UpdateTeamInput) {
      return (await request(UpdateTeamDocument, { id, input })).updateTeam;
    },
    async apiKeys(teamId?: string) {
      return (await request(ApiKeysDocument, { teamId })).apiKeys;
    },
    /** Admin: a key for a team; `secret` is shown this once. */
    async createApiKey(input: CreateApiKeyInput) {
      return (await request(CreateApiKeyDocument, { input })).createApiKey;
    },
    async revokeApiKey(id: string) {
      return (await request(RevokeApiKeyDocument, { id })).revokeApiKey;
    },
    async auditLogs(variables: AuditLogsQueryVariables = {}) {
      return (await request(AuditLogsDocument, variables)).auditLogs;
    },
    /** Any typed document (e.g. your own generated operations). */
    request,
    /** Closes the WebSocket, if one was opened. */
    async close(): Promise<void> {
      await webSocketClient?.dispose();
      webSocketClient = undefined;
    },
  };
}

export type SwitchboardClient = ReturnType<typeof createSwitchboardClient>;
