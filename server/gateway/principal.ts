/**
 * Who is calling. Without a master key every caller is the anonymous admin; with one, the
 * master key is admin and every other caller is a team's key (virtual key).
 */
export interface Principal {
  kind: "admin" | "apiKey";
  /** Stable id used in logs and audit entries ("admin", or the key id). */
  id: string;
  name: string;
  apiKeyId?: string;
  teamId?: string;
  /** The model names a team key may use (its list narrowed by its team's); null or absent: every model. */
  allowedModels?: readonly string[] | null;
}

export const anonymousAdmin: Principal = {
  kind: "admin",
  id: "admin",
  name: "admin (authentication off)",
};
export const masterKeyAdmin: Principal = { kind: "admin", id: "admin", name: "master key" };
/** The in-process SDK's one caller, the process itself: no key, no team, every model. */
export const sdkCaller: Principal = { kind: "admin", id: "sdk", name: "in-process SDK" };
