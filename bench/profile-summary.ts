import { readFileSync } from "node:fs";

/*
 * Reads a V8 .cpuprofile and says where the time went: self time by package (or repository
 * folder), and the repository's own functions by inclusive time. Enough to spot a hot path;
 * open the file in Chrome DevTools (Performance tab) or speedscope for the full picture.
 *
 * By hand: `npx tsx bench/profile-summary.ts bench/results/profiles/rest.cpuprofile`.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The module a bundled frame came from. esbuild (unminified) opens each module's code in a bundle
 * with a `// <path from the repository root>` line; a frame's line number finds the last one
 * before it. Frames outside a bundle keep their URL.
 */
function createOriginFinder(repositoryRoot: string) {
  const bundles = new Map<string, { lines: number[]; paths: string[] } | undefined>();
  const marker = /^\/\/ ((?:node_modules|server|bench|client|scripts)\/\S+)$/;
  function modulesOf(url: string) {
    if (!bundles.has(url)) {
      const file = url.replace(/^file:\/\//, "");
      const bundled = file.includes("/bench/compiled/") || file.includes("/dist/cli/");
      let found: { lines: number[]; paths: string[] } | undefined;
      if (bundled) {
        found = { lines: [], paths: [] };
        readFileSync(file, "utf8")
          .split("\n")
          .forEach((text, line) => {
            const path = marker.exec(text)?.[1];
            if (path) {
              found!.lines.push(line);
              found!.paths.push(path);
            }
          });
      }
      bundles.set(url, found);
    }
    return bundles.get(url);
  }
  return (url: string, lineNumber: number): string => {
    const modules = url.startsWith("file://") ? modulesOf(url) : undefined;
    if (!modules) return url;
    let low = 0;
    let high = modules.lines.length - 1;
    let at = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (modules.lines[middle]! <= lineNumber) {
        at = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    return at < 0 ? url : `file://${repositoryRoot}${modules.paths[at]}`;
  };
}

/** `node_modules/@scope/name/...` → `@scope/name`; `/repo/server/http/x.ts` → `server/http`. */
function ownerOf(url: string, repositoryRoot: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules) return inModules[1];
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const local = url.replace(/^file:\/\//, "");
  if (local.startsWith(repositoryRoot))
    return local.slice(repositoryRoot.length).split("/").slice(0, 2).join("/");
  return url ? url : "(native / V8)";
}

/** Text lines: the top `limit` owners by self time, then repository functions by inclusive time. */
export function summarizeProfile(file: string, repositoryRoot: string, limit = 12): string[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);

  const originOf = createOriginFinder(repositoryRoot);
  const urlOf = (frame: ProfileNode["callFrame"]) => originOf(frame.url, frame.lineNumber);
  const selfByOwner = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const node = nodes.get(id)!;
    total += delta;
    if (node.callFrame.functionName === "(idle)") idle += delta;
    const owner = node.callFrame.url
      ? ownerOf(urlOf(node.callFrame), repositoryRoot)
      : node.callFrame.functionName;
    selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + delta);
    // Each repository function once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (
      let current: number | undefined = id;
      current !== undefined;
      current = parents.get(current)
    ) {
      const frame = nodes.get(current)!.callFrame;
      const url = urlOf(frame);
      if (!url.includes(repositoryRoot) || url.includes("node_modules")) continue;
      const name = `${frame.functionName || "(anonymous)"} ${url.replace(/^file:\/\//, "").slice(repositoryRoot.length)}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusiveByFunction.set(name, (inclusiveByFunction.get(name) ?? 0) + delta);
    }
  });

  const busy = total - idle;
  const line = ([name, time]: [string, number]) =>
    `    ${(time / 1000).toFixed(0).padStart(6)} ms ${((100 * time) / busy).toFixed(1).padStart(5)}%  ${name}`;
  const top = (map: Map<string, number>) =>
    [...map]
      .filter(([name]) => name !== "(idle)")
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(line);
  return [
    `  ${file}: ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms (percentages are of busy time)`,
    "  self time by package / folder:",
    ...top(selfByOwner),
    "  repository functions, inclusive (synchronous) time:",
    ...top(inclusiveByFunction),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL("..", import.meta.url).pathname;
  for (const file of process.argv.slice(2)) console.log(summarizeProfile(file, root).join("\n"));
}
