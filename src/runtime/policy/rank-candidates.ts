/**
 * Applies provider preferences and the implicit filters to each model's ranked candidates:
 * hard filters (only, ignore, max_price, require_parameters, tools, output and context limits),
 * then order, sort and the preferred latency/throughput thresholds. Pure: stats come in as functions.
 */
import type { BundlePricing, PercentileThresholds, ProviderPreferences, SortBy } from '../../bundle/format.js';
import type { ServeCandidate, ServeModel } from '../routing-table.js';
import type { Percentiles } from './upstream-stats.js';
import type { RequestFeatures } from './request-features.js';
import { upstreamAdapters } from '../upstream/upstream-adapters.js';
import { balancedWithinPriority, preferWithinPriority, type Random } from './priority-balance.js';

export interface RoutedCandidate extends ServeCandidate {
  /** Index of the model in the request's model list: a request error moves on to the next group. */
  group: number;
  modelId: string;
  pricing: BundlePricing;
}

export interface Decision {
  model: string;
  upstream: string;
  included: boolean;
  reason: string;
}

/** Which filter removed a candidate; hard filters that empty the list decide the error. */
export type FilterName =
  | 'provider.only'
  | 'provider.ignore'
  | 'provider.zdr'
  | 'provider.data_collection'
  | 'provider.quantizations'
  | 'provider.enforce_distillable_text'
  | 'provider.max_price'
  | 'provider.require_parameters' | 'tools' | 'max_tokens' | 'context_length' | 'allow_fallbacks' | 'embeddings';

export interface LiveStats {
  ttfb(upstream: string): Percentiles | undefined;
  throughput(upstream: string): Percentiles | undefined;
  /** EWMA of time to first byte (ms), for `balance: latency`; absent: that balance falls back to weights. */
  latencyEwma?(upstream: string): number | undefined;
}

export interface RankInput {
  models: readonly ServeModel[];
  /** The request's (or preset's) provider object; when absent each model's own default applies. */
  preferences?: ProviderPreferences | undefined;
  suffixSort?: SortBy | undefined;
  features: RequestFeatures;
  stats: LiveStats;
  /** Draws the order within a priority (Math.random when absent): injected so tests can seed it. */
  random?: Random | undefined;
  /** The upstream that served this conversation's prefix lately, per model: first within its priority. */
  sticky?: StickyPreference | undefined;
}

export interface StickyPreference {
  upstreamFor(modelId: string): string | undefined;
}

export interface RankResult {
  /** Read-only: it may be the model's shared ranked list. */
  readonly candidates: RoutedCandidate[];
  readonly decisions: Decision[];
  /** Filters that excluded at least one candidate, with how many. */
  excludedBy: Map<FilterName, number>;
}

/** USD per 1M tokens, prompt plus completion; the per-request fee breaks ties. */
export function effectivePrice(p: BundlePricing): number {
  return p.prompt + p.completion;
}

const lower = (list: readonly string[] | undefined) => (list ? new Set(list.map((s) => s.toLowerCase())) : undefined);

function sortKeyOf(preferences: ProviderPreferences | undefined, suffixSort: SortBy | undefined): { by?: SortBy; partition: 'model' | 'none' } {
  const sort = preferences?.sort;
  if (typeof sort === 'string') return { by: sort, partition: 'model' };
  if (sort) return { by: sort.by, partition: sort.partition ?? 'model' };
  return suffixSort ? { by: suffixSort, partition: 'model' } : { partition: 'model' };
}

function meets(p: Percentiles | undefined, threshold: number | PercentileThresholds | undefined, better: 'lower' | 'higher'): boolean {
  if (threshold === undefined || p === undefined) return true;
  const limits: PercentileThresholds = typeof threshold === 'number' ? { p50: threshold } : threshold;
  return (Object.keys(limits) as Array<keyof PercentileThresholds>).every((q) => {
    const limit = limits[q];
    if (limit === undefined) return true;
    return better === 'lower' ? p[q] <= limit : p[q] >= limit;
  });
}

/** What a sort orders by first, lowest first: price, p50 latency, or p50 throughput negated. Unknown stats sort last. */
function sortKey(c: RoutedCandidate, by: SortBy, stats: LiveStats): number {
  switch (by) {
    case 'price':
      return effectivePrice(c.pricing);
    case 'latency':
      return stats.ttfb(c.upstream)?.p50 ?? Infinity;
    case 'throughput':
      return -(stats.throughput(c.upstream)?.p50 ?? -Infinity);
  }
}

/**
 * The candidates in order of `by`, a stable sort (equal keys keep the bundle's rank order): keys read once
 * per candidate, not per comparison (latency and throughput keys are stats lookups), then an insertion
 * sort, which for a handful of upstreams beats Array.prototype.sort and its comparator calls.
 */
function sortedBy(items: readonly RoutedCandidate[], by: SortBy, stats: LiveStats): RoutedCandidate[] {
  const n = items.length;
  const out: RoutedCandidate[] = new Array<RoutedCandidate>(n);
  const first = new Float64Array(n);
  const second = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const item = items[i]!;
    const a = sortKey(item, by, stats);
    // ties on price go to the lower per-request fee
    const b = by === 'price' ? (item.pricing.request ?? 0) : 0;
    let j = i;
    // move past every placed item with a greater key (NaN, e.g. two unknown latencies, counts as equal)
    while (j > 0 && (first[j - 1]! > a || (first[j - 1] === a && second[j - 1]! > b))) {
      out[j] = out[j - 1]!;
      first[j] = first[j - 1]!;
      second[j] = second[j - 1]!;
      j--;
    }
    out[j] = item;
    first[j] = a;
    second[j] = b;
  }
  return out;
}

/** A model's candidates as routed candidates of request position `group`: built once per (model, group) and reused. */
export function routedCandidates(model: ServeModel, group: number): readonly RoutedCandidate[] {
  const cache = (model.routedByGroup ??= []);
  return (cache[group] ??= model.candidates.map((c) => ({ ...c, group, modelId: model.spec.id, pricing: c.spec.pricing })));
}

/** The candidate's upstream type has an embeddings operation (an `anthropic` upstream has none). */
function hasEmbeddingsEndpoint(candidate: ServeCandidate): boolean {
  return upstreamAdapters[candidate.provider.spec.type].embeddings !== undefined;
}

/** Shared by rankings that moved nothing to the end: never written to. */
const NONE_MISSED: ReadonlySet<RoutedCandidate> = new Set();
/** Shared by preferences without an `order` (never written to). */
const NO_ORDER: readonly string[] = [];
const NO_ORDER_PLACED: readonly RoutedCandidate[] = [];

export function rankCandidates(input: RankInput): RankResult {
  // what the filters removed, and the sets below, are made only for requests with preferences
  const excluded: Decision[] = [];
  let excludedBy: Map<FilterName, number> | undefined;
  const exclude = (c: RoutedCandidate, filter: FilterName, reason: string) => {
    excluded.push({ model: c.modelId, upstream: c.upstream, included: false, reason: `${filter}: ${reason}` });
    excludedBy ??= new Map();
    excludedBy.set(filter, (excludedBy.get(filter) ?? 0) + 1);
  };
  const groups: (readonly RoutedCandidate[])[] = [];
  let missesPreferred: Set<RoutedCandidate> | undefined;
  /** Candidates placed by `provider.order`: a global sort does not move them. */
  let pinnedByOrder: Set<RoutedCandidate> | undefined;
  let globalSort: SortBy | undefined;
  const { features } = input;
  const random = input.random ?? Math.random;

  for (let group = 0; group < input.models.length; group++) {
    const model = input.models[group]!;
    const prefs = input.preferences ?? model.spec.provider;
    const all = routedCandidates(model, group);
    const suffixSort = group === 0 ? input.suffixSort : undefined;
    const modelFits =
      model.embeddings === features.embeddings &&
      !(features.embeddings && model.candidates.some((c) => !hasEmbeddingsEndpoint(c))) &&
      !(features.tools && !model.spec.capabilities.includes('tools')) &&
      !(features.maxTokens !== undefined && model.spec.maxOutput !== undefined && features.maxTokens > model.spec.maxOutput) &&
      !features.promptExceeds(model.spec.context);
    // the common request: no preferences and nothing the model cannot take; its ranked list as built
    if (prefs === undefined && suffixSort === undefined && modelFits && !features.tools) {
      groups.push(model.ties ? balanced(model, all, random, input) : all);
      continue;
    }
    const only = lower(prefs?.only);
    const ignore = lower(prefs?.ignore);
    const maxPrice = prefs?.max_price;
    const zdr = prefs?.zdr === true;
    const denyCollection = prefs?.data_collection === 'deny';
    const quantizations = prefs?.quantizations;
    const distillable = prefs?.enforce_distillable_text === true;
    let kept: RoutedCandidate[] = [];
    for (const routed of all) {
      const provider = only || ignore ? routed.provider.id.toLowerCase() : '';
      const declared = routed.spec.parameters;
      if (model.embeddings !== features.embeddings) exclude(routed, 'embeddings', model.embeddings ? 'an embeddings model answers only on /v1/embeddings' : 'not an embeddings model (no embeddings capability)');
      else if (features.embeddings && !hasEmbeddingsEndpoint(routed)) exclude(routed, 'embeddings', `provider '${routed.provider.id}' is of type ${routed.provider.spec.type}, which has no embeddings endpoint`);
      else if (only && !only.has(provider)) exclude(routed, 'provider.only', `'${routed.provider.id}' is not listed`);
      else if (ignore?.has(provider)) exclude(routed, 'provider.ignore', `'${routed.provider.id}' is ignored`);
      else if (zdr && routed.spec.zdr !== true) exclude(routed, 'provider.zdr', 'the upstream is not marked zdr: true');
      else if (denyCollection && routed.spec.dataCollection !== 'deny') exclude(routed, 'provider.data_collection', `the upstream's data collection is ${routed.spec.dataCollection ?? 'not declared'}, not deny`);
      else if (quantizations && !quantizations.includes(routed.spec.quantization ?? 'unknown')) exclude(routed, 'provider.quantizations', `quantization ${routed.spec.quantization ?? 'unknown'} is not in ${quantizations.join(', ')}`);
      else if (distillable && routed.spec.distillable !== true) exclude(routed, 'provider.enforce_distillable_text', 'the upstream is not marked distillable: true');
      else if (maxPrice?.prompt !== undefined && routed.pricing.prompt > maxPrice.prompt) exclude(routed, 'provider.max_price', `prompt $${routed.pricing.prompt}/M is over $${maxPrice.prompt}/M`);
      else if (maxPrice?.completion !== undefined && routed.pricing.completion > maxPrice.completion) exclude(routed, 'provider.max_price', `completion $${routed.pricing.completion}/M is over $${maxPrice.completion}/M`);
      else if (maxPrice?.request !== undefined && (routed.pricing.request ?? 0) > maxPrice.request) exclude(routed, 'provider.max_price', `request price $${routed.pricing.request} is over $${maxPrice.request}`);
      else if (prefs?.require_parameters && features.parameters.some((p) => !declared?.includes(p))) {
        exclude(routed, 'provider.require_parameters', `does not declare support for ${features.parameters.filter((p) => !declared?.includes(p)).join(', ')}`);
      } else if (features.tools && (!model.spec.capabilities.includes('tools') || (declared !== undefined && !declared.includes('tools')))) exclude(routed, 'tools', 'the request has tools and this upstream cannot call tools');
      else if (features.maxTokens !== undefined && model.spec.maxOutput !== undefined && features.maxTokens > model.spec.maxOutput) exclude(routed, 'max_tokens', `max_tokens ${features.maxTokens} is over the model's output limit ${model.spec.maxOutput}`);
      else if (features.promptExceeds(model.spec.context)) exclude(routed, 'context_length', `the prompt (~${features.promptTokens()} tokens) is over the context window ${model.spec.context}`);
      else kept.push(routed);
    }

    const { by, partition } = sortKeyOf(prefs, suffixSort);
    const order = prefs?.order === undefined ? NO_ORDER : [...new Set(prefs.order.map((p) => p.toLowerCase()))];
    const ordered = order.length === 0 ? NO_ORDER_PLACED : order.flatMap((p) => kept.filter((c) => c.provider.id.toLowerCase() === p));
    let rest = order.length > 0 ? kept.filter((c) => !order.includes(c.provider.id.toLowerCase())) : kept;
    if (by && partition === 'model') rest = sortedBy(rest, by, input.stats);
    // an explicit order or sort ranks them; otherwise upstreams sharing a priority split the traffic
    else if (by === undefined && order.length === 0 && model.ties) rest = balanced(model, rest, random, input) as RoutedCandidate[];
    if (by && partition === 'none') globalSort ??= by;
    if (ordered.length > 0) {
      pinnedByOrder ??= new Set();
      for (const c of ordered) pinnedByOrder.add(c);
      kept = [...ordered, ...rest];
    } else kept = rest;

    if (prefs?.allow_fallbacks === false) {
      // with an order, only the ordered providers (none left is none); without, only the primary
      const allowed = order.length > 0 ? (ordered as RoutedCandidate[]) : kept.slice(0, 1);
      for (const c of kept) if (!allowed.includes(c)) exclude(c, 'allow_fallbacks', 'allow_fallbacks is false: only the ordered or primary upstream');
      kept = allowed;
    }

    // live stats are read only when a preferred threshold asks for them
    const latency = prefs?.preferred_max_latency;
    const throughput = prefs?.preferred_min_throughput;
    const slow = latency === undefined && throughput === undefined ? [] : kept.filter((c) => !meets(input.stats.ttfb(c.upstream), latency, 'lower') || !meets(input.stats.throughput(c.upstream), throughput, 'higher'));
    if (slow.length > 0) {
      const missed = (missesPreferred ??= new Set());
      for (const c of slow) missed.add(c);
      groups.push([...kept.filter((c) => !missed.has(c)), ...slow]);
    } else groups.push(kept);
  }

  // one model and no global sort (the common request): its ranked list itself, read-only from here on
  let candidates: RoutedCandidate[] = groups.length === 1 ? (groups[0] as RoutedCandidate[]) : concatenated(groups);
  if (globalSort) {
    // partition none: one sort across models, after the ordered providers and before those missing the preferred thresholds
    const pinned: ReadonlySet<RoutedCandidate> = pinnedByOrder ?? NONE_MISSED;
    const missed: ReadonlySet<RoutedCandidate> = missesPreferred ?? NONE_MISSED;
    const sortable = candidates.filter((c) => !pinned.has(c) && !missed.has(c));
    candidates = [
      ...candidates.filter((c) => pinned.has(c)),
      ...sortedBy(sortable, globalSort, input.stats),
      ...candidates.filter((c) => !pinned.has(c) && missed.has(c)),
    ];
  }
  return new ExplainedRanking(candidates, excludedBy, excluded, missesPreferred ?? NONE_MISSED);
}

/** A model's candidates with its equal priorities drawn by its balance, the conversation's sticky upstream first within its own. */
function balanced(model: ServeModel, candidates: readonly RoutedCandidate[], random: Random, input: RankInput): readonly RoutedCandidate[] {
  const drawn = balancedWithinPriority(candidates, model.balance, random, input.stats);
  return model.stickyMs > 0 && input.sticky !== undefined ? preferWithinPriority(drawn, input.sticky.upstreamFor(model.spec.id)) : drawn;
}

/** The groups one after another (a plain loop: Array.prototype.flat was the largest cost of a request with fallback models). */
function concatenated(groups: ReadonlyArray<readonly RoutedCandidate[]>): RoutedCandidate[] {
  const out: RoutedCandidate[] = [];
  for (const group of groups) for (let i = 0; i < group.length; i++) out.push(group[i]!);
  return out;
}

/** A ranking whose reasons are built only when someone reads them (explain, tests), never per served request. */
class ExplainedRanking implements RankResult {
  private explained: Decision[] | undefined;

  constructor(
    readonly candidates: RoutedCandidate[],
    /** Absent when no filter excluded anything. */
    private byFilter: Map<FilterName, number> | undefined,
    private readonly excluded: readonly Decision[],
    private readonly missesPreferred: ReadonlySet<RoutedCandidate>,
  ) {}

  get excludedBy(): Map<FilterName, number> {
    return (this.byFilter ??= new Map());
  }

  get decisions(): Decision[] {
    return (this.explained ??= [
      ...this.excluded,
      ...this.candidates.map((c, i): Decision => {
        const slow = this.missesPreferred.has(c) ? ', moved to the end: misses the preferred latency/throughput' : '';
        return { model: c.modelId, upstream: c.upstream, included: true, reason: `position ${i + 1}${c.group > 0 ? ` (fallback model ${c.group + 1})` : ''}${slow}` };
      }),
    ]);
  }
}
