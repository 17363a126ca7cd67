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
  pinnedProvider?: string;
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
  let soonestKey: number | undefined;
  for (const key of keys) {
    if (!key.present || (keyUsable && !keyUsable(key, candidate.provider))) continue;
    const until = health.keyQuarantinedUntil(keyId(candidate.provider.id, key.name), now) ?? now;
    if (soonestKey === undefined || until < soonestKey) soonestKey = until;
  }
  if (soonestKey === undefined) return undefined;
  const cooling = health.upstreamCoolingUntil(candidate.upstream, now) ?? now;
  return Math.max(cooling, soonestKey);
}

export function planAttempts(input: PlanInput): Plan {
  const { health, now } = input;
  const pinned = input.pinnedProvider?.toLowerCase();
  const decisions: PlanDecision[] = [];
  const order: EngineCandidate[] = [];
  let soonest: { candidate: EngineCandidate; at: number } | undefined;

  for (const candidate of input.candidates) {
    if (pinned !== undefined && candidate.provider.id.toLowerCase() !== pinned) {
      decisions.push({ upstream: candidate.upstream, included: false, reason: `not the pinned provider '${input.pinnedProvider}'` });
      continue;
    }
    const at = availableAt(candidate, health, now, input.keyUsable);
    if (at === undefined) {
      decisions.push({ upstream: candidate.upstream, included: false, reason: 'no key configured in the environment' });
      continue;
    }
    if (at > now) {
      decisions.push({ upstream: candidate.upstream, included: false, reason: `cooling down for ${at - now} ms` });
      if (soonest === undefined || at < soonest.at) soonest = { candidate, at };
      continue;
    }
    decisions.push({ upstream: candidate.upstream, included: true, reason: `rank ${order.length + 1}` });
    order.push(candidate);
  }

  if (order.length > 0) return { order, probe: false, decisions };
  if (soonest !== undefined && pinned === undefined && input.probe !== false) {
    // every candidate is cooling: health may be stale, so probe the one whose cooldown ends first
    decisions.push({ upstream: soonest.candidate.upstream, included: true, reason: 'probe: every candidate is cooling and this one recovers first' });
    return { order: [soonest.candidate], probe: true, decisions };
  }
  let refusal: PlanRefusal;
  if (pinned === undefined && soonest !== undefined) refusal = { kind: 'restricted-cooling', message: `every upstream the request allows is cooling down for ${soonest.at - now} ms`, retryAt: soonest.at };
  else if (pinned === undefined) refusal = { kind: 'no-key', message: 'no upstream of this model has a key set in the environment' };
  else if (soonest !== undefined) refusal = { kind: 'pinned-cooling', message: `pinned provider '${input.pinnedProvider}' is cooling down for ${soonest.at - now} ms`, retryAt: soonest.at };
  else refusal = { kind: 'pinned-unavailable', message: `pinned provider '${input.pinnedProvider}' cannot serve this model` };
  return { order, probe: false, decisions, refusal };
}
