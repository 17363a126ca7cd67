/** Reading the request log: filtered pages of requests, newest first, and one request with its attempts. */
import type { Database } from 'better-sqlite3';
import type { KeyTier } from '../../bundle/format.js';
import type { OutcomeClass } from '../engine/outcome.js';
import { nanoToUsd } from './cost.js';
import type { AttemptTrace, ClientProtocol, RequestRecord } from './request-record.js';

export interface RequestFilter {
  /** Served model, or the model as requested (alias, `@preset/...`). */
  model?: string;
  /** Gateway key name. */
  key?: string;
  /** App name (title, else source, else referer). */
  app?: string;
  /** The end user the client named. */
  user?: string;
  /** An HTTP status, `failed` (error status or error class) or `ok`. */
  status?: number | 'failed' | 'ok';
  /** Requests that made any attempt on this upstream (`provider/model`) or provider. */
  upstream?: string;
  /** Inclusive, ms. */
  from?: number;
  /** Exclusive, ms. */
  to?: number;
}

export interface PageRequest {
  /** Default 50, at most 1000. */
  limit?: number;
  /** From a previous page's `nextCursor`; stable while new requests arrive. */
  cursor?: string;
  /** Rows to skip (ignored when a cursor is given). */
  offset?: number;
}

/** A listed request: the record without attempts and bodies. */
export type RequestSummary = Omit<RequestRecord, 'attempts' | 'bodies'> & {
  attemptCount: number;
  /** Upstream of the last attempt (the one that served, or the last one tried). */
  upstream?: string;
};

export interface RequestPage {
  requests: RequestSummary[];
  /** Present when more rows may follow. */
  nextCursor?: string;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

const SUMMARY_COLUMNS = `seq, id, time, gateway_key, app_title, app_source, app_version, app_referer, protocol,
  requested_model, preset, served_model, upstream, stream, status, error_class, latency_ms, ttfb_ms,
  prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nano_usd, attempt_count, user`;

interface RequestRow {
  seq: number;
  id: string;
  time: number;
  gateway_key: string | null;
  app_title: string | null;
  app_source: string | null;
  app_version: string | null;
  app_referer: string | null;
  protocol: string;
  requested_model: string;
  preset: string | null;
  served_model: string | null;
  upstream: string | null;
  stream: number;
  status: number;
  error_class: string | null;
  latency_ms: number;
  ttfb_ms: number | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  cost_nano_usd: number | null;
  attempt_count: number;
  user: string | null;
  request_body?: string | null;
  response_body?: string | null;
}

/** One element of a request's `attempts` JSON array (null or absent where a column would be NULL). */
interface AttemptRow {
  upstream: string;
  provider: string;
  upstream_model: string;
  key_name: string;
  key_tier: string;
  outcome: string;
  status?: number | null;
  error_class?: string | null;
  started_at: number;
  latency_ms: number;
  ttfb_ms?: number | null;
  routing?: string | null;
  next_because?: string | null;
}

export function listRequests(db: Database, filter: RequestFilter, page: PageRequest): RequestPage {
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (filter.model !== undefined) {
    // the second term repeats requests_by_asked's condition so that partial index can serve it
    where.push('(model = ? OR (requested_model = ? AND requested_model <> model))');
    params.push(filter.model, filter.model);
  }
  // the filters that are one column equal to the value (each served by its own index)
  for (const [column, value] of [['gateway_key', filter.key], ['app', filter.app], ['user', filter.user]] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  if (filter.status === 'failed') where.push('failed = 1');
  else if (filter.status === 'ok') where.push('failed = 0');
  else if (filter.status !== undefined) {
    // an error status always marks its request failed: that term lets requests_failed serve the filter
    where.push(filter.status >= 400 ? 'failed = 1 AND status = ?' : 'status = ?');
    params.push(filter.status);
  }
  if (filter.upstream !== undefined) {
    where.push("EXISTS (SELECT 1 FROM json_each(requests.attempts) WHERE value ->> 'upstream' = ? OR value ->> 'provider' = ?)");
    params.push(filter.upstream, filter.upstream);
  }
  if (filter.from !== undefined) {
    where.push('time >= ?');
    params.push(filter.from);
  }
  if (filter.to !== undefined) {
    where.push('time < ?');
    params.push(filter.to);
  }
  const cursor = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  if (cursor !== undefined) {
    where.push('(time < ? OR (time = ? AND seq < ?))');
    params.push(cursor.time, cursor.time, cursor.seq);
  }
  const limit = clampInt(page.limit ?? DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const offset = cursor === undefined ? clampInt(page.offset ?? 0, 0, Number.MAX_SAFE_INTEGER) : 0;
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY time DESC, seq DESC LIMIT ? OFFSET ?`;
  // one extra row tells whether another page follows
  const rows = db.prepare(sql).all(...params, limit + 1, offset) as RequestRow[];
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  const last = shown[shown.length - 1];
  const result: RequestPage = { requests: shown.map(toSummary) };
  if (more && last !== undefined) result.nextCursor = encodeCursor(last.time, last.seq);
  return result;
}

export function getRequest(db: Database, id: string): RequestRecord | undefined {
  const row = db.prepare(`SELECT ${SUMMARY_COLUMNS}, request_body, response_body, attempts FROM requests WHERE id = ?`).get(id) as (RequestRow & { attempts: string }) | undefined;
  if (row === undefined) return undefined;
  const attempts = JSON.parse(row.attempts) as AttemptRow[];
  const { attemptCount: _count, upstream: _upstream, ...summary } = toSummary(row);
  const record: RequestRecord = { ...summary, attempts: attempts.map(toAttempt) };
  if (row.request_body != null || row.response_body != null) {
    record.bodies = {};
    if (row.request_body != null) record.bodies.request = row.request_body;
    if (row.response_body != null) record.bodies.response = row.response_body;
  }
  return record;
}

function toSummary(row: RequestRow): RequestSummary {
  const s: RequestSummary = {
    id: row.id,
    time: row.time,
    app: {},
    protocol: row.protocol as ClientProtocol,
    requestedModel: row.requested_model,
    stream: row.stream === 1,
    status: row.status,
    latencyMs: row.latency_ms,
    attemptCount: row.attempt_count,
  };
  if (row.gateway_key !== null) s.gatewayKey = row.gateway_key;
  if (row.app_title !== null) s.app.title = row.app_title;
  if (row.app_source !== null) s.app.source = row.app_source;
  if (row.app_version !== null) s.app.version = row.app_version;
  if (row.app_referer !== null) s.app.referer = row.app_referer;
  if (row.user !== null) s.user = row.user;
  if (row.preset !== null) s.preset = row.preset;
  if (row.served_model !== null) s.servedModel = row.served_model;
  if (row.error_class !== null) s.errorClass = row.error_class;
  if (row.ttfb_ms !== null) s.ttfbMs = row.ttfb_ms;
  if (row.prompt_tokens !== null || row.completion_tokens !== null) {
    s.tokens = {
      prompt: row.prompt_tokens ?? 0,
      completion: row.completion_tokens ?? 0,
      cached: row.cached_tokens ?? 0,
      reasoning: row.reasoning_tokens ?? 0,
    };
  }
  if (row.cost_nano_usd !== null) s.costUsd = nanoToUsd(row.cost_nano_usd);
  if (row.upstream !== null) s.upstream = row.upstream;
  return s;
}

function toAttempt(row: AttemptRow): AttemptTrace {
  const a: AttemptTrace = {
    upstream: row.upstream,
    provider: row.provider,
    upstreamModel: row.upstream_model,
    keyName: row.key_name,
    keyTier: row.key_tier as KeyTier,
    outcome: row.outcome as OutcomeClass,
    startedAt: row.started_at,
    latencyMs: row.latency_ms,
  };
  if (row.status != null) a.status = row.status;
  if (row.error_class != null) a.errorClass = row.error_class;
  if (row.ttfb_ms != null) a.ttfbMs = row.ttfb_ms;
  if (row.routing === 'ejected' || row.routing === 'panic') a.routing = row.routing;
  if (row.next_because != null) a.nextBecause = row.next_because;
  return a;
}

export function encodeCursor(time: number, seq: number): string {
  return Buffer.from(`${time}:${seq}`).toString('base64url');
}

/** Throws InvalidCursorError for a cursor this store did not make (a bad request, for the API). */
export function decodeCursor(cursor: string): { time: number; seq: number } {
  const match = /^(-?\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match === null) throw new InvalidCursorError();
  return { time: Number(match[1]), seq: Number(match[2]) };
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

function clampInt(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, Math.floor(value)));
}
