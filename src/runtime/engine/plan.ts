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
  /** Upstream ids of every candidate of this model, itself included (for `maxEjectionPercent`); the plan's own group when absent. */
  peers?: readonly string[];
}

export interface PlanDecision {
  upstream: string;
  included: boolean;
  reason: string;
}

export interface Plan {
  /** Candidates to try: the healthy ones in rank order, then the ejected ones in rank order. */
  order: EngineCandidate[];
  /** How many of `order`'s first entries were healthy (not ejected) when planned. */
  healthy: number;
  /** Every candidate was ejected: all are tried in rank order (panic routing). */
  panic: boolean;
  /** A pinned provider or `allow_fallbacks: false`: ejected upstreams and quarantined keys are not tried, and nothing is waited for. */
  failFast: boolean;
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
  /** `X-AnyRouter-Provider`: only this provider, no fallback; fails at once while it is ejected or its keys are quarantined. */
  pinnedProvider?: string | undefined;
  /** `allow_fallbacks: false`: the same fail-fast contract for the candidates left. */
  failFast?: boolean;
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

/** Marks why a candidate is out of the plan; a number is the time it recovers (now: healthy). */
const NOT_PINNED = -1;
const NO_KEY = -2;

export function planAttempts(input: PlanInput): Plan {
  const { health, now } = input;
  const pinned = input.pinnedProvider?.toLowerCase();
  const failFast = pinned !== undefined || input.failFast === true;
  const order: EngineCandidate[] = [];
  let ejected: EngineCandidate[] | undefined;
  /** Per input candidate: when it is available (now = healthy), NOT_PINNED or NO_KEY. */
  const availability: number[] = [];
  let soonest: number | undefined;
  const anyEjected = health.upstreams.size > 0;

  for (const candidate of input.candidates) {
    if (pinned !== undefined && candidate.provider.id.toLowerCase() !== pinned) {
      availability.push(NOT_PINNED);
      continue;
    }
    if (failFast) {
      // the old contract: out while ejected or while every key is quarantined
      const at = availableAt(candidate, health, now, input.keyUsable) ?? NO_KEY;
      availability.push(at);
      if (at === NO_KEY) continue;
      if (at > now) {
        if (soonest === undefined || at < soonest) soonest = at;
        continue;
      }
      order.push(candidate);
      continue;
    }
    if (!hasUsableKey(candidate, input.keyUsable)) {
      availability.push(NO_KEY);
      continue;
    }
    const until = anyEjected ? health.upstreamCoolingUntil(candidate.upstream, now) : undefined;
    availability.push(until ?? now);
    if (until === undefined) order.push(candidate);
    else (ejected ??= []).push(candidate);
  }

  const explain = { candidates: input.candidates, availability, now, pinned: input.pinnedProvider };
  const healthy = order.length;
  if (ejected !== undefined) for (const c of ejected) order.push(c);
  if (order.length > 0) return new ExplainedPlan(order, healthy, healthy === 0, failFast, explain);
  let refusal: PlanRefusal;
  if (pinned === undefined && soonest !== undefined) refusal = { kind: 'restricted-cooling', message: `every upstream the request allows (allow_fallbacks is false) is ejected or rate-limited for ${soonest - now} ms`, retryAt: soonest };
  else if (pinned === undefined) refusal = { kind: 'no-key', message: 'no upstream of this model has a key set in the environment' };
  else if (soonest !== undefined) refusal = { kind: 'pinned-cooling', message: `pinned provider '${input.pinnedProvider}' is cooling down for ${soonest - now} ms`, retryAt: soonest };
  else refusal = { kind: 'pinned-unavailable', message: `pinned provider '${input.pinnedProvider}' cannot serve this model` };
  return new ExplainedPlan(order, 0, false, failFast, explain, refusal);
}

function hasUsableKey(candidate: EngineCandidate, keyUsable: PlanInput['keyUsable']): boolean {
  for (const key of candidate.provider.pool.keys) if (key.present && (!keyUsable || keyUsable(key, candidate.provider))) return true;
  return false;
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
    readonly healthy: number,
    readonly panic: boolean,
    readonly failFast: boolean,
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
      if (at > now && this.failFast) return { upstream, included: false, reason: `cooling down for ${at - now} ms` };
      if (at > now) {
        const position = this.order.indexOf(candidate) + 1;
        return { upstream, included: true, reason: this.panic ? `panic: every candidate is ejected, tried in rank order (position ${position}; ejected for ${at - now} ms)` : `ejected for ${at - now} ms: tried after the healthy candidates (position ${position})` };
      }
      return { upstream, included: true, reason: `rank ${++rank}` };
    });
    return (this.explained = decisions);
  }
}
