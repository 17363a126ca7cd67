/** What one upstream attempt can end in, and what the failover table in DESIGN.md does with each. */

export type FailureReason = 'connect' | 'timeout' | 'reset' | 'aborted';

export type UpstreamOutcome<Body> =
  | { kind: 'response'; status: number; headers: Readonly<Record<string, string | undefined>>; body: Body }
  | { kind: 'failure'; reason: FailureReason; message: string };

/**
 * - success: 2xx, stop.
 * - request-error: the request itself is wrong (400/404/413/422, or any status not configured to fail over); return it.
 * - key-rejected: 401/402/403; quarantine the key for long, try the next key or upstream.
 * - key-rate-limited: 429; quarantine the key until Retry-After or the cooldown.
 * - upstream-failed: 408, 5xx, connect error, timeout, reset; cool the upstream down, next upstream.
 * - client-aborted: the client went away; stop without touching health.
 */
export type OutcomeClass = 'success' | 'request-error' | 'key-rejected' | 'key-rate-limited' | 'upstream-failed' | 'client-aborted';

export interface FailoverPolicy {
  failoverStatuses: ReadonlySet<number>;
  failoverClasses: ReadonlySet<'4xx' | '5xx'>;
}

const REQUEST_ERRORS = new Set([400, 404, 413, 422]);

export function classifyStatus(status: number, policy: FailoverPolicy): OutcomeClass {
  if (status >= 200 && status < 300) return 'success';
  const fails = policy.failoverStatuses.has(status) || policy.failoverClasses.has(status >= 500 ? '5xx' : '4xx');
  // 400/404/413/422 are the request's fault unless listed explicitly
  if (!fails || (REQUEST_ERRORS.has(status) && !policy.failoverStatuses.has(status))) return 'request-error';
  if (status === 401 || status === 402 || status === 403) return 'key-rejected';
  if (status === 429) return 'key-rate-limited';
  return 'upstream-failed';
}

export function classifyOutcome<Body>(outcome: UpstreamOutcome<Body>, policy: FailoverPolicy): OutcomeClass {
  if (outcome.kind === 'failure') return outcome.reason === 'aborted' ? 'client-aborted' : 'upstream-failed';
  return classifyStatus(outcome.status, policy);
}

/** The error class recorded in health and traces. */
export function errorClassOf<Body>(outcome: UpstreamOutcome<Body>): string {
  return outcome.kind === 'failure' ? outcome.reason : `http_${outcome.status}`;
}
