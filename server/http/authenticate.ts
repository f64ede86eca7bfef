import { createHash, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../gateway/errors.ts";
import { anonymousAdmin, masterKeyAdmin, type Principal } from "../gateway/principal.ts";

/**
 * Turns an `Authorization: Bearer <key>` value into the caller. Without a master key,
 * authentication is off and everyone is the admin (the server then binds only to loopback).
 */
export function createAuthenticator({ masterKey }: { masterKey?: string }) {
  const masterKeyDigest = masterKey ? createHash("sha256").update(masterKey).digest() : undefined;

  return function authenticate(authorization: string | null | undefined): Principal {
    if (!masterKeyDigest) return anonymousAdmin;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match) throw new GatewayError("UNAUTHENTICATED", "Missing API key: send 'Authorization: Bearer <key>'.");
    // Comparing digests keeps the comparison constant-time whatever the length of the key sent.
    const digest = createHash("sha256").update(match[1]).digest();
    if (timingSafeEqual(digest, masterKeyDigest)) return masterKeyAdmin;
    throw new GatewayError("UNAUTHENTICATED", "Invalid API key.");
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
