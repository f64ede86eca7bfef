/* eslint-disable */
import * as types from './graphql';
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
    "fragment DashboardBudget on Budget {\n  limitUsd\n  period\n  spentUsd\n  reservedUsd\n  remainingUsd\n  periodStart\n  resetsAt\n}\n\nfragment DashboardLimits on Limits {\n  rpm\n  tpm\n  maxParallel\n}\n\nfragment DashboardTeam on Team {\n  id\n  name\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  createdAt\n  updatedAt\n}\n\nfragment DashboardApiKey on ApiKey {\n  id\n  name\n  prefix\n  teamId\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  expiresAt\n  revokedAt\n  createdAt\n}\n\nfragment SpendTotals on SpendRow {\n  key\n  requests\n  errors\n  promptTokens\n  completionTokens\n  costUsd\n}": typeof types.DashboardBudgetFragmentDoc,
    "query KeysPage($teamId: ID, $first: Int!, $after: ID) {\n  apiKeys(teamId: $teamId, first: $first, after: $after) {\n    ...DashboardApiKey\n  }\n  teams {\n    id\n    name\n  }\n}": typeof types.KeysPageDocument,
    "query LogFilterChoices {\n  teams {\n    id\n    name\n  }\n  models {\n    name\n  }\n}\n\nquery LogKeyChoices($teamId: ID!) {\n  apiKeys(teamId: $teamId, first: 100) {\n    id\n    name\n    prefix\n    revokedAt\n  }\n}": typeof types.LogFilterChoicesDocument,
    "query Overview($last30DaysFrom: DateTime!, $monthFrom: DateTime!) {\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom) {\n    ...SpendTotals\n  }\n  monthByModel: spend(groupBy: MODEL, from: $monthFrom) {\n    ...SpendTotals\n  }\n  models {\n    name\n    provider\n  }\n}": typeof types.OverviewDocument,
    "query TeamPage($id: ID!, $last30DaysFrom: DateTime!, $monthFrom: DateTime!, $keysFirst: Int!, $withKeys: Boolean!) {\n  team(id: $id) {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  spendPerModel: spend(groupBy: MODEL, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  apiKeys(teamId: $id, first: $keysFirst) @include(if: $withKeys) {\n    ...DashboardApiKey\n  }\n}": typeof types.TeamPageDocument,
    "query TeamsPage($monthFrom: DateTime!) {\n  teams {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n}": typeof types.TeamsPageDocument,
};
const documents: Documents = {
    "fragment DashboardBudget on Budget {\n  limitUsd\n  period\n  spentUsd\n  reservedUsd\n  remainingUsd\n  periodStart\n  resetsAt\n}\n\nfragment DashboardLimits on Limits {\n  rpm\n  tpm\n  maxParallel\n}\n\nfragment DashboardTeam on Team {\n  id\n  name\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  createdAt\n  updatedAt\n}\n\nfragment DashboardApiKey on ApiKey {\n  id\n  name\n  prefix\n  teamId\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  expiresAt\n  revokedAt\n  createdAt\n}\n\nfragment SpendTotals on SpendRow {\n  key\n  requests\n  errors\n  promptTokens\n  completionTokens\n  costUsd\n}": types.DashboardBudgetFragmentDoc,
    "query KeysPage($teamId: ID, $first: Int!, $after: ID) {\n  apiKeys(teamId: $teamId, first: $first, after: $after) {\n    ...DashboardApiKey\n  }\n  teams {\n    id\n    name\n  }\n}": types.KeysPageDocument,
    "query LogFilterChoices {\n  teams {\n    id\n    name\n  }\n  models {\n    name\n  }\n}\n\nquery LogKeyChoices($teamId: ID!) {\n  apiKeys(teamId: $teamId, first: 100) {\n    id\n    name\n    prefix\n    revokedAt\n  }\n}": types.LogFilterChoicesDocument,
    "query Overview($last30DaysFrom: DateTime!, $monthFrom: DateTime!) {\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom) {\n    ...SpendTotals\n  }\n  monthByModel: spend(groupBy: MODEL, from: $monthFrom) {\n    ...SpendTotals\n  }\n  models {\n    name\n    provider\n  }\n}": types.OverviewDocument,
    "query TeamPage($id: ID!, $last30DaysFrom: DateTime!, $monthFrom: DateTime!, $keysFirst: Int!, $withKeys: Boolean!) {\n  team(id: $id) {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  spendPerModel: spend(groupBy: MODEL, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  apiKeys(teamId: $id, first: $keysFirst) @include(if: $withKeys) {\n    ...DashboardApiKey\n  }\n}": types.TeamPageDocument,
    "query TeamsPage($monthFrom: DateTime!) {\n  teams {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n}": types.TeamsPageDocument,
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
export function graphql(source: "fragment DashboardBudget on Budget {\n  limitUsd\n  period\n  spentUsd\n  reservedUsd\n  remainingUsd\n  periodStart\n  resetsAt\n}\n\nfragment DashboardLimits on Limits {\n  rpm\n  tpm\n  maxParallel\n}\n\nfragment DashboardTeam on Team {\n  id\n  name\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  createdAt\n  updatedAt\n}\n\nfragment DashboardApiKey on ApiKey {\n  id\n  name\n  prefix\n  teamId\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  expiresAt\n  revokedAt\n  createdAt\n}\n\nfragment SpendTotals on SpendRow {\n  key\n  requests\n  errors\n  promptTokens\n  completionTokens\n  costUsd\n}"): (typeof documents)["fragment DashboardBudget on Budget {\n  limitUsd\n  period\n  spentUsd\n  reservedUsd\n  remainingUsd\n  periodStart\n  resetsAt\n}\n\nfragment DashboardLimits on Limits {\n  rpm\n  tpm\n  maxParallel\n}\n\nfragment DashboardTeam on Team {\n  id\n  name\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  createdAt\n  updatedAt\n}\n\nfragment DashboardApiKey on ApiKey {\n  id\n  name\n  prefix\n  teamId\n  models\n  limits {\n    ...DashboardLimits\n  }\n  budget {\n    ...DashboardBudget\n  }\n  expiresAt\n  revokedAt\n  createdAt\n}\n\nfragment SpendTotals on SpendRow {\n  key\n  requests\n  errors\n  promptTokens\n  completionTokens\n  costUsd\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query KeysPage($teamId: ID, $first: Int!, $after: ID) {\n  apiKeys(teamId: $teamId, first: $first, after: $after) {\n    ...DashboardApiKey\n  }\n  teams {\n    id\n    name\n  }\n}"): (typeof documents)["query KeysPage($teamId: ID, $first: Int!, $after: ID) {\n  apiKeys(teamId: $teamId, first: $first, after: $after) {\n    ...DashboardApiKey\n  }\n  teams {\n    id\n    name\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LogFilterChoices {\n  teams {\n    id\n    name\n  }\n  models {\n    name\n  }\n}\n\nquery LogKeyChoices($teamId: ID!) {\n  apiKeys(teamId: $teamId, first: 100) {\n    id\n    name\n    prefix\n    revokedAt\n  }\n}"): (typeof documents)["query LogFilterChoices {\n  teams {\n    id\n    name\n  }\n  models {\n    name\n  }\n}\n\nquery LogKeyChoices($teamId: ID!) {\n  apiKeys(teamId: $teamId, first: 100) {\n    id\n    name\n    prefix\n    revokedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Overview($last30DaysFrom: DateTime!, $monthFrom: DateTime!) {\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom) {\n    ...SpendTotals\n  }\n  monthByModel: spend(groupBy: MODEL, from: $monthFrom) {\n    ...SpendTotals\n  }\n  models {\n    name\n    provider\n  }\n}"): (typeof documents)["query Overview($last30DaysFrom: DateTime!, $monthFrom: DateTime!) {\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom) {\n    ...SpendTotals\n  }\n  monthByModel: spend(groupBy: MODEL, from: $monthFrom) {\n    ...SpendTotals\n  }\n  models {\n    name\n    provider\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TeamPage($id: ID!, $last30DaysFrom: DateTime!, $monthFrom: DateTime!, $keysFirst: Int!, $withKeys: Boolean!) {\n  team(id: $id) {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  spendPerModel: spend(groupBy: MODEL, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  apiKeys(teamId: $id, first: $keysFirst) @include(if: $withKeys) {\n    ...DashboardApiKey\n  }\n}"): (typeof documents)["query TeamPage($id: ID!, $last30DaysFrom: DateTime!, $monthFrom: DateTime!, $keysFirst: Int!, $withKeys: Boolean!) {\n  team(id: $id) {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n  spendPerDay: spend(groupBy: DAY, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  spendPerModel: spend(groupBy: MODEL, from: $last30DaysFrom, teamId: $id) {\n    ...SpendTotals\n  }\n  apiKeys(teamId: $id, first: $keysFirst) @include(if: $withKeys) {\n    ...DashboardApiKey\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TeamsPage($monthFrom: DateTime!) {\n  teams {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n}"): (typeof documents)["query TeamsPage($monthFrom: DateTime!) {\n  teams {\n    ...DashboardTeam\n    monthSpend: spend(from: $monthFrom) {\n      requests\n      costUsd\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;