/** The error kind an HTTP status implies, for envelopes that did not say. */
import type { ErrorKind } from './canonical.js';

export function errorKindForStatus(status: number): ErrorKind {
  if (status === 400 || status === 422) return 'invalid_request';
  if (status === 401) return 'authentication';
  if (status === 402 || status === 403) return 'permission';
  if (status === 404) return 'not_found';
  if (status === 408 || status === 504) return 'timeout';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit';
  if (status === 503 || status === 529) return 'overloaded';
  return 'api';
}

/** A status for a kind, for errors that arrive without one (mid-stream error events). */
export function statusForErrorKind(kind: ErrorKind): number {
  const statuses: Record<ErrorKind, number> = {
    invalid_request: 400,
    authentication: 401,
    permission: 403,
    not_found: 404,
    request_too_large: 413,
    rate_limit: 429,
    overloaded: 529,
    timeout: 504,
    api: 500,
  };
  return statuses[kind];
}
