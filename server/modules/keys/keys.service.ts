import { createHash, randomBytes } from "node:crypto";
import { GatewayError } from "../../gateway/errors.ts";
import type { AuditLogRepository } from "../../storage/audit-log-repository.ts";
import type { PrismaClient } from "../../storage/db.ts";
import {
  apiKeyInputSchema,
  governanceColumns,
  parseGovernanceInput,
  type ApiKeyInput,
} from "../teams/governance-input.ts";
import type { Actor } from "../teams/teams.service.ts";
import type { ApiKeyRecord, KeyDirectory } from "./key-directory.ts";

/** Every secret starts so, which makes a leaked Switchboard key recognisable to secret scanners. */
export const apiKeySecretPrefix = "sk-sb-";
/** How much of the secret is kept and shown: the scheme and 6 random characters. */
const visiblePrefixLength = apiKeySecretPrefix.length + 6;

/** The only form of a secret that is stored: SHA-256, hex. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** The part of a presented key safe to show and log (for audit entries of failed attempts). */
export function visiblePrefixOf(secret: string): string {
  return secret.slice(0, visiblePrefixLength);
}

/**
 * Team keys (virtual keys): created with a secret shown once, revoked for good. The key and
 * its audit entry are one transaction; the in-memory directory is updated once it commits,
 * and revocation listeners (open graphql-ws connections) are told at once — of revocations
 * made here and of those another instance made, as they reach the directory.
 */
export function createKeysService({
  prisma,
  directory,
  audit,
  now = () => new Date(),
}: {
  prisma: PrismaClient;
  directory: KeyDirectory;
  audit: AuditLogRepository;
  now?: () => Date;
}) {
  const revocationListeners = new Set<(key: ApiKeyRecord) => void>();
  // The directory is where both kinds of revocation land, so it is where they are noticed.
  directory.onChange((change) => {
    if (change.kind !== "apiKey" || !change.key.revokedAt || change.previous?.revokedAt) return;
    for (const listener of revocationListeners) listener(change.key);
  });

  async function createApiKey(
    input: ApiKeyInput,
    actor: Actor,
  ): Promise<{ apiKey: ApiKeyRecord; secret: string }> {
    const settings = parseGovernanceInput(apiKeyInputSchema, input);
    if (!directory.team(settings.teamId))
      throw new GatewayError("BAD_REQUEST", `Unknown team '${settings.teamId}'.`, {
        param: "input.teamId",
      });
    const at = now();
    if (settings.expiresAt && settings.expiresAt.getTime() <= at.getTime()) {
      throw new GatewayError("BAD_REQUEST", "expiresAt must be in the future.", {
        param: "input.expiresAt",
      });
    }
    // 32 random bytes: 256 bits, base64url so the key survives headers and shells unquoted.
    const secret = `${apiKeySecretPrefix}${randomBytes(32).toString("base64url")}`;
    const apiKey = await prisma.$transaction(async (transaction) => {
      const created = await transaction.apiKey.create({
        data: {
          teamId: settings.teamId,
          name: settings.name,
          prefix: visiblePrefixOf(secret),
          hash: hashSecret(secret),
          ...governanceColumns(settings),
          budgetPeriodStart: settings.budget ? at : null,
          expiresAt: settings.expiresAt ?? null,
          ...(settings.metadata ? { metadata: settings.metadata as object } : {}),
        },
      });
      await audit.record(
        transaction,
        {
          actor: actor.id,
          action: "apiKey.create",
          targetType: "apiKey",
          targetId: created.id,
          after: apiKeySnapshot(created),
        },
        at,
      );
      return created;
    });
    directory.putKey(apiKey);
    return { apiKey, secret };
  }

  async function revokeApiKey(id: string, actor: Actor): Promise<ApiKeyRecord> {
    const before = directory.key(id);
    if (!before) throw new GatewayError("BAD_REQUEST", `Unknown API key '${id}'.`, { param: "id" });
    if (before.revokedAt) return before;
    const at = now();
    const apiKey = await prisma.$transaction(async (transaction) => {
      const revoked = await transaction.apiKey.update({ where: { id }, data: { revokedAt: at } });
      await audit.record(
        transaction,
        {
          actor: actor.id,
          action: "apiKey.revoke",
          targetType: "apiKey",
          targetId: id,
          before: apiKeySnapshot(before),
          after: apiKeySnapshot(revoked),
        },
        at,
      );
      return revoked;
    });
    directory.putKey(apiKey);
    return apiKey;
  }

  /** Calls `listener` with each key revoked from now on; returns the unsubscribe function. */
  function onRevoked(listener: (key: ApiKeyRecord) => void): () => void {
    revocationListeners.add(listener);
    return () => revocationListeners.delete(listener);
  }

  return {
    createApiKey,
    revokeApiKey,
    onRevoked,
    key: directory.key,
    keysOfTeam: directory.keysOfTeam,
    pageOfKeys: directory.pageOfKeys,
  };
}

export type KeysService = ReturnType<typeof createKeysService>;

/** What the audit log keeps of a key: everything but the hash (the secret is never stored at all). */
export function apiKeySnapshot(key: ApiKeyRecord) {
  return {
    id: key.id,
    teamId: key.teamId,
    name: key.name,
    prefix: key.prefix,
    models: key.models ?? null,
    budget:
      key.budgetLimitNanoUsd === null
        ? null
        : { limitNanoUsd: key.budgetLimitNanoUsd, period: key.budgetPeriod },
    limits: { rpm: key.rpmLimit, tpm: key.tpmLimit, maxParallel: key.maxParallel },
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    metadata: key.metadata ?? null,
  };
}
