/**
 * Balancing within a priority: upstreams of a model that share a priority split its traffic, by `weight`
 * (a weighted shuffle: an upstream comes first with probability weight / the tier's total) or, with
 * `balance: latency`, by the power of two choices over the live EWMA of time to first byte (each position
 * goes to the faster of two random upstreams still unplaced; one with no samples yet counts as fastest, so
 * it gets tried). Priorities keep their order: only the order inside a tier changes. Pure: randomness and
 * latencies come in.
 */
import type { BundleBalance, ProviderPreferences, SortBy } from '../../bundle/format.js';
import type { RoutedCandidate } from './rank-candidates.js';
import type { RequestTarget } from './request-target.js';

export type Random = () => number;

/** Live latency by upstream id (EWMA ms), undefined while it has no sample; absent: latency balance falls back to weights. */
export interface LatencySource {
  latencyEwma?(upstream: string): number | undefined;
}

/** True when two adjacent candidates share a priority (lists are in priority order): only then is there a split. */
export function hasPriorityTies(candidates: ReadonlyArray<{ priority: number }>): boolean {
  for (let i = 1; i < candidates.length; i++) if (candidates[i]!.priority === candidates[i - 1]!.priority) return true;
  return false;
}

/**
 * The candidates with every run of equal priority reordered by `balance`; the list itself (no copy) when
 * no two adjacent candidates share a priority.
 */
export function balancedWithinPriority(candidates: readonly RoutedCandidate[], balance: BundleBalance, random: Random, latency: LatencySource): readonly RoutedCandidate[] {
  let out: RoutedCandidate[] | undefined;
  let start = 0;
  const n = candidates.length;
  while (start < n) {
    const priority = candidates[start]!.priority;
    let end = start + 1;
    while (end < n && candidates[end]!.priority === priority) end++;
    if (end - start > 1) {
      out ??= candidates.slice();
      if (balance === 'latency' && latency.latencyEwma !== undefined) twoChoices(out, start, end, random, latency);
      else weightedShuffle(out, start, end, random);
    }
    start = end;
  }
  return out ?? candidates;
}

/** The list with `upstream` first among the candidates of its priority (a copy when it moves), as stickiness asks. */
export function preferWithinPriority(candidates: readonly RoutedCandidate[], upstream: string | undefined): readonly RoutedCandidate[] {
  if (upstream === undefined) return candidates;
  const at = candidates.findIndex((c) => c.upstream === upstream);
  if (at <= 0) return candidates;
  const priority = candidates[at]!.priority;
  let start = at;
  while (start > 0 && candidates[start - 1]!.priority === priority) start--;
  if (start === at) return candidates;
  const out = candidates.slice();
  const preferred = out[at]!;
  out.copyWithin(start + 1, start, at);
  out[start] = preferred;
  return out;
}

function weightOf(c: RoutedCandidate): number {
  return c.weight;
}

/** Positions start..end-1 drawn without replacement, each with probability proportional to its weight. */
function weightedShuffle(list: RoutedCandidate[], start: number, end: number, random: Random): void {
  let total = 0;
  for (let i = start; i < end; i++) total += weightOf(list[i]!);
  for (let p = start; p < end - 1; p++) {
    let r = random() * total;
    let pick = p;
    for (; pick < end - 1; pick++) {
      r -= weightOf(list[pick]!);
      if (r < 0) break;
    }
    total -= weightOf(list[pick]!);
    swap(list, p, pick);
  }
}

/** Each position goes to the faster of two distinct random candidates not yet placed. */
function twoChoices(list: RoutedCandidate[], start: number, end: number, random: Random, latency: LatencySource): void {
  for (let p = start; p < end - 1; p++) {
    const left = end - p;
    const a = p + Math.floor(random() * left);
    let b = p + Math.floor(random() * (left - 1));
    if (b >= a) b++;
    const la = latency.latencyEwma!(list[a]!.upstream) ?? 0;
    const lb = latency.latencyEwma!(list[b]!.upstream) ?? 0;
    swap(list, p, lb < la ? b : a);
  }
}

function swap(list: RoutedCandidate[], i: number, j: number): void {
  if (i === j) return;
  const t = list[i]!;
  list[i] = list[j]!;
  list[j] = t;
}

/** One priority shared by several upstreams of a model, and how its first picks split (for explain). */
export interface PrioritySplit {
  model: string;
  priority: number;
  balance: BundleBalance;
  /** Share of first picks by weight; with `latency`, the weights do not apply and the share is live. */
  members: Array<{ upstream: string; weight: number; share: number }>;
}

/** No `order` and no sort: the ranking leaves equal priorities to the balance (rank-candidates.ts). */
export function leavesTiesToBalance(preferences: ProviderPreferences | undefined, suffixSort: SortBy | undefined): boolean {
  return (preferences?.order === undefined || preferences.order.length === 0) && preferences?.sort === undefined && suffixSort === undefined;
}

/** The split of every priority that several of the route's ranked candidates share, where the ranking balanced them. */
export function prioritySplits(route: { target: RequestTarget; ranked: readonly RoutedCandidate[] }): PrioritySplit[] {
  const { target } = route;
  const balanced = target.models.map((m, group) => leavesTiesToBalance(target.preferences ?? m.spec.provider, group === 0 ? target.suffixSort : undefined));
  const splits = new Map<string, PrioritySplit>();
  for (const c of route.ranked) {
    if (!balanced[c.group]) continue;
    const key = `${c.group}\u0000${c.priority}`;
    let split = splits.get(key);
    if (split === undefined) {
      split = { model: c.modelId, priority: c.priority, balance: target.models[c.group]!.balance, members: [] };
      splits.set(key, split);
    }
    split.members.push({ upstream: c.upstream, weight: weightOf(c), share: 0 });
  }
  const out: PrioritySplit[] = [];
  for (const split of splits.values()) {
    if (split.members.length < 2) continue;
    const total = split.members.reduce((n, m) => n + m.weight, 0);
    for (const m of split.members) m.share = split.balance === 'latency' ? 1 / split.members.length : m.weight / total;
    split.members.sort((a, b) => (a.upstream < b.upstream ? -1 : a.upstream > b.upstream ? 1 : 0));
    out.push(split);
  }
  return out;
}
