import type { StandardSchemaV1 } from "@standard-schema/spec";
import {
  readStructuredOutput,
  responseFormatFor,
  type StructuredOutputOptions,
  type StructuredOutputSchema,
} from "./chat-object.ts";
import {
  ApiKeysDocument,
  AuditLogsDocument,
  BudgetThresholdReachedDocument,
  ChatCompletionStreamDocument,
  CreateApiKeyDocument,
  CreateChatCompletionDocument,
  CreateEmbeddingDocument,
  CreateTeamDocument,
  MeDocument,
  ModelsDocument,
  RequestLoggedDocument,
  RequestLogsDocument,
  RevokeApiKeyDocument,
  SpendDocument,
  TeamDocument,
  TeamsDocument,
  UpdateTeamDocument,
  type AuditLogsQueryVariables,
  type BudgetThresholdReachedSubscription,
  type ChatCompletionStreamSubscription,
  type CreateApiKeyInput,
  type CreateChatCompletionMutation,
  type CreateEmbeddingMutation,
  type CreateTeamInput,
  type EmbeddingInput,
  type RequestLoggedSubscription,
  type RequestLogsQueryVariables,
  type SpendGroupBy,
  type UpdateTeamInput,
} from "./generated/graphql.ts";
import { createGraphQLOverHttp, type CallOptions } from "./graphql-over-http.ts";
import type { ChatInput } from "./openai-shapes.ts";
import { createSubscriptions, type SubscriptionTransportName } from "./subscriptions.ts";
import { SwitchboardError } from "./switchboard-error.ts";

/** The typed result of `chat()`: a ChatCompletion or one of the expected error members (check `__typename`). */
export type ChatResult = CreateChatCompletionMutation["createChatCompletion"];
/** A successful `chat()`. */
export type ChatCompletion = Extract<ChatResult, { __typename: "ChatCompletion" }>;
export type ChatChunk = ChatCompletionStreamSubscription["chatCompletionStream"];
/** The typed result of `embed()`: Embeddings or one of the expected error members (check `__typename`). */
export type EmbeddingResult = CreateEmbeddingMutation["createEmbedding"];
export type RequestLogEvent = RequestLoggedSubscription["requestLogged"];
export type BudgetAlert = BudgetThresholdReachedSubscription["budgetThresholdReached"];

/** `chatObject()`'s input: a chat whose answer must match `schema` (its response format is the schema's). */
export type ChatObjectInput<Schema extends StructuredOutputSchema> = Omit<
  ChatInput,
  "responseFormat"
> &
  StructuredOutputOptions & { schema: Schema };

/** `chatObject()`'s answer: the validated object, typed by the schema, and the completion it came in. */
export interface ChatObjectResult<Output> {
  object: Output;
  completion: ChatCompletion;
}

export interface SwitchboardClientOptions {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  /** A Switchboard key (the master key or a team key); sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof globalThis.fetch;
  /** A WebSocket class for subscriptions over graphql-ws (Node 20 has none built in: pass `WebSocket` from the `ws` package). */
  webSocketImpl?: unknown;
  /** How subscriptions travel: graphql-ws (default) or GraphQL over SSE, for places without WebSockets. */
  transport?: SubscriptionTransportName;
  /** With `transport: "sse"`: graphql-sse's single connection mode, one event stream for every subscription (browsers on HTTP/1). */
  singleConnection?: boolean;
}

/**
 * A typed client for Switchboard's GraphQL API: chat, token streams, structured objects,
 * embeddings, models, spend, live request and budget feeds, and the admin calls. Every call
 * takes `{ signal }`; every failure is a SwitchboardError.
 */
export function createSwitchboardClient({
  url,
  apiKey,
  fetch = globalThis.fetch.bind(globalThis),
  webSocketImpl,
  transport = "ws",
  singleConnection,
}: SwitchboardClientOptions) {
  const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const request = createGraphQLOverHttp({ url, headers, fetch });
  const subscriptions = createSubscriptions({
    url,
    transport,
    headers,
    fetch,
    webSocketImpl,
    singleConnection,
  });
  const { subscribe } = subscriptions;

  /** One completion; expected failures come back as typed members (BudgetExceededError, ...). */
  async function chat(input: ChatInput, options?: CallOptions): Promise<ChatResult> {
    return (await request(CreateChatCompletionDocument, { input }, options)).createChatCompletion;
  }

  return {
    chat,
    /**
     * A completion whose answer is JSON matching `schema` (a zod schema): sent as
     * `response_format: json_schema`, parsed and validated. Resolves `{ object, completion }`;
     * an answer that is not JSON or does not match rejects with SwitchboardError INVALID_OUTPUT
     * (its `text` is the raw answer); the gateway's expected failures reject with their code.
     */
    async chatObject<Schema extends StructuredOutputSchema>(
      input: ChatObjectInput<Schema>,
      options?: CallOptions,
    ): Promise<ChatObjectResult<StandardSchemaV1.InferOutput<Schema>>> {
      const { schema, schemaName, schemaDescription, strict, ...chatInput } = input;
      const result = await chat(
        {
          ...chatInput,
          responseFormat: responseFormatFor(schema, { schemaName, schemaDescription, strict }),
        },
        options,
      );
      if (result.__typename !== "ChatCompletion")
        throw new SwitchboardError(result.message, result.code, {
          retryAfterMs:
            result.__typename === "RateLimitedError"
              ? (result.retryAfterMs ?? undefined)
              : undefined,
        });
      const object = await readStructuredOutput(schema, result.choices[0]?.message.content);
      return { object: object as StandardSchemaV1.InferOutput<Schema>, completion: result };
    },
    /**
     * Streams chunks as the provider sends them; the last one has finishReason, usage and costUsd.
     * Breaking out of the loop or aborting `signal` cancels the upstream call.
     */
    async *stream(input: ChatInput, options?: CallOptions): AsyncGenerator<ChatChunk> {
      for await (const data of subscribe(ChatCompletionStreamDocument, { input }, options))
        yield data.chatCompletionStream;
    },
    /** Embeddings for one or more texts; expected failures come back as typed members. */
    async embed(input: EmbeddingInput, options?: CallOptions): Promise<EmbeddingResult> {
      return (await request(CreateEmbeddingDocument, { input }, options)).createEmbedding;
    },
    /** The models the caller may use, with prices, capabilities and each deployment's health. */
    async models(options?: CallOptions) {
      return (await request(ModelsDocument, {}, options)).models;
    },
    /** Spend and tokens grouped by TEAM, API_KEY, MODEL, PROVIDER or DAY over [from, to). */
    async spend(
      groupBy: SpendGroupBy,
      range: { from?: string; to?: string; teamId?: string } = {},
      options?: CallOptions,
    ) {
      return (await request(SpendDocument, { groupBy, ...range }, options)).spend;
    },
    /** Request logs, newest first, a page at a time (`first`, `after`, `filter`). */
    async requestLogs(variables: RequestLogsQueryVariables = {}, options?: CallOptions) {
      return (await request(RequestLogsDocument, variables, options)).requestLogs;
    },
    /** Request logs as requests finish (a team key gets its own team's). */
    async *watchRequests(
      filter: { teamId?: string } = {},
      options?: CallOptions,
    ): AsyncGenerator<RequestLogEvent> {
      for await (const data of subscribe(RequestLoggedDocument, filter, options))
        yield data.requestLogged;
    },
    /** Budgets passing 80% of their limit, once per period (a team key gets its own team's). */
    async *watchBudgetAlerts(
      filter: { teamId?: string } = {},
      options?: CallOptions,
    ): AsyncGenerator<BudgetAlert> {
      for await (const data of subscribe(BudgetThresholdReachedDocument, filter, options))
        yield data.budgetThresholdReached;
    },
    /** Who the key is: the admin or a team key. */
    async me(options?: CallOptions) {
      return (await request(MeDocument, {}, options)).me;
    },
    /** Teams and their budgets (a team key sees its own). */
    async teams(options?: CallOptions) {
      return (await request(TeamsDocument, {}, options)).teams;
    },
    /** One team with its budget and its spend over [from, to); null when there is no such team. */
    async team(id: string, range: { from?: string; to?: string } = {}, options?: CallOptions) {
      return (await request(TeamDocument, { id, ...range }, options)).team;
    },
    /** Admin: a new team. */
    async createTeam(input: CreateTeamInput, options?: CallOptions) {
      return (await request(CreateTeamDocument, { input }, options)).createTeam;
    },
    /** Admin: a team's budget, models or limits. */
    async updateTeam(id: string, input: UpdateTeamInput, options?: CallOptions) {
      return (await request(UpdateTeamDocument, { id, input }, options)).updateTeam;
    },
    /** Admin: keys newest first, of one team or all; `page` takes `first` and `after` (the last key id of the previous page). */
    async apiKeys(
      teamId?: string,
      page: { first?: number; after?: string } = {},
      options?: CallOptions,
    ) {
      return (await request(ApiKeysDocument, { teamId, ...page }, options)).apiKeys;
    },
    /** Admin: a key for a team; `secret` is shown this once. */
    async createApiKey(input: CreateApiKeyInput, options?: CallOptions) {
      return (await request(CreateApiKeyDocument, { input }, options)).createApiKey;
    },
    /** Admin: revokes a key at once (its open subscriptions are closed). */
    async revokeApiKey(id: string, options?: CallOptions) {
      return (await request(RevokeApiKeyDocument, { id }, options)).revokeApiKey;
    },
    /** Admin: the audit trail, newest first. */
    async auditLogs(variables: AuditLogsQueryVariables = {}, options?: CallOptions) {
      return (await request(AuditLogsDocument, variables, options)).auditLogs;
    },
    /** Any query or mutation as a TypedDocumentNode (e.g. your own operations, generated from the shipped schema.graphql). */
    request,
    /** Any subscription as a TypedDocumentNode, over the client's transport. */
    subscribe,
    /** Closes the WebSocket or event stream, if one was opened. */
    close: subscriptions.close,
  };
}

export type SwitchboardClient = ReturnType<typeof createSwitchboardClient>;
