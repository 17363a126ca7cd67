/**
 * The one routing function: from a request body and the live state, the ordered attempts with the reason
 * for every inclusion, exclusion and position. The runtime serves from it; `anyrouter explain` prints it.
 */
import type { HealthState } from '../engine/health.js';
import { planAttempts, type EngineKey, type EngineProvider, type Plan } from '../engine/plan.js';
import type { RoutingTable, ServeProvider } from '../routing-table.js';
import { mayUseModel, type CatalogReader } from '../model-catalog.js';
import { rankCandidates, type Decision, type FilterName, type LiveStats, type RankResult, type RoutedCandidate, type StickyPreference } from './rank-candidates.js';
import { readFeatures } from './request-features.js';
import { resolveTarget, type RequestTarget, type TargetError } from './request-target.js';

export interface RouteInput {
  table: RoutingTable;
  body: Record<string, unknown>;
  /** Size of the client's body in bytes (bounds the prompt-size estimate). */
  rawLength: number;
  health: HealthState;
  stats: LiveStats;
  now: number;
  pinnedProvider?: string;
  /** The gateway key forbids the operator's shared provider keys. */
  byokOnly?: boolean;
  /** Draws the order among upstreams that share a priority (Math.random when absent). */
  random?: (() => number) | undefined;
  /** Prompt-cache stickiness for this request (absent: none). */
  sticky?: StickyPreference | undefined;
  /**
   * What the endpoint asks for: `embeddings` serves embeddings models only, from upstream types with an
   * embeddings endpoint; `chat` refuses an embeddings model. Absent (explain): the kind of the model the
   * request names, without a refusal.
   */
  operation?: 'chat' | 'embeddings';
  /** Who asks (the gateway key): errors suggest and list only the models it may use. */
  reader?: CatalogReader | undefined;
}

export interface RoutePlan {
  readonly target: RequestTarget;
  /** After preferences, before health. */
  readonly ranked: RoutedCandidate[];
  /** After health: what the attempt loop runs. */
  readonly plan: Plan;
  readonly decisions: Decision[];
  readonly keyUsable: (key: EngineKey, provider: EngineProvider) => boolean;
}

export type RouteError = TargetError & { decisions?: Decision[] };

const HARD_FILTERS_404: ReadonlySet<FilterName> = new Set([
  'provider.only',
  'provider.ignore',
  'provider.zdr',
  'provider.data_collection',
  'provider.quantizations',
  'provider.enforce_distillable_text',
  'provider.require_parameters',
  'allow_fallbacks',
]);

export function planRoute(input: RouteInput): RoutePlan | RouteError {
  const target = resolveTarget(input.table, input.body, input.reader);
  if ('status' in target) return target;
  const wrongKind = input.operation === undefined ? undefined : modelKindError(input.table, target, input.operation, input.reader);
  if (wrongKind) return wrongKind;
  const ranked = rankCandidates({
    models: target.models,
    preferences: target.preferences,
    suffixSort: target.suffixSort,
    // the preset's parameters count as the request's: they reach the upstream too
    features: readFeatures(target.params === input.body || Object.keys(target.params).length === 0 ? input.body : { ...target.params, ...input.body }, input.rawLength, input.operation === undefined ? target.models[0]?.embeddings === true : input.operation === 'embeddings'),
    stats: input.stats,
    random: input.random,
    sticky: input.sticky,
  });
  if (ranked.candidates.length === 0) return emptiedError(target, ranked.excludedBy, ranked.decisions);

  const keyUsable = keyUsableFor(input.byokOnly === true);
  // allow_fallbacks: false keeps its fail-fast contract: no ejected upstream, no waiting for a key
  const noFallbacks = target.preferences ? target.preferences.allow_fallbacks === false : target.models.some((m) => m.spec.provider?.allow_fallbacks === false);
  const plan = planAttempts({ candidates: ranked.candidates, health: input.health, now: input.now, keyUsable, failFast: noFallbacks, pinnedProvider: input.pinnedProvider });
  return new ExplainedRoute(target, ranked, plan, keyUsable);
}

/** The model the request names is of the other kind than the endpoint serves (fallback models of the other kind are only skipped). */
function modelKindError(table: RoutingTable, target: RequestTarget, operation: 'chat' | 'embeddings', reader: CatalogReader | undefined): RouteError | undefined {
  const primary = target.models[0];
  if (primary === undefined || primary.embeddings === (operation === 'embeddings')) return undefined;
  const id = primary.spec.id;
  if (operation === 'chat') return { status: 400, code: 'embeddings_model', message: `model '${id}' is an embeddings model: send it to POST /v1/embeddings` };
  const served = [...new Set([...table.models.values()].filter((m) => m.embeddings && (reader === undefined || mayUseModel(reader, m.spec))).map((m) => m.spec.id))];
  const list = served.length === 0 ? 'this gateway serves none' : `this gateway serves ${served.slice(0, 5).join(', ')}${served.length > 5 ? ', ...' : ''}`;
  return { status: 400, code: 'not_an_embeddings_model', message: `model '${id}' is not an embeddings model (it lacks the 'embeddings' capability); POST /v1/embeddings serves embeddings models only: ${list}` };
}

/** BYOK keys always; shared ones unless their provider says `shared: never`. */
const sharedKeysAllowed = (key: EngineKey, provider: EngineProvider) => key.tier !== 'shared' || (provider as ServeProvider).spec.shared !== 'never';
/** The gateway key says `shared: never`. */
const byokKeysOnly = (key: EngineKey) => key.tier !== 'shared';

/** Which of a provider's keys a request may use: BYOK ones always, shared ones unless the gateway key or the provider says never. */
export function keyUsableFor(byokOnly: boolean): RoutePlan['keyUsable'] {
  return byokOnly ? byokKeysOnly : sharedKeysAllowed;
}

/** A route whose reasons are built only when someone reads them (explain, tests), never per served request. */
class ExplainedRoute implements RoutePlan {
  readonly ranked: RoutedCandidate[];
  private explained: Decision[] | undefined;

  constructor(
    readonly target: RequestTarget,
    private readonly rankResult: RankResult,
    readonly plan: Plan,
    readonly keyUsable: RoutePlan['keyUsable'],
  ) {
    this.ranked = rankResult.candidates;
  }

  get decisions(): Decision[] {
    const all = this.rankResult.decisions;
    return (this.explained ??= [...all.filter((d) => !d.included), ...mergeHealth(all.filter((d) => d.included), this.plan)]);
  }
}

/** Health decisions refine the preference positions: an ejected candidate goes after the healthy ones (or out, fail-fast). */
function mergeHealth(included: Decision[], plan: Plan): Decision[] {
  const health = new Map(plan.decisions.map((d) => [d.upstream, d]));
  return included.map((d) => {
    const h = health.get(d.upstream);
    if (!h || h.included) return h !== undefined && !h.reason.startsWith('rank') ? { ...d, reason: `${d.reason}; ${h.reason}` } : d;
    return { ...d, included: false, reason: `${d.reason}; skipped: ${h.reason}` };
  });
}

function emptiedError(target: RequestTarget, excludedBy: Map<FilterName, number>, decisions: Decision[]): RouteError {
  const filters = [...excludedBy.keys()];
  const status = filters.some((f) => HARD_FILTERS_404.has(f)) ? 404 : 400;
  const models = target.models.map((m) => m.spec.id).join(', ');
  const detail = filters.map((f) => `${f} excluded ${excludedBy.get(f)}`).join('; ');
  return {
    status,
    code: 'no_matching_upstream',
    message: `no upstream of ${models} is left after the routing filters (${detail || 'no upstream serves this model'})`,
    decisions,
  };
}
