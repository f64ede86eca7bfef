/*
 * The record a LiteLLM translation keeps: what each key became or why it was left out, the
 * problems found (by LiteLLM key path), where each Switchboard field came from (so problems the
 * schema finds later name the LiteLLM key), and the literal secrets convert-config moved to
 * environment variables.
 */

/** What reading a LiteLLM config did with one of its keys. */
export interface LiteLLMNote {
  /** The LiteLLM key path, e.g. `router_settings.routing_strategy`. */
  key: string;
  outcome: "mapped" | "ignored";
  /** What it became in Switchboard's config, or why it was left out. */
  detail: string;
}

/** A problem that stops the config from being used, at its LiteLLM key path. */
export interface LiteLLMProblem {
  key: string;
  message: string;
}

/** A literal secret written as `${variable}` by convert-config, so the YAML it prints holds none. */
export interface MovedSecret {
  variable: string;
  /** The LiteLLM key whose value the variable must hold. */
  key: string;
}

export interface TranslationLog {
  notes: LiteLLMNote[];
  problems: LiteLLMProblem[];
  movedSecrets: MovedSecret[];
  mapped(key: string, detail: string): void;
  ignored(key: string, detail: string): void;
  problem(key: string, message: string): void;
  /** Records that the Switchboard field at `switchboardPath` (`models[0].apiKey`) came from `key`. */
  source(switchboardPath: string, key: string): void;
  /**
   * A secret's value as the output should hold it: unchanged, or (when moving literal secrets)
   * a `${variable}` reference, the variable recorded for the header convert-config prints.
   */
  secret(value: unknown, key: string, variable: string): unknown;
  /** The LiteLLM key a Switchboard field path comes from (the longest recorded prefix). */
  litellmKeyOf(switchboardPath: string): string;
}

/**
 * Values shorter than this are kept even when moving secrets: no provider key is that short,
 * and keyless servers are configured with placeholders such as `none` or `fake-key`.
 */
const shortestSecret = 8;

/** A new log; `moveLiteralSecrets` for convert-config, which must not print secret values. */
export function createTranslationLog({ moveLiteralSecrets = false } = {}): TranslationLog {
  const notes: LiteLLMNote[] = [];
  const problems: LiteLLMProblem[] = [];
  const movedSecrets: MovedSecret[] = [];
  const sources = new Map<string, string>();
  const usedVariables = new Set<string>();

  function secret(value: unknown, key: string, variable: string): unknown {
    if (!moveLiteralSecrets || typeof value !== "string") return value;
    if (value.includes("${") || value.length < shortestSecret) return value;
    let unique = variable;
    for (let suffix = 2; usedVariables.has(unique); suffix++) unique = `${variable}_${suffix}`;
    usedVariables.add(unique);
    movedSecrets.push({ variable: unique, key });
    return `\${${unique}}`;
  }

  function litellmKeyOf(switchboardPath: string): string {
    for (let end = switchboardPath.length; end > 0; end--) {
      const boundary = end === switchboardPath.length || /[.[]/.test(switchboardPath[end]);
      const key = boundary ? sources.get(switchboardPath.slice(0, end)) : undefined;
      // The schema names list positions as `.0`; LiteLLM's keys are read as `[0]`.
      if (key !== undefined)
        return key + switchboardPath.slice(end).replace(/\.(\d+)(?=[.[]|$)/g, "[$1]");
    }
    return switchboardPath;
  }

  return {
    notes,
    problems,
    movedSecrets,
    mapped: (key, detail) => notes.push({ key, outcome: "mapped", detail }),
    ignored: (key, detail) => notes.push({ key, outcome: "ignored", detail }),
    problem: (key, message) => problems.push({ key, message }),
    source: (switchboardPath, key) => sources.set(switchboardPath, key),
    secret,
    litellmKeyOf,
  };
}
