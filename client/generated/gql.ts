/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateChatCompletion($input: ChatCompletionInput!) {\n  createChatCompletion(input: $input) {\n    __typename\n    ... on ChatCompletion {\n      id\n      requestId\n      model\n      created\n      provider\n      deployment\n      costUsd\n      latencyMs\n      choices {\n        index\n        finishReason\n        message {\n          role\n          content\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      usage {\n        ...UsageFields\n      }\n    }\n    ...ErrorFields\n  }\n}": typeof types.CreateChatCompletionDocument,
    "mutation CreateEmbedding($input: EmbeddingInput!) {\n  createEmbedding(input: $input) {\n    __typename\n    ... on Embeddings {\n      requestId\n      model\n      provider\n      deployment\n      costUsd\n      latencyMs\n      data {\n        index\n        vector\n      }\n      usage {\n        promptTokens\n        totalTokens\n        estimated\n      }\n    }\n    ...ErrorFields\n  }\n}": typeof types.CreateEmbeddingDocument,
    "fragment UsageFields on Usage {\n  promptTokens\n  completionTokens\n  totalTokens\n  cachedTokens\n  reasoningTokens\n}\n\nfragment ToolCallFields on ToolCall {\n  index\n  id\n  type\n  function {\n    name\n    arguments\n  }\n}\n\nfragment ErrorFields on Error {\n  message\n  code\n  ... on InvalidRequestError {\n    param\n  }\n  ... on RateLimitedError {\n    retryAfterMs\n  }\n  ... on ProviderError {\n    provider\n    upstreamStatus\n    retryable\n    upstreamCode\n    contextLengthExceeded\n  }\n}": typeof types.UsageFieldsFragmentDoc,
    "query Me {\n  me {\n    id\n    kind\n    name\n    teamId\n    apiKeyId\n  }\n}": typeof types.MeDocument,
    "query Models {\n  models {\n    name\n    provider\n    isWildcard\n    contextWindow\n    maxOutputTokens\n    inputPricePerMillion\n    cachedInputPricePerMillion\n    outputPricePerMillion\n    priceSource\n    capabilities {\n      tools\n      vision\n      jsonSchema\n      embeddings\n    }\n    deployments {\n      id\n      provider\n      model\n      healthy\n    }\n  }\n}": typeof types.ModelsDocument,
    "query RequestLogs($first: Int, $after: String, $filter: RequestLogFilter) {\n  requestLogs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        requestedModel\n        model\n        provider\n        deployment\n        status\n        errorCode\n        errorMessage\n        httpStatus\n        source\n        stream\n        promptTokens\n        completionTokens\n        cachedTokens\n        reasoningTokens\n        costUsd\n        usageEstimated\n        latencyMs\n        timeToFirstTokenMs\n        apiKeyId\n        teamId\n        attempts\n        metadata\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.RequestLogsDocument,
    "query Spend($groupBy: SpendGroupBy!, $from: DateTime, $to: DateTime, $teamId: ID) {\n  spend(groupBy: $groupBy, from: $from, to: $to, teamId: $teamId) {\n    key\n    requests\n    promptTokens\n    completionTokens\n    costUsd\n  }\n}": typeof types.SpendDocument,
    "subscription ChatCompletionStream($input: ChatCompletionInput!) {\n  chatCompletionStream(input: $input) {\n    id\n    model\n    created\n    choices {\n      index\n      finishReason\n      delta {\n        role\n        content\n        toolCalls {\n          ...ToolCallFields\n        }\n      }\n    }\n    usage {\n      ...UsageFields\n    }\n    costUsd\n  }\n}": typeof types.ChatCompletionStreamDocument,
};
const documents: Documents = {
    "mutation CreateChatCompletion($input: ChatCompletionInput!) {\n  createChatCompletion(input: $input) {\n    __typename\n    ... on ChatCompletion {\n      id\n      requestId\n      model\n      created\n      provider\n      deployment\n      costUsd\n      latencyMs\n      choices {\n        index\n        finishReason\n        message {\n          role\n          content\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      usage {\n        ...UsageFields\n      }\n    }\n    ...ErrorFields\n  }\n}": types.CreateChatCompletionDocument,
    "mutation CreateEmbedding($input: EmbeddingInput!) {\n  createEmbedding(input: $input) {\n    __typename\n    ... on Embeddings {\n      requestId\n      model\n      provider\n      deployment\n      costUsd\n      latencyMs\n      data {\n        index\n        vector\n      }\n      usage {\n        promptTokens\n        totalTokens\n        estimated\n      }\n    }\n    ...ErrorFields\n  }\n}": types.CreateEmbeddingDocument,
    "fragment UsageFields on Usage {\n  promptTokens\n  completionTokens\n  totalTokens\n  cachedTokens\n  reasoningTokens\n}\n\nfragment ToolCallFields on ToolCall {\n  index\n  id\n  type\n  function {\n    name\n    arguments\n  }\n}\n\nfragment ErrorFields on Error {\n  message\n  code\n  ... on InvalidRequestError {\n    param\n  }\n  ... on RateLimitedError {\n    retryAfterMs\n  }\n  ... on ProviderError {\n    provider\n    upstreamStatus\n    retryable\n    upstreamCode\n    contextLengthExceeded\n  }\n}": types.UsageFieldsFragmentDoc,
    "query Me {\n  me {\n    id\n    kind\n    name\n    teamId\n    apiKeyId\n  }\n}": types.MeDocument,
    "query Models {\n  models {\n    name\n    provider\n    isWildcard\n    contextWindow\n    maxOutputTokens\n    inputPricePerMillion\n    cachedInputPricePerMillion\n    outputPricePerMillion\n    priceSource\n    capabilities {\n      tools\n      vision\n      jsonSchema\n      embeddings\n    }\n    deployments {\n      id\n      provider\n      model\n      healthy\n    }\n  }\n}": types.ModelsDocument,
    "query RequestLogs($first: Int, $after: String, $filter: RequestLogFilter) {\n  requestLogs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        requestedModel\n        model\n        provider\n        deployment\n        status\n        errorCode\n        errorMessage\n        httpStatus\n        source\n        stream\n        promptTokens\n        completionTokens\n        cachedTokens\n        reasoningTokens\n        costUsd\n        usageEstimated\n        latencyMs\n        timeToFirstTokenMs\n        apiKeyId\n        teamId\n        attempts\n        metadata\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.RequestLogsDocument,
    "query Spend($groupBy: SpendGroupBy!, $from: DateTime, $to: DateTime, $teamId: ID) {\n  spend(groupBy: $groupBy, from: $from, to: $to, teamId: $teamId) {\n    key\n    requests\n    promptTokens\n    completionTokens\n    costUsd\n  }\n}": types.SpendDocument,
    "subscription ChatCompletionStream($input: ChatCompletionInput!) {\n  chatCompletionStream(input: $input) {\n    id\n    model\n    created\n    choices {\n      index\n      finishReason\n      delta {\n        role\n        content\n        toolCalls {\n          ...ToolCallFields\n        }\n      }\n    }\n    usage {\n      ...UsageFields\n    }\n    costUsd\n  }\n}": types.ChatCompletionStreamDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateChatCompletion($input: ChatCompletionInput!) {\n  createChatCompletion(input: $input) {\n    __typename\n    ... on ChatCompletion {\n      id\n      requestId\n      model\n      created\n      provider\n      deployment\n      costUsd\n      latencyMs\n      choices {\n        index\n        finishReason\n        message {\n          role\n          content\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      usage {\n        ...UsageFields\n      }\n    }\n    ...ErrorFields\n  }\n}"): (typeof documents)["mutation CreateChatCompletion($input: ChatCompletionInput!) {\n  createChatCompletion(input: $input) {\n    __typename\n    ... on ChatCompletion {\n      id\n      requestId\n      model\n      created\n      provider\n      deployment\n      costUsd\n      latencyMs\n      choices {\n        index\n        finishReason\n        message {\n          role\n          content\n          toolCalls {\n            ...ToolCallFields\n          }\n        }\n      }\n      usage {\n        ...UsageFields\n      }\n    }\n    ...ErrorFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateEmbedding($input: EmbeddingInput!) {\n  createEmbedding(input: $input) {\n    __typename\n    ... on Embeddings {\n      requestId\n      model\n      provider\n      deployment\n      costUsd\n      latencyMs\n      data {\n        index\n        vector\n      }\n      usage {\n        promptTokens\n        totalTokens\n        estimated\n      }\n    }\n    ...ErrorFields\n  }\n}"): (typeof documents)["mutation CreateEmbedding($input: EmbeddingInput!) {\n  createEmbedding(input: $input) {\n    __typename\n    ... on Embeddings {\n      requestId\n      model\n      provider\n      deployment\n      costUsd\n      latencyMs\n      data {\n        index\n        vector\n      }\n      usage {\n        promptTokens\n        totalTokens\n        estimated\n      }\n    }\n    ...ErrorFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UsageFields on Usage {\n  promptTokens\n  completionTokens\n  totalTokens\n  cachedTokens\n  reasoningTokens\n}\n\nfragment ToolCallFields on ToolCall {\n  index\n  id\n  type\n  function {\n    name\n    arguments\n  }\n}\n\nfragment ErrorFields on Error {\n  message\n  code\n  ... on InvalidRequestError {\n    param\n  }\n  ... on RateLimitedError {\n    retryAfterMs\n  }\n  ... on ProviderError {\n    provider\n    upstreamStatus\n    retryable\n    upstreamCode\n    contextLengthExceeded\n  }\n}"): (typeof documents)["fragment UsageFields on Usage {\n  promptTokens\n  completionTokens\n  totalTokens\n  cachedTokens\n  reasoningTokens\n}\n\nfragment ToolCallFields on ToolCall {\n  index\n  id\n  type\n  function {\n    name\n    arguments\n  }\n}\n\nfragment ErrorFields on Error {\n  message\n  code\n  ... on InvalidRequestError {\n    param\n  }\n  ... on RateLimitedError {\n    retryAfterMs\n  }\n  ... on ProviderError {\n    provider\n    upstreamStatus\n    retryable\n    upstreamCode\n    contextLengthExceeded\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    kind\n    name\n    teamId\n    apiKeyId\n  }\n}"): (typeof documents)["query Me {\n  me {\n    id\n    kind\n    name\n    teamId\n    apiKeyId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Models {\n  models {\n    name\n    provider\n    isWildcard\n    contextWindow\n    maxOutputTokens\n    inputPricePerMillion\n    cachedInputPricePerMillion\n    outputPricePerMillion\n    priceSource\n    capabilities {\n      tools\n      vision\n      jsonSchema\n      embeddings\n    }\n    deployments {\n      id\n      provider\n      model\n      healthy\n    }\n  }\n}"): (typeof documents)["query Models {\n  models {\n    name\n    provider\n    isWildcard\n    contextWindow\n    maxOutputTokens\n    inputPricePerMillion\n    cachedInputPricePerMillion\n    outputPricePerMillion\n    priceSource\n    capabilities {\n      tools\n      vision\n      jsonSchema\n      embeddings\n    }\n    deployments {\n      id\n      provider\n      model\n      healthy\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query RequestLogs($first: Int, $after: String, $filter: RequestLogFilter) {\n  requestLogs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        requestedModel\n        model\n        provider\n        deployment\n        status\n        errorCode\n        errorMessage\n        httpStatus\n        source\n        stream\n        promptTokens\n        completionTokens\n        cachedTokens\n        reasoningTokens\n        costUsd\n        usageEstimated\n        latencyMs\n        timeToFirstTokenMs\n        apiKeyId\n        teamId\n        attempts\n        metadata\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query RequestLogs($first: Int, $after: String, $filter: RequestLogFilter) {\n  requestLogs(first: $first, after: $after, filter: $filter) {\n    edges {\n      cursor\n      node {\n        id\n        createdAt\n        requestedModel\n        model\n        provider\n        deployment\n        status\n        errorCode\n        errorMessage\n        httpStatus\n        source\n        stream\n        promptTokens\n        completionTokens\n        cachedTokens\n        reasoningTokens\n        costUsd\n        usageEstimated\n        latencyMs\n        timeToFirstTokenMs\n        apiKeyId\n        teamId\n        attempts\n        metadata\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Spend($groupBy: SpendGroupBy!, $from: DateTime, $to: DateTime, $teamId: ID) {\n  spend(groupBy: $groupBy, from: $from, to: $to, teamId: $teamId) {\n    key\n    requests\n    promptTokens\n    completionTokens\n    costUsd\n  }\n}"): (typeof documents)["query Spend($groupBy: SpendGroupBy!, $from: DateTime, $to: DateTime, $teamId: ID) {\n  spend(groupBy: $groupBy, from: $from, to: $to, teamId: $teamId) {\n    key\n    requests\n    promptTokens\n    completionTokens\n    costUsd\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ChatCompletionStream($input: ChatCompletionInput!) {\n  chatCompletionStream(input: $input) {\n    id\n    model\n    created\n    choices {\n      index\n      finishReason\n      delta {\n        role\n        content\n        toolCalls {\n          ...ToolCallFields\n        }\n      }\n    }\n    usage {\n      ...UsageFields\n    }\n    costUsd\n  }\n}"): (typeof documents)["subscription ChatCompletionStream($input: ChatCompletionInput!) {\n  chatCompletionStream(input: $input) {\n    id\n    model\n    created\n    choices {\n      index\n      finishReason\n      delta {\n        role\n        content\n        toolCalls {\n          ...ToolCallFields\n        }\n      }\n    }\n    usage {\n      ...UsageFields\n    }\n    costUsd\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;