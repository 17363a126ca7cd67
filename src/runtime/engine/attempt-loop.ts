/**
 * The attempt loop: tries a plan's candidates and keys in order, applying the failover table,
 * until one serves, the request's fault is returned, or the bounds are reached.
 * Pure over an injected transport and clock, so property tests can drive it with generated behaviours.
 */
import { parseResetDuration, parseRetryAfter } from './durations.js';
import type { HealthState } from './health.js';
import { keyId } from './health.js';
import { classifyOutcome, errorClassOf, type FailoverPolicy, type OutcomeClass, type UpstreamOutcome } from './outcome.js';
import type { EngineCandidate, EngineKey, Plan } from './plan.js';

export interface Clock {
  now(): number;
}

export interface AttemptRequest {
  candidate: EngineCandidate;
  key: EngineKey;
  /** 0-based index of this attempt in the request. */
  index: number;
  /** Absolute time (clock ms) by which the whole request must be done. */
  deadline: number;
}

export type Transport<Body> = (attempt: AttemptRequest) => Promise<UpstreamOutcome<Body>>;

export interface AttemptRecord {
  upstream: string;
  provider: string;
  model: string;
  key: string;
  tier: 'byok' | 'shared';
  outcome: OutcomeClass;
  status?: number;
  errorClass?: string;
  startedAt: number;
  endedAt: number;
  /** Why the loop moved on after this attempt (absent on the last one). */
  nextBecause?: string;
}

export interface LoopSettings extends FailoverPolicy {
  maxAttempts: number;
  cooldownMs: number;
  keyQuarantineMs: number;
  /** Absolute deadline (clock ms). */
  deadline: number;
}

export type LoopResult<Body> =
  /** A 2xx: serve it. */
  | { kind: 'served'; outcome: Extract<UpstreamOutcome<Body>, { kind: 'response' }>; attempts: AttemptRecord[] }
  /** The request's own fault (400/404/413/422 ...): return it as is. */
  | { kind: 'returned'; outcome: Extract<UpstreamOutcome<Body>, { kind: 'response' }>; attempts: AttemptRecord[] }
  /** Every allowed attempt failed, or none could be made. */
  | { kind: 'exhausted'; attempts: AttemptRecord[]; last?: UpstreamOutcome<Body>; why: 'all-failed' | 'max-attempts' | 'deadline' | 'refused'; retryAt?: number; message?: string }
  | { kind: 'aborted'; attempts: AttemptRecord[] };

export interface LoopInput<Body> {
  plan: Plan;
  health: HealthState;
  clock: Clock;
  transport: Transport<Body>;
  settings: LoopSettings;
  /** The client's cancellation (an AbortSignal will do): read before each attempt. */
  signal?: { readonly aborted: boolean };
  /** Keys this request may use; all present keys when absent. */
  keyUsable?: (key: EngineKey, provider: EngineCandidate['provider']) => boolean;
  /** Called with every outcome the loop does not hand back, so its body can be released. */
  discard?: (outcome: UpstreamOutcome<Body>) => void;
}

export async function runAttempts<Body>(input: LoopInput<Body>): Promise<LoopResult<Body>> {
  const { plan, health, clock, transport, settings } = input;
  const attempts: AttemptRecord[] = [];
  if (plan.order.length === 0) {
    return { kind: 'exhausted', attempts, why: 'refused', retryAt: plan.refusal?.retryAt, message: plan.refusal?.message };
  }
  let last: UpstreamOutcome<Body> | undefined;
  let why: 'all-failed' | 'max-attempts' | 'deadline' = 'all-failed';
  let retryAt: number | undefined;
  /** Every return but `exhausted` hands back no earlier failure: release its body. */
  const finish = (result: LoopResult<Body>): LoopResult<Body> => {
    if (last !== undefined) input.discard?.(last);
    return result;
  };
  /** Model groups that answered with a request error: the rest of their candidates are skipped (made on the first). */
  let failedGroups: Set<number> | undefined;

  candidates: for (let c = 0; c < plan.order.length; c++) {
    const candidate = plan.order[c]!;
    if (failedGroups?.has(candidate.group ?? 0)) continue;
    const probing = plan.probe && c === 0;
    const provider = candidate.provider;
    /** Keys of this candidate already tried: the first, then a set made on the second (most requests pick once). */
    let firstTried = -1;
    let moreTried: Set<number> | undefined;
    for (;;) {
      if (input.signal?.aborted) return finish({ kind: 'aborted', attempts });
      if (attempts.length >= settings.maxAttempts) {
        why = 'max-attempts';
        break candidates;
      }
      const now = clock.now();
      if (now >= settings.deadline) {
        why = 'deadline';
        break candidates;
      }
      // health may have changed since planning (this or another request cooled it)
      if (!probing && health.upstreamCoolingUntil(candidate.upstream, now) !== undefined) break;
      const index = provider.pool.pick((i) => {
        const key = provider.pool.keys[i]!;
        return key.present && i !== firstTried && !moreTried?.has(i) && (!input.keyUsable || input.keyUsable(key, provider)) && (probing || health.keys.size === 0 || health.keyQuarantinedUntil(key.healthId ?? keyId(provider.id, key.name), now) === undefined);
      });
      if (index < 0) break;
      if (firstTried < 0) firstTried = index;
      else (moreTried ??= new Set()).add(index);
      const key = provider.pool.keys[index]!;
      const outcome = await transport({ candidate, key, index: attempts.length, deadline: settings.deadline });
      const endedAt = clock.now();
      const outcomeClass = classifyOutcome(outcome, settings);
      const record: AttemptRecord = {
        upstream: candidate.upstream,
        provider: provider.id,
        model: candidate.model,
        key: key.name,
        tier: key.tier,
        outcome: outcomeClass,
        startedAt: now,
        endedAt,
      };
      if (outcome.kind === 'response') record.status = outcome.status;
      if (outcomeClass !== 'success') record.errorClass = errorClassOf(outcome);
      attempts.push(record);
      const kid = key.healthId ?? keyId(provider.id, key.name);

      switch (outcomeClass) {
        case 'success': {
          const served = outcome as Extract<UpstreamOutcome<Body>, { kind: 'response' }>;
          health.upstreams.delete(candidate.upstream);
          if (served.headers['x-ratelimit-remaining-requests'] === '0') {
            const wait = parseResetDuration(served.headers['x-ratelimit-reset-requests']) ?? settings.cooldownMs;
            health.quarantineKey(kid, endedAt + wait, 'ratelimit_exhausted', endedAt);
          } else if (probing) health.keys.delete(kid);
          return finish({ kind: 'served', outcome: served, attempts });
        }
        case 'request-error': {
          // the request is wrong for this model; a later model in the request's `models` list may still take it
          const group = candidate.group ?? 0;
          const laterModel = plan.order.slice(c + 1).some((o) => (o.group ?? 0) !== group && !failedGroups?.has(o.group ?? 0));
          if (!laterModel) return finish({ kind: 'returned', outcome: outcome as Extract<UpstreamOutcome<Body>, { kind: 'response' }>, attempts });
          (failedGroups ??= new Set()).add(group);
          record.nextBecause = `model '${candidate.model}' rejected the request (${record.errorClass}); trying the next model`;
          break;
        }
        case 'client-aborted':
          input.discard?.(outcome);
          return finish({ kind: 'aborted', attempts });
        case 'key-rejected':
          health.quarantineKey(kid, endedAt + settings.keyQuarantineMs, record.errorClass!, endedAt);
          record.nextBecause = `key '${key.name}' was rejected (${record.errorClass}); quarantined`;
          break;
        case 'key-rate-limited': {
          const headers = outcome.kind === 'response' ? outcome.headers : {};
          const wait = parseRetryAfter(headers['retry-after'], endedAt) ?? parseResetDuration(headers['x-ratelimit-reset-requests']) ?? settings.cooldownMs;
          health.quarantineKey(kid, endedAt + wait, record.errorClass!, endedAt);
          retryAt = retryAt === undefined ? endedAt + wait : Math.min(retryAt, endedAt + wait);
          record.nextBecause = `key '${key.name}' was rate-limited; quarantined for ${wait} ms`;
          break;
        }
        case 'upstream-failed':
          health.coolUpstream(candidate.upstream, endedAt + settings.cooldownMs, record.errorClass!, endedAt);
          record.nextBecause = `upstream failed (${record.errorClass}); cooling down for ${settings.cooldownMs} ms`;
          break;
      }
      if (last !== undefined) input.discard?.(last);
      last = outcome;
      if (outcomeClass === 'upstream-failed' || outcomeClass === 'request-error') continue candidates;
    }
  }
  // the client may have gone while the last attempt failed: the answer is then nobody's
  if (input.signal?.aborted) return finish({ kind: 'aborted', attempts });
  const lastRecord = attempts[attempts.length - 1];
  if (lastRecord) delete lastRecord.nextBecause;
  return { kind: 'exhausted', attempts, last, why, ...(retryAt !== undefined ? { retryAt } : {}) };
}
