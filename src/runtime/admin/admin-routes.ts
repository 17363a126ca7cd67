/**
 * The admin API over the request log: GET /api/requests (filters, paging), GET /api/requests/{id} (the full
 * trace) and GET /api/usage (grouped and bucketed). Behind the config's admin keys; with none configured it
 * answers only when the gateway itself runs without keys (local use on loopback).
 */
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { BundleGatewayKey } from '../../bundle/format.js';
import type { RequestLog } from '../observability/request-log.js';
import type { RequestFilter } from '../observability/request-queries.js';
import { USAGE_GROUPS, type UsageBucket, type UsageGroupBy } from '../observability/usage-query.js';

export interface AdminDeps {
  log: () => RequestLog | undefined;
  adminKeys: () => ReadonlyArray<{ sha256: string }>;
  gatewayKeys: () => readonly BundleGatewayKey[];
}

type AdminError = { status: 400 | 401 | 403 | 404 | 503; code: string; message: string };

const error = (c: Context, e: AdminError) => c.json({ error: { message: e.message, type: e.status === 401 ? 'authentication_error' : e.status === 403 ? 'permission_error' : 'invalid_request_error', code: e.code } }, e.status);

function authorize(c: Context, deps: AdminDeps): AdminError | undefined {
  const admins = deps.adminKeys();
  if (admins.length === 0) {
    if (deps.gatewayKeys().length === 0) return undefined;
    return { status: 403, code: 'admin_not_configured', message: 'the admin API needs auth.adminKeys in the config (anyrouter keys new NAME --admin)' };
  }
  const header = c.req.header('authorization') ?? '';
  const presented = /^Bearer\s+(.+)$/i.exec(header.trim())?.[1] ?? c.req.header('x-api-key');
  if (!presented) return { status: 401, code: 'missing_admin_key', message: 'missing admin key: send Authorization: Bearer <admin key>' };
  const hash = createHash('sha256').update(presented.trim()).digest('hex');
  return admins.some((k) => k.sha256 === hash) ? undefined : { status: 401, code: 'invalid_admin_key', message: 'invalid admin key' };
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

/** The admin routes as a sub-app to mount at the root. */
export function adminRoutes(deps: AdminDeps): Hono {
  const app = new Hono();
  const guarded = async (c: Context, run: (log: RequestLog) => Promise<Response>) => {
    const denied = authorize(c, deps);
    if (denied) return error(c, denied);
    const log = deps.log();
    if (!log) return error(c, { status: 503, code: 'logging_disabled', message: 'request logging is off (logging.enabled: false)' });
    try {
      return await run(log);
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'InvalidCursorError' || name === 'RangeError') return error(c, { status: 400, code: 'invalid_query', message: (e as Error).message });
      throw e;
    }
  };

  app.get('/api/requests', (c) =>
    guarded(c, async (log) => {
      const q = c.req.query();
      const range = timeRange(q.from, q.to);
      if (range === 'invalid') return error(c, { status: 400, code: 'invalid_time', message: "'from' and 'to' take ms since the epoch, an ISO date, or a duration such as 24h" });
      const { from, to } = range;
      const filter: RequestFilter = {};
      if (q.model) filter.model = q.model;
      if (q.key) filter.key = q.key;
      if (q.app) filter.app = q.app;
      if (q.user) filter.user = q.user;
      if (q.upstream) filter.upstream = q.upstream;
      if (q.status) filter.status = q.status === 'failed' || q.status === 'ok' ? q.status : Number(q.status);
      if (typeof filter.status === 'number' && !Number.isInteger(filter.status)) return error(c, { status: 400, code: 'invalid_status', message: "'status' takes a status code, 'ok' or 'failed'" });
      if (from !== undefined) filter.from = from;
      if (to !== undefined) filter.to = to;
      const limit = q.limit === undefined ? undefined : Number(q.limit);
      if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) return error(c, { status: 400, code: 'invalid_limit', message: "'limit' takes a positive whole number" });
      const page = await log.reader.listRequests(filter, { ...(limit !== undefined ? { limit } : {}), ...(q.cursor ? { cursor: q.cursor } : {}) });
      return c.json({ object: 'list', data: page.requests, next_cursor: page.nextCursor ?? null });
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
      if (range === 'invalid') return error(c, { status: 400, code: 'invalid_time', message: "'from' and 'to' take ms since the epoch, an ISO date, or a duration such as 24h" });
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
  return app;
}
