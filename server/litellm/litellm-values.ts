import type { TranslationLog } from "./translation-log.ts";

/*
 * Reading LiteLLM's YAML values. LiteLLM loads its file with PyYAML (YAML 1.1) and converts
 * values as it uses them, so a few spellings Switchboard's YAML 1.2 reader keeps as text are
 * numbers or booleans there (`tpm: 20_000`, `drop_params: yes`).
 */

const environmentReference = /^os\.environ\/([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Every `os.environ/NAME` value (LiteLLM's reference to an environment variable, allowed on any
 * key) written as Switchboard's `${NAME}`, so config-environment resolves it like any other and
 * convert-config prints the reference, never the value.
 */
export function withEnvironmentReferences(value: unknown): unknown {
  if (typeof value === "string") {
    const name = environmentReference.exec(value.trim())?.[1];
    return name ? `\${${name}}` : value;
  }
  if (Array.isArray(value)) return value.map(withEnvironmentReferences);
  if (isMapping(value))
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, withEnvironmentReferences(item)]),
    );
  return value;
}

/** A YAML mapping (not a list, not a scalar). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True for a value that is a `${NAME}` reference, resolved only when the config is loaded. */
export function isEnvironmentReference(value: unknown): value is string {
  return typeof value === "string" && value.includes("${");
}

const yaml11Number = /^[-+]?(\d[\d_]*)?(\.\d[\d_]*)?([eE][-+]?\d+)?$/;

/**
 * A number, `20_000` or `1e-6` written as text included; an environment reference is kept for
 * validation after substitution. Anything else is a problem at `key` (and undefined).
 */
export function readNumber(
  value: unknown,
  key: string,
  log: TranslationLog,
): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value;
  if (isEnvironmentReference(value)) return value;
  if (typeof value === "string" && /\d/.test(value) && yaml11Number.test(value.trim()))
    return Number(value.trim().replaceAll("_", ""));
  log.problem(key, `expected a number, got ${JSON.stringify(value)}`);
  return undefined;
}

/** A string (a number is written out, as PyYAML's reader would hand LiteLLM `2024` for `2024`). */
export function readString(value: unknown, key: string, log: TranslationLog): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  log.problem(key, `expected text, got ${JSON.stringify(value)}`);
  return undefined;
}

const yaml11Booleans: Record<string, boolean> = {
  true: true,
  yes: true,
  on: true,
  false: false,
  no: false,
  off: false,
};

/** A boolean, YAML 1.1's `yes` / `on` / `no` / `off` included. */
export function readBoolean(value: unknown, key: string, log: TranslationLog): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  const named = typeof value === "string" ? yaml11Booleans[value.toLowerCase()] : undefined;
  if (named !== undefined) return named;
  log.problem(key, `expected true or false, got ${JSON.stringify(value)}`);
  return undefined;
}

/** Seconds as milliseconds (LiteLLM's timeouts are seconds, Switchboard's milliseconds). */
export function secondsToMilliseconds(seconds: number | string): number | string {
  return typeof seconds === "number" ? Math.round(seconds * 1000) : seconds;
}

/** LiteLLM's USD per token as Switchboard's USD per million tokens, without binary noise (2.5, not 2.4999999999999996). */
export function perTokenToPerMillion(perToken: number | string): number | string {
  return typeof perToken === "number" ? Number((perToken * 1_000_000).toPrecision(12)) : perToken;
}
