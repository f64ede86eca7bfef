import type { RequestBodyRecord } from "../../gateway/request-record.ts";

/*
 * `logging.storeBodies`: what is kept of a request's prompt and answer, with secrets taken out
 * first. Redaction covers what a caller may paste into a prompt or a model may repeat:
 * the gateway's configured secrets (master key, provider keys and AWS credentials) wherever they
 * appear, and anything shaped like a credential — `sk-…` keys (OpenAI, Anthropic, Switchboard's
 * own), `Bearer …`/`Basic …` tokens, AWS access key ids and Google API keys.
 */

export const redacted = "[REDACTED]";

const credentialPatterns: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${redacted}`],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, redacted],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, redacted],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, redacted],
];

/** Secrets shorter than this are not searched for: they would match ordinary words. */
const shortestSecret = 8;

/** Replaces every secret and credential-shaped text in the strings of a JSON-like value. */
export function createRedactor(secrets: Array<string | undefined>) {
  const known = [...new Set(secrets)]
    .filter((secret): secret is string => !!secret && secret.length >= shortestSecret)
    // Longest first, so a secret containing another is replaced whole.
    .sort((left, right) => right.length - left.length);

  function redactText(text: string): string {
    let result = text;
    for (const secret of known) result = result.replaceAll(secret, redacted);
    for (const [pattern, replacement] of credentialPatterns)
      result = result.replace(pattern, replacement);
    return result;
  }

  function redact(value: unknown): unknown {
    if (typeof value === "string") return redactText(value);
    if (Array.isArray(value)) return value.map(redact);
    if (value && typeof value === "object") {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[key] = redact(item);
      return copy;
    }
    return value;
  }

  return redact;
}

/** Builds the stored body of one request; given to the completions service only when bodies are kept. */
export type KeepBody = (prompt: unknown, answer: unknown) => RequestBodyRecord;

/** The `keepBody` for `logging.storeBodies: true`, redacting `secrets` and credential-shaped text. */
export function createBodyKeeper(secrets: Array<string | undefined>): KeepBody {
  const redact = createRedactor(secrets);
  return (prompt, answer) => ({ prompt: redact(prompt), answer: redact(answer) });
}

/** The configured secrets a stored body must never contain. */
export function configuredSecrets(config: {
  auth: { masterKey?: string };
  metrics?: { apiKey?: string };
  models: Array<{
    apiKey?: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
    azureAdToken?: string;
  }>;
}): string[] {
  return [
    config.auth.masterKey,
    config.metrics?.apiKey,
    ...config.models.flatMap((model) => [
      model.apiKey,
      model.accessKeyId,
      model.secretAccessKey,
      model.sessionToken,
      model.azureAdToken,
    ]),
  ].filter((secret): secret is string => !!secret);
}

/** A streamed answer in the same shape as a non-streamed one's `choices`. */
export function streamedAnswer(content: string, finishReason: string | null | undefined) {
  return [
    { index: 0, message: { role: "assistant", content }, finish_reason: finishReason ?? null },
  ];
}

/** What is kept as the answer of a request that failed. */
export function failedAnswer(error: { code: string; message: string } | undefined) {
  return error ? { error: { code: error.code, message: error.message } } : null;
}
