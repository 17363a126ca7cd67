/** The client's error when no attempt served: refused, rate-limited everywhere, timed out, or all failed. */
import type { AttemptRecord, LoopResult } from '../engine/attempt-loop.js';
import type { ServeCandidate } from '../routing-table.js';
import type { GatewayError } from './openai-errors.js';

export function exhaustedError<Body>(result: Extract<LoopResult<Body>, { kind: 'exhausted' }>, modelId: string, now: number): GatewayError {
  const retryAfter = result.retryAt !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil((result.retryAt - now) / 1000))) } : undefined;
  if (result.why === 'refused') {
    const message = result.message ?? `no upstream can serve '${modelId}'`;
    return { status: 503, code: 'no_upstream_available', message, ...(retryAfter ? { headers: retryAfter } : {}) };
  }
  const summary = summarizeAttempts(result.attempts);
  // what was tried was rate-limited, and what was left is quarantined past the deadline (or nothing was left)
  const allRateLimited = (result.attempts.length > 0 || result.why === 'rate-limited') && result.attempts.every((a) => a.outcome === 'key-rate-limited');
  if (allRateLimited) return { status: 429, code: 'upstream_rate_limited', message: `every upstream of '${modelId}' is rate-limited (${summary})`, ...(retryAfter ? { headers: retryAfter } : {}) };
  const reason = result.why === 'max-attempts' ? 'the attempt limit was reached' : result.why === 'deadline' ? 'the request deadline passed' : result.why === 'rate-limited' ? 'the keys left are rate-limited past the deadline' : 'every upstream failed';
  const timedOut = result.why === 'deadline' || result.attempts.every((a) => a.errorClass === 'timeout');
  return { status: timedOut ? 504 : 502, code: 'upstream_failed', message: `'${modelId}' could not be served: ${reason} (${summary})` };
}

/** The client's message when no upstream of the request's models has a key (the gateway's, and the launcher's). */
export function noKeyMessage(modelId: string, candidates: readonly ServeCandidate[]): string {
  return `no upstream of '${modelId}' has a key: set ${missingKeyNames(candidates)} in the gateway's environment`;
}

export function missingKeyNames(candidates: readonly ServeCandidate[]): string {
  const names = new Set<string>();
  for (const c of candidates) for (const key of c.provider.pool.keys) names.add(key.env);
  return [...names].join(' or ') || 'a provider key';
}

function summarizeAttempts(attempts: AttemptRecord[]): string {
  if (attempts.length === 0) return 'no attempt was made';
  return attempts.map((a) => `${a.provider}: ${a.errorClass ?? a.status}`).join(', ');
}
