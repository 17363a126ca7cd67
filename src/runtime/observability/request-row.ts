/**
 * A request record as the row both stores write: the values of `REQUEST_COLUMNS` in order, with the
 * attempts as one JSON array (keyed as the columns of the attempts table it replaced). A malformed
 * record throws a TypeError here, before it reaches a statement, and is rejected alone.
 */
import { usdToNano } from './cost.js';
import { appName, isFailed, recordModel, type AttemptTrace, type RequestRecord } from './request-record.js';

export type RowValue = string | number | null;

/** The columns one request is written to, in the order `requestRow` gives their values. */
export const REQUEST_COLUMNS = [
  'id', 'time', 'gateway_key', 'app', 'app_title', 'app_source', 'app_version', 'app_referer', 'protocol',
  'requested_model', 'preset', 'served_model', 'model', 'upstream', 'stream', 'status', 'error_class', 'failed',
  'latency_ms', 'ttfb_ms', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens',
  'cost_nano_usd', 'attempt_count', 'request_body', 'response_body', 'attempts', 'end_user',
] as const;

/** The attempts column: a JSON array, one object an attempt, keyed as the columns of the table it replaced. */
function attemptsJson(attempts: readonly AttemptTrace[]): string {
  if (!Array.isArray(attempts)) throw new TypeError('attempts must be an array');
  return JSON.stringify(
    attempts.map((a) => ({
      upstream: text(a.upstream, 'upstream'),
      provider: text(a.provider, 'provider'),
      upstream_model: text(a.upstreamModel, 'upstreamModel'),
      key_name: text(a.keyName, 'keyName'),
      key_tier: text(a.keyTier, 'keyTier'),
      outcome: text(a.outcome, 'outcome'),
      status: a.status,
      error_class: a.errorClass,
      started_at: Math.round(number(a.startedAt, 'startedAt')),
      latency_ms: number(a.latencyMs, 'latencyMs'),
      ttfb_ms: a.ttfbMs,
      routing: a.routing,
      next_because: a.nextBecause,
    })),
  );
}

/** A malformed attempt rejects its record, as a NOT NULL column would. */
function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`attempt ${field} must be a string`);
  return value;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`attempt ${field} must be a number`);
  return value;
}

export function requestRow(r: RequestRecord): RowValue[] {
  const last = r.attempts[r.attempts.length - 1];
  const tokens = r.tokens;
  return [
    r.id,
    Math.round(r.time),
    r.gatewayKey ?? null,
    appName(r.app) ?? null,
    r.app.title ?? null,
    r.app.source ?? null,
    r.app.version ?? null,
    r.app.referer ?? null,
    r.protocol,
    r.requestedModel,
    r.preset ?? null,
    r.servedModel ?? null,
    recordModel(r),
    last?.upstream ?? null,
    r.stream ? 1 : 0,
    r.status,
    r.errorClass ?? null,
    isFailed(r) ? 1 : 0,
    r.latencyMs,
    r.ttfbMs ?? null,
    tokens?.prompt ?? null,
    tokens?.completion ?? null,
    tokens?.cached ?? null,
    tokens?.reasoning ?? null,
    r.costUsd === undefined ? null : usdToNano(r.costUsd),
    r.attempts.length,
    r.bodies?.request ?? null,
    r.bodies?.response ?? null,
    attemptsJson(r.attempts),
    r.user ?? null,
  ];
}
