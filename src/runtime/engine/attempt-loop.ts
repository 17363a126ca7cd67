/**
 * The attempt loop: tries a plan's candidates and keys in order, applying the failover table,
 * until one serves, the request's fault is returned, or the bounds are reached.
 * Pure over an injected transport, clock and sleep, so property tests can drive it with generated behaviours.
 *
 * Order: passes over the plan (healthy candidates first, then ejected ones). In a pass each candidate tries
 * its untried keys until one fails the upstream itself (5xx, timeout, reset: the next candidate's turn) or
 * none is left; a later pass comes back for the keys an upstream failure left untried. Keys quarantined
 * (401/429) are skipped; when nothing else is left, the loop waits for the soonest quarantine to end if
 * that is before the deadline. Each (upstream, key) is tried at most once.
 */
import { parseResetDuration, rateLimitWait } from './durations.js';
import type { HealthState } from './health.js';
import { keyId } from './health.js';
import { classifyOutcome, errorClassOf, type FailoverPolicy, type OutcomeClass, type UpstreamOutcome } from './outcome.js';
import type { OutlierPolicy } from './outlier.js';
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
  /**
   * Absolute time by which this attempt's first byte must come: half of what is left of the deadline while
   * another (upstream, key) could still be tried, so a hung upstream leaves room to fail over; else the deadline.
   */
  firstByteBy: number;
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
  /** `ejected`: the upstream was ejected and tried after the healthy candidates; `panic`: every candidate was ejected. */
  routing?: 'ejected' | 'panic';
  /** Why the loop moved on after this attempt (absent on the last one). */
  nextBecause?: string;
}

export interface LoopSettings extends FailoverPolicy {
  maxAttempts: number;
  /** Base length of an ejection (and the quarantine of a 429 without Retry-After). */
  cooldownMs: number;
  keyQuarantineMs: number;
  outlier: OutlierPolicy;
  /** Absolute deadline (clock ms). */
  deadline: number;
}

export type ExhaustedWhy = 'all-failed' | 'max-attempts' | 'deadline' | 'refused' | 'rate-limited';

export type LoopResult<Body> =
  /** A 2xx: serve it. */
  | { kind: 'served'; outcome: Extract<UpstreamOutcome<Body>, { kind: 'response' }>; attempts: AttemptRecord[] }
  /** The request's own fault (400/404/413/422 ...): return it as is. */
  | { kind: 'returned'; outcome: Extract<UpstreamOutcome<Body>, { kind: 'response' }>; attempts: AttemptRecord[] }
  /**
   * Every allowed attempt failed, or none could be made. `rate-limited`: what is left is quarantined past
   * the deadline (`retryAt` says when the soonest key recovers).
   */
  | { kind: 'exhausted'; attempts: AttemptRecord[]; last?: UpstreamOutcome<Body>; why: ExhaustedWhy; retryAt?: number; message?: string }
  | { kind: 'aborted'; attempts: AttemptRecord[] };

export interface LoopInput<Body> {
  plan: Plan;
  health: HealthState;
  clock: Clock;
  transport: Transport<Body>;
  settings: LoopSettings;
  /** Waits `ms` of the clock's time (resolving early on the client's abort is fine); without it the loop never waits. */
  sleep?: (ms: number) => Promise<void>;
  /** The client's cancellation (an AbortSignal will do): read before each attempt. */
  signal?: { readonly aborted: boolean };
  /** Keys this request may use; all present keys when absent. */
  keyUsable?: (key: EngineKey, provider: EngineCandidate['provider']) => boolean;
  /** Called with every outcome the loop does not hand back, so its body can be released. */
  discard?: (outcome: UpstreamOutcome<Body>) => void;
}

type Served<Body> = Extract<UpstreamOutcome<Body>, { kind: 'response' }>;

export async function runAttempts<Body>(input: LoopInput<Body>): Promise<LoopResult<Body>> {
  const { plan, health, clock, transport, settings } = input;
  const attempts: AttemptRecord[] = [];
  const order = plan.order;
  if (order.length === 0) {
    return { kind: 'exhausted', attempts, why: 'refused', retryAt: plan.refusal?.retryAt, message: plan.refusal?.message };
  }
  let last: UpstreamOutcome<Body> | undefined;
  let why: ExhaustedWhy = 'all-failed';
  let retryAt: number | undefined;
  /** Every return but `exhausted` hands back no earlier failure: release its body. */
  const finish = (result: LoopResult<Body>): LoopResult<Body> => {
    if (last !== undefined) input.discard?.(last);
    return result;
  };
  /** Model groups that answered with a request error: the rest of their candidates are skipped (made on the first). */
  let failedGroups: Set<number> | undefined;
  /** Key indexes tried, per plan position (made on a candidate's first attempt). */
  const tried: Array<number[] | undefined> = [];

  /** A key of the candidate at `c` that this request may use and has not tried. */
  const open = (c: number, i: number): boolean => {
    const candidate = order[c]!;
    const key = candidate.provider.pool.keys[i]!;
    return key.present && !(tried[c]?.includes(i) ?? false) && (!input.keyUsable || input.keyUsable(key, candidate.provider));
  };
  /** Whether some other (upstream, key) than `c`/`i` could still be tried (quarantined or not). */
  const alternativeLeft = (c: number, i: number): boolean => {
    for (let o = 0; o < order.length; o++) {
      if (failedGroups?.has(order[o]!.group ?? 0)) continue;
      const n = order[o]!.provider.pool.keys.length;
      for (let k = 0; k < n; k++) if ((o !== c || k !== i) && open(o, k)) return true;
    }
    return false;
  };

  passes: for (;;) {
    let attempted = false;
    /** When the soonest untried rate-limited key (of a group still open) recovers: what a wait is for. */
    let soonestKey = Infinity;
    /** When the soonest key skipped in this pass recovers, rate-limited or rejected: the pass starts over then. */
    let soonestSkipped = Infinity;
    /** Plan positions whose upstream failed in this pass: their other keys wait for the next one. */
    let failedInPass: number[] | undefined;
    candidates: for (let c = 0; c < order.length; c++) {
      const candidate = order[c]!;
      if (failedGroups?.has(candidate.group ?? 0) || failedInPass?.includes(c)) continue;
      const provider = candidate.provider;
      for (;;) {
        if (input.signal?.aborted) return finish({ kind: 'aborted', attempts });
        if (attempts.length >= settings.maxAttempts) {
          why = 'max-attempts';
          break passes;
        }
        const now = clock.now();
        if (now >= settings.deadline) {
          why = 'deadline';
          break passes;
        }
        // a key skipped earlier in this pass has recovered since: back to the top, so rank order holds
        if (soonestSkipped <= now) {
          soonestKey = Infinity;
          soonestSkipped = Infinity;
          c = -1;
          continue candidates;
        }
        const checkQuarantine = health.keys.size > 0;
        const index = provider.pool.pick((i) => {
          if (!open(c, i)) return false;
          if (!checkQuarantine) return true;
          const key = provider.pool.keys[i]!;
          const id = key.healthId ?? keyId(provider.id, key.name);
          const skippedUntil = health.keyQuarantinedUntil(id, now);
          if (skippedUntil === undefined) return true;
          if (skippedUntil < soonestSkipped) soonestSkipped = skippedUntil;
          // a rate limit ends soon and is waited for; a rejected key is not
          const until = health.keyRateLimitedUntil(id, now);
          if (until !== undefined && until < soonestKey) soonestKey = until;
          return false;
        });
        if (index < 0) continue candidates;
        (tried[c] ??= []).push(index);
        const key = provider.pool.keys[index]!;
        const firstByteBy = alternativeLeft(c, index) ? now + (settings.deadline - now) / 2 : settings.deadline;
        attempted = true;
        const outcome = await transport({ candidate, key, index: attempts.length, deadline: settings.deadline, firstByteBy });
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
        if (plan.panic) record.routing = 'panic';
        else if (c >= plan.healthy) record.routing = 'ejected';
        attempts.push(record);
        const kid = key.healthId ?? keyId(provider.id, key.name);

        switch (outcomeClass) {
          case 'success': {
            const served = outcome as Served<Body>;
            health.recordUpstreamSuccess(candidate.upstream, endedAt, settings.outlier);
            if (served.headers['x-ratelimit-remaining-requests'] === '0') {
              const wait = parseResetDuration(served.headers['x-ratelimit-reset-requests']) ?? settings.cooldownMs;
              health.quarantineKey(kid, endedAt + wait, 'ratelimit_exhausted', endedAt, true);
            }
            return finish({ kind: 'served', outcome: served, attempts });
          }
          case 'request-error': {
            health.recordUpstreamSuccess(candidate.upstream, endedAt, settings.outlier);
            // the request is wrong for this model; a later model in the request's `models` list may still take it
            const group = candidate.group ?? 0;
            let laterModel = false;
            for (let o = c + 1; o < order.length && !laterModel; o++) laterModel = (order[o]!.group ?? 0) !== group && !failedGroups?.has(order[o]!.group ?? 0);
            if (!laterModel) return finish({ kind: 'returned', outcome: outcome as Served<Body>, attempts });
            (failedGroups ??= new Set()).add(group);
            record.nextBecause = `model '${candidate.model}' rejected the request (${record.errorClass}); trying the next model`;
            break;
          }
          case 'client-aborted':
            input.discard?.(outcome);
            return finish({ kind: 'aborted', attempts });
          case 'key-rejected':
            health.recordUpstreamSuccess(candidate.upstream, endedAt, settings.outlier);
            health.quarantineKey(kid, endedAt + settings.keyQuarantineMs, record.errorClass!, endedAt);
            record.nextBecause = `key '${key.name}' was rejected (${record.errorClass}); quarantined`;
            break;
          case 'key-rate-limited': {
            health.recordUpstreamSuccess(candidate.upstream, endedAt, settings.outlier);
            const headers = outcome.kind === 'response' ? outcome.headers : {};
            const wait = rateLimitWait(headers, endedAt, settings.cooldownMs);
            health.quarantineKey(kid, endedAt + wait, record.errorClass!, endedAt, true);
            retryAt = retryAt === undefined ? endedAt + wait : Math.min(retryAt, endedAt + wait);
            record.nextBecause = `key '${key.name}' was rate-limited; quarantined for ${wait} ms`;
            break;
          }
          case 'upstream-failed': {
            const verdict = health.recordUpstreamFailure(candidate.upstream, endedAt, record.errorClass!, settings.outlier, settings.cooldownMs, candidate.peers ?? groupPeers(order, candidate));
            record.nextBecause = verdict.ejected
              ? `upstream failed (${record.errorClass}); ejected for ${verdict.until - endedAt} ms (${verdict.because === 'consecutive' ? `${settings.outlier.consecutive} failures in a row` : 'failure rate over the window'})`
              : `upstream failed (${record.errorClass})${verdict.held ? '; not ejected: maxEjectionPercent of its model is out' : ''}`;
            break;
          }
        }
        if (last !== undefined) input.discard?.(last);
        last = outcome;
        if (outcomeClass === 'upstream-failed') {
          (failedInPass ??= []).push(c);
          continue candidates;
        }
        if (outcomeClass === 'request-error') continue candidates;
      }
    }
    if (attempted) continue;
    // nothing could be tried now: the soonest quarantined key is waited for when it recovers before the deadline
    if (soonestKey !== Infinity) {
      if (!plan.failFast && input.sleep !== undefined && soonestKey < settings.deadline) {
        await input.sleep(Math.max(0, soonestKey - clock.now()));
        continue;
      }
      why = 'rate-limited';
      retryAt = retryAt === undefined ? soonestKey : Math.min(retryAt, soonestKey);
    }
    break;
  }
  // the client may have gone while the last attempt failed: the answer is then nobody's
  if (input.signal?.aborted) return finish({ kind: 'aborted', attempts });
  const lastRecord = attempts[attempts.length - 1];
  if (lastRecord) delete lastRecord.nextBecause;
  return { kind: 'exhausted', attempts, last, why, ...(retryAt !== undefined ? { retryAt } : {}) };
}

/** The upstreams of the plan's candidates for the same model as `candidate`. */
function groupPeers(order: readonly EngineCandidate[], candidate: EngineCandidate): string[] {
  const group = candidate.group ?? 0;
  const peers: string[] = [];
  for (const c of order) if ((c.group ?? 0) === group && !peers.includes(c.upstream)) peers.push(c.upstream);
  return peers;
}
