/**
 * The admin API: over the request log, GET /api/requests (filters, paging), GET /api/requests/stream (the live
 * tail, SSE), GET /api/requests/{id} (the full trace) and GET /api/usage (grouped and bucketed); over the
 * running gateway, GET /api/health (the /health snapshot with the planner's live stats), GET /api/models (the
 * catalog and the bundle) and GET /api/explain?model= (the ranked plan with its reasons). Behind the config's
 * admin keys; with none configured it answers only when the gateway itself runs without keys (local use on
 * loopback). The dashboard reads nothing else.
 */
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import type { GatewayState } from '../gateway-state.js';
import { authorizeAdminOf, presentedAdminKey } from './admin-auth.js';
import type { RequestLog } from '../observability/request-log.js';
import type { RequestFilter } from '../observability/request-queries.js';
import { USAGE_GROUPS, type UsageBucket, type UsageGroupBy } from '../observability/usage-query.js';
import { catalogView, explainFor, liveHealth } from './gateway-views.js';
import { streamRequests } from './request-stream.js';
import { isHeadRequest } from '../http/head-requests.js';

export interface AdminDeps {
  state: () => GatewayState;
}

export type AdminError = { status: 400 | 401 | 403 | 404 | 405 | 409 | 503; code: string; message: string; headers?: Record<string, string> };

/** The admin surfaces' error envelope (OpenAI's shape). */
export const error = (c: Context, e: AdminError) => c.json({ error: { message: e.message, type: e.status === 401 ? 'authentication_error' : e.status === 403 ? 'permission_error' : 'invalid_request_error', code: e.code } }, e.status, e.headers);

function authorize(c: Context, state: GatewayState): AdminError | undefined {
  const caller = authorizeAdminOf(state, presentedAdminKey(c.req.header('authorization'), c.req.header('x-api-key')), 'read');
  return 'status' in caller ? caller : undefined;
}

/** `1732000000000`, an ISO date, or a duration back from now such as `24h`, `7d`, `30m`. */
export function parseTime(value: string | undefined, now: number): number | undefined | 'invalid' {
  if (value === undefined || value === '') return undefined;
  if (/^\d{10,}$/.test(value)) return Number(value);
  const ago = /^(\d+)(m|h|d)$/.exec(value);
  if (ago) return now - Number(ago[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as 'm' | 'h' | 'd'];
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? 'invalid' : parsed;
}

/** `from` and `to` query values, both parsed, or 'invalid'. */
function timeRange(fromText: string | undefined, toText: string | undefined): { from?: number; to?: number } | 'invalid' {
  const now = Date.now();
  const from = parseTime(fromText, now);
  const to = parseTime(toText, now);
  if (from === 'invalid' || to === 'invalid') return 'invalid';
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** The filters of `GET /api/requests` (and its stream) from the query, or the error to answer. */
function requestFilter(q: Record<string, string>): RequestFilter | AdminError {
  const range = timeRange(q.from, q.to);
  if (range === 'invalid') return INVALID_TIME;
  const filter: RequestFilter = {};
  if (q.model) filter.model = q.model;
  if (q.key) filter.key = q.key;
  if (q.app) filter.app = q.app;
  if (q.user) filter.user = q.user;
  if (q.upstream) filter.upstream = q.upstream;
  if (q.status) filter.status = q.status === 'failed' || q.status === 'ok' ? q.status : Number(q.status);
  if (typeof filter.status === 'number' && !Number.isInteger(filter.status)) return { status: 400, code: 'invalid_status', message: "'status' takes a status code, 'ok' or 'failed'" };
  if (range.from !== undefined) filter.from = range.from;
  if (range.to !== undefined) filter.to = range.to;
  return filter;
}

const INVALID_TIME: AdminError = { status: 400, code: 'invalid_time', message: "'from' and 'to' take ms since the epoch, an ISO date, or a duration such as 24h" };
const isAdminError = (value: object): value is AdminError => 'code' in value && 'status' in value;

/** The admin routes as a sub-app to mount at the root. */
export function adminRoutes(deps: AdminDeps): Hono {
  const app = new Hono();
  /** Admin-key checked; `run` answers from the gateway's state. */
  const authorized = async (c: Context, run: (state: GatewayState) => Response | Promise<Response>) => {
    const state = deps.state();
    const denied = authorize(c, state);
    return denied ? error(c, denied) : run(state);
  };
  /** Admin-key checked and over the request log. */
  const guarded = (c: Context, run: (log: RequestLog, state: GatewayState) => Promise<Response>) =>
    authorized(c, async (state) => {
      const log = state.observability?.log;
      if (!log) return error(c, { status: 503, code: 'logging_disabled', message: 'request logging is off (logging.enabled: false)' });
      try {
        return await run(log, state);
      } catch (e) {
        const name = (e as Error).name;
        if (name === 'InvalidCursorError' || name === 'RangeError') return error(c, { status: 400, code: 'invalid_query', message: (e as Error).message });
        throw e;
      }
    });

  app.get('/api/requests', (c) =>
    guarded(c, async (log) => {
      const q = c.req.query();
      const filter = requestFilter(q);
      if (isAdminError(filter)) return error(c, filter);
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) return error(c, { status: 400, code: 'invalid_limit', message: "'limit' takes a positive whole number" });
      const page = await log.reader.listRequests(filter, { ...(limit !== undefined ? { limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
      return c.json({ object: 'list', data: page.requests, next_cursor: page.nextCursor ?? null });
    }),
  );

  // before /api/requests/:id, which would take 'stream' for an id
  app.get('/api/requests/stream', (c) =>
    guarded(c, async (log, state) => {
      const filter = requestFilter(c.req.query());
      if (isAdminError(filter)) return error(c, filter);
      // HEAD: the stream's headers, and no stream to keep open for a body that is never sent
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      if (incoming && isHeadRequest(incoming)) return c.body(null, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      return streamRequests(c, log.reader, filter, state.shutdown.signal);
    }),
  );

  app.get('/api/requests/:id', (c) =>
    guarded(c, async (log) => {
      const record = await log.reader.getRequest(c.req.param('id'));
      return record ? c.json(record) : error(c, { status: 404, code: 'request_not_found', message: `no request '${c.req.param('id')}' in the log` });
    }),
  );

  app.get('/api/usage', (c) =>
    guarded(c, async (log) => {
      const q = c.req.query();
      const range = timeRange(q.from, q.to);
      if (range === 'invalid') return error(c, INVALID_TIME);
      const { from, to } = range;
      if (q.group_by !== undefined && !(USAGE_GROUPS as readonly string[]).includes(q.group_by)) return error(c, { status: 400, code: 'invalid_group_by', message: `'group_by' is one of ${USAGE_GROUPS.join(', ')}` });
      if (q.bucket !== undefined && !['hour', 'day'].includes(q.bucket)) return error(c, { status: 400, code: 'invalid_bucket', message: "'bucket' is hour or day" });
      const rows = await log.reader.usage({
        ...(q.group_by ? { groupBy: q.group_by as UsageGroupBy } : {}),
        ...(q.bucket ? { bucket: q.bucket as UsageBucket } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      return c.json({ object: 'list', data: rows });
    }),
  );

  app.get('/api/health', (c) => authorized(c, (state) => c.json(liveHealth(state))));
  app.get('/api/models', (c) => authorized(c, (state) => c.json(catalogView(state))));
  app.get('/api/explain', (c) =>
    authorized(c, (state) => {
      const model = c.req.query('model');
      if (!model) return error(c, { status: 400, code: 'missing_model', message: "'model' names a model, alias, pool or @preset/name" });
      return c.json(explainFor(state, model));
    }),
  );
  return app;
}
