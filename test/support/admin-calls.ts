import type { TestApp } from "./start-app.ts";

/*
 * GraphQL calls a test makes as someone: the admin (master key) or a team key, failing loudly
 * when the gateway answers with errors instead of data.
 */

/** Runs `query` with `secret` as the bearer key; throws the errors when there is no data. */
export async function graphqlAs<Data = any>(
  gateway: TestApp,
  secret: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Data> {
  const { data, errors } = await gateway.graphql<Data>(query, variables, {
    authorization: `Bearer ${secret}`,
  });
  if (!data || errors) throw new Error(JSON.stringify(errors));
  return data;
}

/** Creates a team (`team` is a CreateTeamInput) and one key for it, as the admin. */
export async function createTeamWithKey(
  gateway: TestApp,
  masterKey: string,
  team: Record<string, unknown>,
): Promise<{ teamId: string; secret: string; keyId: string }> {
  const { createTeam } = await graphqlAs(
    gateway,
    masterKey,
    `mutation($input: CreateTeamInput!) { createTeam(input: $input) { id } }`,
    { input: team },
  );
  const { createApiKey } = await graphqlAs(
    gateway,
    masterKey,
    `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id } } }`,
    { input: { teamId: createTeam.id, name: "service" } },
  );
  return { teamId: createTeam.id, secret: createApiKey.secret, keyId: createApiKey.apiKey.id };
}
