/**
 * The planner: from a model's ranked candidates and the health state, the order in which to try them,
 * with the reason for every inclusion and exclusion. Pure: time comes in as `now`.
 */
import type { HealthState } from './health.js';
import { keyId, upstreamId } from './health.js';
import type { KeyPool, PoolKey } from './key-pool.js';

export interface EngineKey extends PoolKey {
  /** False when the key's environment variable is not set: the key never serves. */
  present: boolean;
  /** Its id in the health state (`provider#name`), precomputed where the key is built. */
  healthId?: string;
}

export interface EngineProvider {
  id: string;
  pool: KeyPool<EngineKey>;
}

export interface EngineCandidate {
  provider: EngineProvider;
  /** The model name the provider expects. */
  model: string;
  /** `provider/model`, the health id. */
  upstream: string;
  /** Which of the request's models this candidate serves (0: the primary). A request error moves on to the next group. */
  group?: number;
}

export interface PlanDecision {
  upstream: string;
  included: boolean;
  reason: string;
}

export interface Plan {
  /** Candidates to try, in order. */
  order: EngineCandidate[];
  /** Set when the first entry of `order` is tried although it is cooling (every candidate was). */
  probe: boolean;
  decisions: PlanDecision[];
  /** Why nothing can be tried, when `order` is empty. */
  refusal?: PlanRefusal;
}

export interface PlanRefusal {
  kind: 'pinned-cooling' | 'pinned-unavailable' | 'restricted-cooling' | 'no-key';
  message: string;
  /** When the soonest candidate recovers, if any. */
  retryAt?: number;
}

export interface PlanInput {
  candidates: readonly EngineCandidate[];
  health: HealthState;
  now: number;
  /** `X-AnyRouter-Provider`: only this provider, no fallback, no probe. */
  pinnedProvider?: string | undefined;
  /** False when the request restricted its providers (`provider.only`): no probe outside what it allowed is worth more than a clear error. */
  probe?: boolean;
  /** Keys this request may use (e.g. BYOK only); all present keys when absent. */
  keyUsable?: (key: EngineKey, provider: EngineProvider) => boolean;
}

export function makeCandidate(provider: EngineProvider, model: string): EngineCandidate {
  return { provider, model, upstream: upstreamId(provider.id, model) };
}

/** When a candidate can next serve: now if it has a usable key and is not cooling; undefined if never (no key present). */
export function availableAt(candidate: EngineCandidate, health: HealthState, now: number, keyUsable?: PlanInput['keyUsable']): number | undefined {
  const keys = candidate.provider.pool.keys;
  // nothing is quarantined (the common case): no key id to build, no map to ask
  const anyQuarantine = health.keys.size > 0;
  let soonestKey: number | undefined;
  for (const key of keys) {
    if (!key.present || (keyUsable && !keyUsable(key, candidate.provider))) continue;
    const until = anyQuarantine ? (health.keyQuarantinedUntil(key.healthId ?? keyId(candidate.provider.id, key.name), now) ?? now) : now;
    if (soonestKey === undefined || until < soonestKey) soonestKey = until;
    if (soonestKey === now) break;
  }
  if (soonestKey === undefined) return undefined;
  const cooling = health.upstreams.size > 0 ? (health.upstreamCoolingUntil(candidate.upstream, now) ?? now) : now;
  return Math.max(cooling, soonestKey);
}

/** Marks why a candidate is out of the plan; a number is the time it recovers. */
const NOT_PINNED = -1;
const NO_KEY = -2;

export function planAttempts(input: PlanInput): Plan {
  const { health, now } = input;
  const pinned = input.pinnedProvider?.toLowerCase();
  const order: EngineCandidate[] = [];
  /** Per input candidate: when it is available (now = in the plan), or NOT_PINNED / NO_KEY. */
  const availability: number[] = [];
  let soonest: { candidate: EngineCandidate; at: number } | undefined;

  for (const candidate of input.candidates) {
    if (pinned !== undefined && candidate.provider.id.toLowerCase() !== pinned) {
      availability.push(NOT_PINNED);
      continue;
    }
    const at = availableAt(candidate, health, now, input.keyUsable) ?? NO_KEY;
    availability.push(at);
    if (at === NO_KEY) continue;
    if (at > now) {
      if (soonest === undefined || at < soonest.at) soonest = { candidate, at };
      continue;
    }
    order.push(candidate);
  }

  const explain = { candidates: input.candidates, availability, now, pinned: input.pinnedProvider };
  if (order.length > 0) return new ExplainedPlan(order, false, explain);
  if (soonest !== undefined && pinned === undefined && input.probe !== false) {
    // every candidate is cooling: health may be stale, so probe the one whose cooldown ends first
    return new ExplainedPlan([soonest.candidate], true, explain);
  }
  let refusal: PlanRefusal;
  if (pinned === undefined && soonest !== undefined) refusal = { kind: 'restricted-cooling', message: `every upstream the request allows is cooling down for ${soonest.at - now} ms`, retryAt: soonest.at };
  else if (pinned === undefined) refusal = { kind: 'no-key', message: 'no upstream of this model has a key set in the environment' };
  else if (soonest !== undefined) refusal = { kind: 'pinned-cooling', message: `pinned provider '${input.pinnedProvider}' is cooling down for ${soonest.at - now} ms`, retryAt: soonest.at };
  else refusal = { kind: 'pinned-unavailable', message: `pinned provider '${input.pinnedProvider}' cannot serve this model` };
  return new ExplainedPlan(order, false, explain, refusal);
}

interface PlanExplanation {
  candidates: readonly EngineCandidate[];
  availability: readonly number[];
  now: number;
  pinned: string | undefined;
}

/** A plan whose reasons are built only when someone reads them (explain, tests), never per served request. */
class ExplainedPlan implements Plan {
  private explained: PlanDecision[] | undefined;

  constructor(
    readonly order: EngineCandidate[],
    readonly probe: boolean,
    private readonly explanation: PlanExplanation,
    readonly refusal?: PlanRefusal,
  ) {}

  get decisions(): PlanDecision[] {
    if (this.explained) return this.explained;
    const { candidates, availability, now, pinned } = this.explanation;
    let rank = 0;
    const decisions = candidates.map((candidate, i): PlanDecision => {
      const at = availability[i]!;
      const { upstream } = candidate;
      if (at === NOT_PINNED) return { upstream, included: false, reason: `not the pinned provider '${pinned}'` };
      if (at === NO_KEY) return { upstream, included: false, reason: 'no key configured in the environment' };
      if (at > now) return { upstream, included: false, reason: `cooling down for ${at - now} ms` };
      return { upstream, included: true, reason: `rank ${++rank}` };
    });
    if (this.probe) decisions.push({ upstream: this.order[0]!.upstream, included: true, reason: 'probe: every candidate is cooling and this one recovers first' });
    return (this.explained = decisions);
  }
}
