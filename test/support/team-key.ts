import type { TestApp } from "./start-app.ts";

/** Creates a team as the admin and returns the secret of a new key of it. */
export async function createTeamKey(
  gateway: TestApp,
  masterKey: string,
  teamName: string,
): Promise<string> {
  const admin = { authorization: `Bearer ${masterKey}` };
  const team = await gateway.graphql<{ createTeam: { id: string } }>(
    `mutation ($name: String!) { createTeam(input: { name: $name }) { id } }`,
    { name: teamName },
    admin,
  );
  if (!team.data) throw new Error(`createTeam failed: ${JSON.stringify(team.errors)}`);
  const key = await gateway.graphql<{ createApiKey: { secret: string } }>(
    `mutation ($teamId: ID!) { createApiKey(input: { teamId: $teamId, name: "k" }) { secret } }`,
    { teamId: team.data.createTeam.id },
    admin,
  );
  if (!key.data) throw new Error(`createApiKey failed: ${JSON.stringify(key.errors)}`);
  return key.data.createApiKey.secret;
}
