import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../src/runtime/observability/request-queries.js';
import type { RequestRecord } from '../../src/runtime/observability/request-record.js';
import { DAY_MS, startRetention } from '../../src/runtime/observability/retention.js';
import { MIGRATIONS, migrate, SCHEMA_VERSION } from '../../src/runtime/observability/sqlite-schema.js';
import { SqliteRequestStore } from '../../src/runtime/observability/sqlite-store.js';
import { attempt, record, T0, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => void;
const open: SqliteRequestStore[] = [];
const storeAt = (file = 'log.db', options: ConstructorParameters<typeof SqliteRequestStore>[0] = {}) => {
  const store = new SqliteRequestStore({ path: join(dir, file), ...options });
  open.push(store);
  return store;
};

beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  cleanup();
});

const failover = (): RequestRecord =>
  record({
    id: 'req_failover',
    status: 200,
    latencyMs: 900,
    ttfbMs: 700,
    tokens: { prompt: 1000, completion: 200, cached: 600, reasoning: 50 },
    costUsd: 0.0014425,
    preset: 'coding',
    requestedModel: '@preset/coding',
    stream: true,
    attempts: [
      attempt({ upstream: 'openai/gpt-5.4-mini', keyName: 'main', outcome: 'key-rate-limited', status: 429, errorClass: 'http_429', latencyMs: 30, ttfbMs: undefined, nextBecause: "key 'main' was rate-limited; quarantined for 30000 ms" }),
      attempt({ upstream: 'openai/gpt-5.4-mini', keyName: 'spare', keyTier: 'byok', outcome: 'upstream-failed', status: undefined, errorClass: 'timeout', latencyMs: 500, ttfbMs: undefined, nextBecause: 'upstream failed (timeout); cooling down for 30000 ms', startedAt: T0 + 30 }),
      attempt({ upstream: 'openrouter/openai/gpt-5.4-mini', provider: 'openrouter', upstreamModel: 'openai/gpt-5.4-mini', keyName: 'or', startedAt: T0 + 530, latencyMs: 370, ttfbMs: 170 }),
    ],
  });

describe('SqliteRequestStore', () => {
  it('creates the folders of its file, in WAL mode', () => {
    const store = storeAt('nested/deeper/anyrouter.db');
    expect(existsSync(join(dir, 'nested/deeper/anyrouter.db'))).toBe(true);
    const raw = new Database(store.path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('round-trips a record with its attempts in order', () => {
    const store = storeAt();
    const rec = failover();
    expect(store.insertBatch([rec])).toEqual({ inserted: 1, rejected: 0 });
    const back = store.getRequest('req_failover');
    expect(back).toEqual({ ...rec, bodies: undefined });
    expect(back!.attempts.map((a) => [a.keyName, a.status, a.nextBecause !== undefined])).toEqual([
      ['main', 429, true],
      ['spare', undefined, true],
      ['or', 200, false],
    ]);
    expect(store.getRequest('nope')).toBeUndefined();
  });

  it('round-trips a minimal record (no tokens, cost, served model or attempts)', () => {
    const store = storeAt();
    const rec: RequestRecord = { id: 'r1', time: T0, app: {}, protocol: 'anthropic-messages', requestedModel: 'nope', stream: false, status: 404, errorClass: 'model_not_found', latencyMs: 1.5, attempts: [] };
    store.insertBatch([rec]);
    expect(store.getRequest('r1')).toEqual(rec);
  });

  it('keeps the first record when an id repeats', () => {
    const store = storeAt();
    expect(store.insertBatch([record({ id: 'dup', status: 200 }), record({ id: 'dup', status: 500 })])).toEqual({ inserted: 1, rejected: 0 });
    expect(store.getRequest('dup')!.status).toBe(200);
    expect(store.count()).toBe(1);
  });

  it('skips a malformed record, with its attempts, and writes the rest of the batch', () => {
    const store = storeAt();
    const bad = [
      record({ id: 'no-status', status: null as unknown as number }),
      record({ id: 'no-app', app: undefined as unknown as RequestRecord['app'] }),
      record({ id: 'bad-attempt', attempts: [attempt(), attempt({ upstream: null as unknown as string })] }),
    ];
    expect(store.insertBatch([record({ id: 'ok1' }), ...bad, record({ id: 'ok2' })])).toEqual({ inserted: 2, rejected: 3 });
    expect(store.listRequests().requests.map((r) => r.id).sort()).toEqual(['ok1', 'ok2']);
    expect(store.getRequest('bad-attempt')).toBeUndefined();
    expect(store.getRequest('ok1')!.attempts).toHaveLength(1);
  });

  it('stores bodies only when body logging is on, redacted and capped', () => {
    const bodies = { request: '{"messages":[{"content":"mail a@b.io"}]}', response: 'x'.repeat(5000) };
    const off = storeAt('off.db');
    off.insertBatch([record({ id: 'b', bodies })]);
    expect(off.getRequest('b')!.bodies).toBeUndefined();

    const on = storeAt('on.db', { bodies: { enabled: true, redact: true, maxBytes: 100 } });
    on.insertBatch([record({ id: 'b', bodies })]);
    const back = on.getRequest('b')!.bodies!;
    expect(back.request).toBe('{"messages":[{"content":"mail [REDACTED:email]"}]}');
    expect(back.response).toBe(`${'x'.repeat(100)}…[truncated, 5000 bytes]`);
  });

  it('survives closing and reopening (a restart)', () => {
    const rec = failover();
    const first = storeAt();
    first.insertBatch([rec, record({ id: 'other' })]);
    first.close();
    const second = storeAt();
    expect(second.count()).toBe(2);
    expect(second.getRequest('req_failover')).toEqual({ ...rec, bodies: undefined });
    second.insertBatch([record({ id: 'after-restart' })]);
    expect(second.count()).toBe(3);
  });

  it('opens read-only for tools, without migrating or writing', () => {
    storeAt().insertBatch([record({ id: 'x' })]);
    const ro = storeAt('log.db', { readonly: true });
    expect(ro.getRequest('x')?.id).toBe('x');
    expect(() => ro.insertBatch([record()])).toThrow(/read-only/);
    expect(() => new SqliteRequestStore({ path: join(dir, 'missing.db'), readonly: true })).toThrow();
  });
});

describe('migrations', () => {
  it('run once, are recorded, and are idempotent on reopen', () => {
    const store = storeAt();
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    store.close();
    storeAt().close();
    const raw = new Database(join(dir, 'log.db'));
    expect(raw.prepare('SELECT version, name FROM schema_migrations').all()).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(migrate(raw)).toBe(0);
    expect(migrate(raw)).toBe(0);
    expect(raw.prepare('SELECT count(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
    raw.close();
  });

  it('apply only the new ones when a migration is appended', () => {
    storeAt().close();
    const raw = new Database(join(dir, 'log.db'));
    const next = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'add a column', sql: 'ALTER TABLE requests ADD COLUMN region TEXT' }];
    expect(migrate(raw, next)).toBe(1);
    expect(migrate(raw, next)).toBe(0);
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    raw.close();
    // this gateway does not know version 2: it refuses rather than guess
    expect(() => new SqliteRequestStore({ path: join(dir, 'log.db') })).toThrow(/newer/);
  });

  it("move a version-2 log's attempts table into each request's attempts column, in attempt order", () => {
    const raw = new Database(join(dir, 'v2.db'));
    migrate(raw, MIGRATIONS.filter((m) => m.version <= 2));
    raw.prepare(
      `INSERT INTO requests (seq, id, time, protocol, requested_model, model, stream, status, failed, latency_ms, attempt_count, upstream)
       VALUES (7, 'old-failover', ?, 'openai-chat', 'fast', 'bench/fast', 0, 200, 0, 12.5, 2, 'b/m'), (8, 'old-refused', ?, 'openai-chat', 'x', 'x', 0, 404, 1, 1, 0, NULL)`,
    ).run(T0, T0 + 1);
    const insertAttempt = raw.prepare(
      `INSERT INTO attempts (request_seq, idx, upstream, provider, upstream_model, key_name, key_tier, outcome, status, error_class, started_at, latency_ms, ttfb_ms, next_because)
       VALUES (7, ?, ?, ?, 'm', 'main', 'shared', ?, ?, ?, ?, ?, ?, ?)`,
    );
    // written out of order: the migration orders by idx
    insertAttempt.run(1, 'b/m', 'b', 'success', 200, null, T0 + 5, 4, 2, null);
    insertAttempt.run(0, 'a/m', 'a', 'key-rate-limited', 429, 'http_429', T0, 3, null, "key 'main' was rate-limited");
    raw.close();

    const store = storeAt('v2.db');
    expect(store.schemaVersion()).toBe(SCHEMA_VERSION);
    expect(store.getRequest('old-failover')!.attempts).toEqual([
      { upstream: 'a/m', provider: 'a', upstreamModel: 'm', keyName: 'main', keyTier: 'shared', outcome: 'key-rate-limited', status: 429, errorClass: 'http_429', startedAt: T0, latencyMs: 3, nextBecause: "key 'main' was rate-limited" },
      { upstream: 'b/m', provider: 'b', upstreamModel: 'm', keyName: 'main', keyTier: 'shared', outcome: 'success', status: 200, startedAt: T0 + 5, latencyMs: 4, ttfbMs: 2 },
    ]);
    expect(store.getRequest('old-refused')!.attempts).toEqual([]);
    expect(store.listRequests({ upstream: 'a' }).requests.map((r) => r.id)).toEqual(['old-failover']);
    const check = new Database(join(dir, 'v2.db'), { readonly: true });
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'attempts'").get()).toEqual({ n: 0 });
    check.close();
  });

  it('roll back a failing migration whole', () => {
    const raw = new Database(join(dir, 'bad.db'));
    const bad = [...MIGRATIONS, { version: SCHEMA_VERSION + 1, name: 'broken', sql: 'CREATE TABLE t (a INT); SELECT nope FROM nowhere' }];
    expect(() => migrate(raw, bad)).toThrow();
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get()).toEqual({ n: 0 });
    raw.close();
  });
});

describe('retention', () => {
  it('deletes requests older than the cutoff with their attempts, in batches', () => {
    const store = storeAt();
    const old = Array.from({ length: 25 }, (_, i) => record({ id: `old${i}`, time: T0 - 40 * DAY_MS + i, attempts: [attempt(), attempt()] }));
    const recent = Array.from({ length: 5 }, (_, i) => record({ id: `new${i}`, time: T0 - DAY_MS + i }));
    store.insertBatch([...old, ...recent]);
    expect(store.deleteOlderThan(T0 - 30 * DAY_MS, 7)).toBe(25);
    expect(store.count()).toBe(5);
    const raw = new Database(store.path, { readonly: true });
    expect(raw.prepare('SELECT sum(json_array_length(attempts)) AS n FROM requests').get()).toEqual({ n: 5 });
    raw.close();
  });

  it('runs on a timer and on demand, with the configured days', async () => {
    const store = storeAt();
    store.insertBatch([record({ id: 'a', time: T0 - 8 * DAY_MS }), record({ id: 'b', time: T0 - 6 * DAY_MS })]);
    const schedule = startRetention(store, { days: 7, now: () => T0, firstRunMs: 5 });
    await new Promise((r) => setTimeout(r, 50));
    expect(store.getRequest('a')).toBeUndefined();
    expect(store.getRequest('b')).toBeDefined();
    expect(await schedule.runNow()).toBe(0);
    schedule.stop();
    const never = startRetention(store, { days: 0, now: () => T0 + 1000 * DAY_MS });
    expect(await never.runNow()).toBe(0);
    expect(store.count()).toBe(1);
  });

  it('reports a failing purge and keeps its schedule', async () => {
    const errors: unknown[] = [];
    const schedule = startRetention({ deleteOlderThan: () => { throw new Error('SQLITE_BUSY'); } }, { days: 1, onError: (e) => errors.push(e), firstRunMs: 1e9 });
    expect(await schedule.runNow()).toBe(0);
    expect(errors).toHaveLength(1);
    schedule.stop();
  });
});

describe('listRequests', () => {
  function seed(store: SqliteRequestStore) {
    const rows: RequestRecord[] = [];
    for (let i = 0; i < 30; i++) {
      rows.push(
        record({
          id: `q${String(i).padStart(2, '0')}`,
          time: T0 + Math.floor(i / 3) * 1000, // three per second: ties on time
          gatewayKey: i % 2 === 0 ? 'team-a' : 'team-b',
          app: i % 3 === 0 ? { title: 'Notes' } : i % 3 === 1 ? { referer: 'https://chat.example' } : {},
          requestedModel: i % 5 === 0 ? 'sonnet' : 'gpt-5.4-mini',
          servedModel: i % 5 === 0 ? 'anthropic/claude-sonnet-4.6' : 'openai/gpt-5.4-mini',
          status: i % 7 === 0 ? 502 : 200,
          errorClass: i % 7 === 0 ? 'all_upstreams_failed' : i === 8 ? 'stream_broken' : undefined,
          attempts: i % 4 === 0 ? [attempt({ upstream: 'openai/gpt-5.4-mini', status: 429, outcome: 'key-rate-limited' }), attempt({ upstream: 'openrouter/x' })] : [attempt({ upstream: 'openai/gpt-5.4-mini' })],
        }),
      );
    }
    store.insertBatch(rows);
    return rows;
  }
  const ids = (page: { requests: Array<{ id: string }> }) => page.requests.map((r) => r.id);

  it('lists newest first and pages with a cursor, every row exactly once', () => {
    const store = storeAt();
    const rows = seed(store);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = store.listRequests({}, { limit: 7, cursor });
      seen.push(...ids(page));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(pages).toBe(5);
    expect(seen).toEqual(rows.map((r) => r.id).reverse());
    // a cursor stays valid while new requests arrive
    const first = store.listRequests({}, { limit: 10 });
    store.insertBatch([record({ id: 'newer', time: T0 + 999_999 })]);
    expect(ids(store.listRequests({}, { limit: 10, cursor: first.nextCursor }))).toEqual(rows.slice(10, 20).map((r) => r.id).reverse());
  });

  it('serves the model, app, user and failed-status filters from indexes (partial ones skip most requests when written)', () => {
    const store = storeAt();
    seed(store);
    const db = new Database(store.path, { readonly: true });
    try {
      const plan = (where: string) => (db.prepare(`EXPLAIN QUERY PLAN SELECT seq FROM requests WHERE ${where} ORDER BY time DESC, seq DESC`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
      // the conditions as request-queries.ts writes them
      expect(plan("(model = 'x' OR (requested_model = 'x' AND requested_model <> model))")).toMatch(/requests_by_model.*requests_by_asked/);
      expect(plan("app = 'Notes'")).toContain('requests_by_app');
      expect(plan('failed = 1 AND status = 429')).toContain('requests_failed');
      expect(plan("gateway_key = 'team-a'")).toContain('requests_by_key');
      expect(plan("end_user = 'alice'")).toContain('requests_by_user');
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql IS NOT NULL ORDER BY name").pluck().all();
      expect(indexes).toEqual(['requests_by_app', 'requests_by_asked', 'requests_by_key', 'requests_by_model', 'requests_by_time', 'requests_by_user', 'requests_failed']);
    } finally {
      db.close();
    }
  });

  it('pages with an offset too, and clamps the limit', () => {
    const store = storeAt();
    seed(store);
    expect(ids(store.listRequests({}, { limit: 3, offset: 3 }))).toEqual(['q26', 'q25', 'q24']);
    expect(store.listRequests({}, { limit: 0 }).requests).toHaveLength(1);
    expect(store.listRequests({}, { limit: 10_000 }).requests).toHaveLength(30);
    expect(() => store.listRequests({}, { cursor: 'garbage' })).toThrow(InvalidCursorError);
  });

  it('filters by model (served or as requested), key, app, status, upstream and time', () => {
    const store = storeAt();
    const rows = seed(store);
    const expectIds = (filter: Parameters<SqliteRequestStore['listRequests']>[0], pick: (r: RequestRecord, i: number) => boolean) =>
      expect(ids(store.listRequests(filter, { limit: 100 }))).toEqual(rows.filter(pick).map((r) => r.id).reverse());

    expectIds({ model: 'anthropic/claude-sonnet-4.6' }, (_, i) => i % 5 === 0);
    expectIds({ model: 'sonnet' }, (_, i) => i % 5 === 0);
    expectIds({ key: 'team-b' }, (_, i) => i % 2 === 1);
    expectIds({ app: 'Notes' }, (_, i) => i % 3 === 0);
    expectIds({ app: 'https://chat.example' }, (_, i) => i % 3 === 1);
    expectIds({ model: 'openai/gpt-5.4-mini' }, (_, i) => i % 5 !== 0);
    expectIds({ status: 502 }, (_, i) => i % 7 === 0);
    expectIds({ status: 200 }, (_, i) => i % 7 !== 0);
    expectIds({ status: 'failed' }, (_, i) => i % 7 === 0 || i === 8);
    expectIds({ status: 'ok' }, (_, i) => !(i % 7 === 0 || i === 8));
    expectIds({ upstream: 'openrouter/x' }, (_, i) => i % 4 === 0);
    expectIds({ upstream: 'openai/gpt-5.4-mini' }, () => true);
    expectIds({ from: T0 + 2000, to: T0 + 4000 }, (r) => r.time >= T0 + 2000 && r.time < T0 + 4000);
    expectIds({ key: 'team-a', status: 'failed', upstream: 'openrouter/x' }, (_, i) => i % 2 === 0 && (i % 7 === 0 || i === 8) && i % 4 === 0);
  });

  it('lists summaries: attempt count and last upstream, no attempts or bodies', () => {
    const store = storeAt();
    store.insertBatch([failover()]);
    const [summary] = store.listRequests().requests;
    expect(summary).toMatchObject({ id: 'req_failover', attemptCount: 3, upstream: 'openrouter/openai/gpt-5.4-mini', costUsd: 0.0014425 });
    expect(summary).not.toHaveProperty('attempts');
  });
});
