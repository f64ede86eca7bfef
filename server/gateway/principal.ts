/**
 * Who is calling. Without a master key every caller is the anonymous admin; with one, the
 * master key is admin. Team keys (virtual keys) arrive with the governance work.
 */
export interface Principal {
  kind: "admin" | "apiKey";
  /** Stable id used in logs and audit entries ("admin", or the key id). */
  id: string;
  name: string;
  apiKeyId?: string;
  teamId?: string;
}

export const anonymousAdmin: Principal = { kind: "admin", id: "admin", name: "admin (authentication off)" };
export const masterKeyAdmin: Principal = { kind: "admin", id: "admin", name: "master key" };
