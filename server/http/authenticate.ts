import { createHash, hash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../gateway/errors.ts";
import { anonymousAdmin, masterKeyAdmin, type Principal } from "../gateway/principal.ts";
import { allowedModelsOf, type KeyDirectory } from "../modules/keys/key-directory.ts";
import { visiblePrefixOf } from "../modules/keys/keys.service.ts";

/** Where a credential was presented, for the audit entry of a failure. */
export type AuthenticationSource = "rest" | "graphql" | "graphql-ws";

/** A failed attempt, as the audit log records it: never the key itself, only its visible prefix. */
export interface AuthenticationFailure {
  source: AuthenticationSource;
  reason: "missing" | "unknown" | "revoked" | "expired";
  keyPrefix?: string;
  apiKeyId?: string;
}

/**
 * The credential a caller presented, as an `Authorization` value: `Authorization: Bearer <key>`
 * first, else `x-api-key` (Anthropic's SDKs and Claude Code), else `api-key` (Azure OpenAI
 * clients); a header that holds something else than a bearer key is passed on to be refused.
 */
export function presentedCredential(
  header: (name: string) => string | string[] | null | undefined,
): string | undefined {
  const value = (name: string) => {
    const found = header(name);
    return (Array.isArray(found) ? found[0] : found) || undefined;
  };
  const authorization = value("authorization");
  if (authorization && /^Bearer\s/i.test(authorization)) return authorization;
  const key = value("x-api-key") ?? value("api-key");
  return key ? `Bearer ${key.trim()}` : authorization;
}

/**
 * Turns an `Authorization: Bearer <key>` value into the caller: the master key is the admin;
 * a team key is looked up by its hash in the in-memory directory (no database round trip) and
 * must be neither revoked nor expired. Without a master key, authentication is off and everyone
 * is the admin (the server then binds only to loopback).
 */
export function createAuthenticator({
  masterKey,
  keys,
  now = () => new Date(),
  onFailure = () => {},
}: {
  masterKey?: string;
  keys?: KeyDirectory;
  now?: () => Date;
  onFailure?: (failure: AuthenticationFailure) => void;
}) {
  const masterKeyDigest = masterKey ? createHash("sha256").update(masterKey).digest() : undefined;

  function fail(failure: AuthenticationFailure, message: string): never {
    onFailure(failure);
    throw new GatewayError("UNAUTHENTICATED", message);
  }

  return function authenticate(
    authorization: string | null | undefined,
    source: AuthenticationSource = "graphql",
  ): Principal {
    if (!masterKeyDigest) return anonymousAdmin;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match)
      fail(
        { source, reason: "missing" },
        "Missing API key: send 'Authorization: Bearer <key>' (or the key in an x-api-key or api-key header).",
      );
    const secret = match[1];
    // Comparing digests keeps the comparison constant-time whatever the length of the key sent;
    // the same digest, in hex, is how team keys are stored (hashSecret), so it is computed once.
    // crypto.hash: one call, no Hash object (Node ≥ 20.12), on every request.
    const digest = hash("sha256", secret, "buffer");
    if (timingSafeEqual(digest, masterKeyDigest)) return masterKeyAdmin;
    const key = keys?.findKeyByHash(digest.toString("hex"));
    if (!key)
      fail({ source, reason: "unknown", keyPrefix: visiblePrefixOf(secret) }, "Invalid API key.");
    if (key.revokedAt)
      fail(
        { source, reason: "revoked", keyPrefix: key.prefix, apiKeyId: key.id },
        "This API key has been revoked.",
      );
    if (key.expiresAt && key.expiresAt.getTime() <= now().getTime())
      fail(
        { source, reason: "expired", keyPrefix: key.prefix, apiKeyId: key.id },
        "This API key has expired.",
      );
    return {
      kind: "apiKey",
      id: key.id,
      name: key.name,
      apiKeyId: key.id,
      teamId: key.teamId,
      allowedModels: allowedModelsOf(key, keys?.team(key.teamId)),
    };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
