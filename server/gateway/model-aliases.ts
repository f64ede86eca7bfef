/**
 * Model aliases (config `modelAliases` and `models[].aliases`): names clients send — Claude
 * Code's `claude-sonnet-4-5-20250929`, Codex's `gpt-5-codex` — that mean a configured model
 * group. The router resolves them (router.ts `resolveModel`); this file merges the two places an
 * alias can be written and says what is wrong with them, for config.ts.
 */

/** The parts of a model entry aliases depend on. */
export interface AliasedEntry {
  name: string;
  provider: string;
  aliases?: readonly string[];
}

/**
 * Every alias → its target: the top-level map, then each entry's own `aliases` (pointing at
 * the entry's group). Where both name one alias the first wins; config validation refuses a
 * disagreement, so this only matters to a config that skipped validation.
 */
export function collectModelAliases(
  models: readonly AliasedEntry[],
  modelAliases: Readonly<Record<string, string>> = {},
): Map<string, string> {
  const aliases = new Map(Object.entries(modelAliases));
  for (const entry of models)
    for (const alias of entry.aliases ?? [])
      if (!aliases.has(alias)) aliases.set(alias, entry.name);
  return aliases;
}

/**
 * True when `name` is served without being a group of its own: `prefix/model` with a `prefix/*`
 * entry, or with an entry of the provider called `prefix` (the router's rules 2 and 3).
 */
export function isServedThroughPrefix(name: string, models: readonly AliasedEntry[]): boolean {
  const separator = name.indexOf("/");
  if (separator <= 0 || separator === name.length - 1 || name.endsWith("*")) return false;
  const prefix = name.slice(0, separator);
  return models.some((entry) => entry.name === `${prefix}/*` || entry.provider === prefix);
}

/**
 * What is wrong with the aliases, each as [path, problem]: an alias that is a group's own name
 * (it would hide the group), a pattern (`*`), a target nothing serves or that is itself an alias
 * (one step only, so an alias reads the same everywhere), and an alias given two targets.
 */
export function modelAliasProblems(
  models: readonly AliasedEntry[],
  modelAliases: Readonly<Record<string, string>>,
): Array<[Array<string | number>, string]> {
  const problems: Array<[Array<string | number>, string]> = [];
  const groups = new Set(models.map((entry) => entry.name));
  const targets = new Map<string, string>();

  const check = (path: Array<string | number>, alias: string, target: string): void => {
    if (groups.has(alias)) {
      problems.push([path, `'${alias}' is a model name in models[]; an alias may not hide it`]);
      return;
    }
    if (alias.includes("*")) {
      problems.push([path, `'${alias}' is a pattern; an alias is one exact model name`]);
      return;
    }
    const earlier = targets.get(alias);
    if (earlier !== undefined && earlier !== target) {
      problems.push([
        path,
        `'${alias}' already means '${earlier}'; it cannot also mean '${target}'`,
      ]);
      return;
    }
    targets.set(alias, target);
    // A group's own name is never an alias (one written as such is refused above).
    const targetIsAlias =
      !groups.has(target) &&
      (target in modelAliases || models.some((entry) => entry.aliases?.includes(target)));
    if (targetIsAlias) {
      problems.push([
        path,
        `'${target}' is an alias itself; point '${alias}' at the model group it names`,
      ]);
      return;
    }
    if (target.endsWith("*"))
      problems.push([
        path,
        `'${target}' is a wildcard pattern; point '${alias}' at one model (e.g. '${target.slice(0, -1)}<model>')`,
      ]);
    else if (!groups.has(target) && !isServedThroughPrefix(target, models))
      problems.push([
        path,
        `'${target}' is not a model name in models[] (nor a provider/model name a wildcard entry serves)`,
      ]);
  };

  for (const [alias, target] of Object.entries(modelAliases))
    check(["modelAliases", alias], alias, target);
  models.forEach((entry, entryIndex) =>
    entry.aliases?.forEach((alias, aliasIndex) =>
      check(["models", entryIndex, "aliases", aliasIndex], alias, entry.name),
    ),
  );
  return problems;
}
