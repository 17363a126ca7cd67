/**
 * The PostgreSQL request log against the real server (test/support/postgres.ts: a fresh schema per
 * file, and per test where rows are counted): migrations applied once and idempotent, also from gateways
 * starting at once; the same answers as the SQLite store for the same records (records, pages and
 * cursors, filters, usage); rejected and duplicate records; retention; a burst through the worker's
 * batch path with nothing dropped; a failing database that drops and counts; no credentials in errors.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migratePostgres, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION } from '../../src/runtime/observability/postgres-schema.js';
import { PostgresRequestStore } from '../../src/runtime/observability/postgres-store.js';
import { startRequestLog } from '../../src/runtime/observability/request-log.js';
import type { RequestFilter } from '../../src/runtime/observability/request-queries.js';
import type { RequestRecord } from '../../src/runtime/observability/request-record.js';
import { openRequestStore, type RequestStore } from '../../src/runtime/observability/request-store.js';
import { SqliteRequestStore } from '../../src/runtime/observability/sqlite-store.js';
import type { UsageQuery } from '../../src/runtime/observability/usage-query.js';
import { schemaOf, usePostgres } from '../support/postgres.js';
import { attempt, record, T0, tempDir } from './fixtures.js';

const db = await usePostgres('store');

const HOUR = 3_600_000;
const SECRET = 'sk-test-pgstore-SECRET-0123456789abcdef';

/** Records of every shape: ties on time, apps, failures, failovers with routing, bodies, no usage, odd strings. */
function varied(): RequestRecord[] {
  const rows: RequestRecord[] = [];
  for (let i = 0; i < 40; i++) {
    rows.push(
      record({
        id: `v${String(i).padStart(2, '0')}`,
        time: T0 + Math.floor(i / 3) * 1000 + (i >= 20 ? 2 * HOUR : 0), // three per second, two hours
        gatewayKey: i % 2 === 0 ? 'team-a' : i % 9 === 0 ? undefined : 'team-b',
        app: i % 3 === 0 ? { title: 'Notes' } : i % 3 === 1 ? { referer: 'https://chat.example', version: '2' } : {},
        requestedModel: i % 5 === 0 ? 'sonnet' : i % 11 === 0 ? '@preset/coding' : 'gpt-5.4-mini',
        preset: i % 11 === 0 ? 'coding' : undefined,
        servedModel: i % 5 === 0 ? 'anthropic/claude-sonnet-4.6' : i === 13 ? undefined : 'openai/gpt-5.4-mini',
        stream: i % 4 === 1,
        status: i % 7 === 0 ? 502 : i === 13 ? 401 : 200,
        errorClass: i % 7 === 0 ? 'all_upstreams_failed' : i === 8 ? 'stream_broken' : i === 13 ? 'unauthorized' : undefined,
        latencyMs: ((i * 37) % 41) + 0.25,
        ttfbMs: i % 6 === 0 ? undefined : i * 1.5,
        tokens: i === 13 || i % 10 === 3 ? undefined : { prompt: 100 + i, completion: 20 + i, cached: i % 2, reasoning: i % 3 },
        costUsd: i === 13 || i % 10 === 3 ? undefined : 0.000065 * (i + 1),
        bodies: i % 8 === 2 ? { request: `{"q":"body ${i} ünïcödé 🚀 \u0000 nul"}`, response: i % 16 === 2 ? '{"a":"ok"}' : undefined } : undefined,
        attempts:
          i === 13
            ? []
            : i % 4 === 0
              ? [
                  attempt({ upstream: 'openai/gpt-5.4-mini', status: 429, outcome: 'key-rate-limited', errorClass: 'http_429', ttfbMs: undefined, nextBecause: `key 'main' was rate-limited ${SECRET}`, routing: 'ejected' }),
                  attempt({ upstream: 'openrouter/x', provider: 'openrouter', upstreamModel: 'x', keyName: 'or', keyTier: 'byok', startedAt: T0 + 31, routing: i % 8 === 0 ? 'panic' : undefined }),
                ]
              : [attempt({ upstream: 'openai/gpt-5.4-mini', latencyMs: i + 0.125 })],
      }),
    );
  }
  return rows;
}

const opened: Array<{ close(): unknown }> = [];
let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(async () => {
  for (const s of opened.splice(0).reverse()) await s.close();
  cleanup();
});

async function pgStore(url?: string, options: { secrets?: string[]; bodies?: boolean } = {}): Promise<PostgresRequestStore> {
  const store = await PostgresRequestStore.open({ url: url ?? (await db.fresh()), secrets: options.secrets ?? [SECRET], bodies: { enabled: options.bodies ?? true } });
  opened.push(store);
  return store;
}

function sqliteStore(options: { bodies?: boolean } = {}): SqliteRequestStore {
  const store = new SqliteRequestStore({ path: join(dir, 'parity.db'), secrets: [SECRET], bodies: { enabled: options.bodies ?? true } });
  opened.push(store);
  return store;
}

/** Every page of a filter, following the cursor. */
async function allPages(store: RequestStore, filter: RequestFilter, limit: number): Promise<unknown[]> {
  const pages: unknown[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRequests(filter, { limit, ...(cursor ? { cursor } : {}) });
    // cursors carry the store's own sequence numbers: compare what they lead to, not the strings
    pages.push(page.requests);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
}

describe.skipIf(!db.available)('PostgresRequestStore', () => {
  it('applies its migrations once, recorded in schema_migrations; a second start applies nothing', async () => {
    const url = await db.fresh();
    const store = await pgStore(url);
    expect(await store.schemaVersion()).toBe(POSTGRES_SCHEMA_VERSION);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect(await migratePostgres(client)).toBe(0);
      const { rows } = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
    }
    await pgStore(url); // a restart
    expect(await store.schemaVersion()).toBe(POSTGRES_SCHEMA_VERSION);
  });

  it('migrates once when several gateways start at once against an empty database', async () => {
    const url = await db.fresh();
    const stores = await Promise.all([1, 2, 3, 4].map(() => pgStore(url)));
    expect(await stores[0]!.schemaVersion()).toBe(POSTGRES_SCHEMA_VERSION);
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM "${schemaOf(url)}".schema_migrations`);
    expect(Number(rows[0]!.n)).toBe(POSTGRES_SCHEMA_VERSION);
  });

  it('answers like the SQLite store for the same records: each record, every page of every filter, usage', async () => {
    const rows = varied();
    const lite = sqliteStore();
    const pgs = await pgStore();
    expect(lite.insertBatch(rows)).toEqual({ inserted: rows.length, rejected: 0 });
    expect(await pgs.insertBatch(rows)).toEqual({ inserted: rows.length, rejected: 0 });
    expect(await pgs.count()).toBe(rows.length);

    for (const r of rows) {
      const fromPg = await pgs.getRequest(r.id);
      // PostgreSQL's text holds no NUL: it becomes U+FFFD (SQLite keeps it)
      const fromLite = JSON.parse(JSON.stringify(lite.getRequest(r.id)).replaceAll('\\u0000', '\uFFFD'));
      expect(fromPg, r.id).toEqual(fromLite);
    }
    const failover = await pgs.getRequest('v08');
    expect(failover?.attempts.map((a) => a.routing)).toEqual(['ejected', 'panic']);
    expect(JSON.stringify(failover)).not.toContain(SECRET);
    expect(await pgs.getRequest('missing')).toBeUndefined();

    const filters: RequestFilter[] = [
      {},
      { model: 'anthropic/claude-sonnet-4.6' },
      { model: 'sonnet' },
      { model: '@preset/coding' },
      { key: 'team-b' },
      { app: 'Notes' },
      { app: 'https://chat.example' },
      { status: 502 },
      { status: 200 },
      { status: 401 },
      { status: 'failed' },
      { status: 'ok' },
      { upstream: 'openrouter/x' },
      { upstream: 'openrouter' },
      { upstream: 'openai/gpt-5.4-mini' },
      { from: T0 + 2000, to: T0 + 2 * HOUR + 4000 },
      { key: 'team-a', status: 'failed', upstream: 'openrouter/x' },
    ];
    for (const filter of filters) {
      for (const limit of [7, 100]) expect(await allPages(pgs, filter, limit), JSON.stringify(filter)).toEqual(await allPages(lite, filter, limit));
    }
    expect((await pgs.listRequests({}, { limit: 3, offset: 3 })).requests).toEqual(lite.listRequests({}, { limit: 3, offset: 3 }).requests);
    await expect(pgs.listRequests({}, { cursor: 'garbage' })).rejects.toThrow('invalid cursor');

    const queries: UsageQuery[] = [];
    for (const groupBy of [undefined, 'model', 'key', 'app', 'upstream'] as const) {
      for (const bucket of [undefined, 'hour', 'day'] as const) queries.push({ ...(groupBy ? { groupBy } : {}), ...(bucket ? { bucket } : {}) });
    }
    queries.push({ groupBy: 'model', bucket: 'hour', from: T0 + 1000, to: T0 + 2 * HOUR + 5000 });
    for (const query of queries) expect(await pgs.usage(query), JSON.stringify(query)).toEqual(lite.usage(query));
    await expect(pgs.usage({ groupBy: 'nope' as 'model' })).rejects.toThrow(RangeError);
  });

  it('keeps the first record when an id repeats, and skips a malformed record writing the rest of its batch', async () => {
    const store = await pgStore();
    const bad = record({ id: 'bad', attempts: [attempt({ upstream: 42 as unknown as string })] });
    const result = await store.insertBatch([record({ id: 'dup', status: 200 }), record({ id: 'dup', status: 500 }), bad, record({ id: 'ok' })]);
    expect(result).toEqual({ inserted: 2, rejected: 1 });
    expect((await store.getRequest('dup'))?.status).toBe(200);
    expect(await store.insertBatch([record({ id: 'dup', status: 503 })])).toEqual({ inserted: 0, rejected: 0 });
    expect(await store.getRequest('bad')).toBeUndefined();
  });

  it('rejects only the row the database refuses (a value out of range), the rest of the batch is written', async () => {
    const store = await pgStore();
    const huge = record({ id: 'huge', status: 2 ** 40 }); // integer column
    expect(await store.insertBatch([record({ id: 'a' }), huge, record({ id: 'b' })])).toEqual({ inserted: 2, rejected: 1 });
    expect(await store.count()).toBe(2);
  });

  it('removes key values added later from the records written after', async () => {
    const store = await pgStore(undefined, { secrets: [] });
    const later = 'plain-LATER-value-not-key-shaped';
    await store.insertBatch([record({ id: 'before', attempts: [attempt({ nextBecause: later })] })]);
    store.addSecrets([later]);
    await store.insertBatch([record({ id: 'after', attempts: [attempt({ nextBecause: later })] })]);
    expect(JSON.stringify(await store.getRequest('before'))).toContain(later);
    expect(JSON.stringify(await store.getRequest('after'))).not.toContain(later);
  });

  it('deletes requests older than the cutoff, in statements of a batch size', async () => {
    const store = await pgStore();
    await store.insertBatch(Array.from({ length: 25 }, (_, i) => record({ id: `old${i}`, time: T0 - 1000 - i })));
    await store.insertBatch([record({ id: 'new', time: T0 + 1 })]);
    expect(await store.deleteOlderThan(T0, 10)).toBe(25);
    expect((await store.listRequests()).requests.map((r) => r.id)).toEqual(['new']);
  });

  it('opens read-only (the CLI) without migrating, and says so when the database has no request log', async () => {
    const url = await db.fresh();
    await expect(openRequestStore({ postgres: { url }, readonly: true })).rejects.toThrow(/no request log in that database/);
    const writer = await pgStore(url);
    await writer.insertBatch([record({ id: 'seen' })]);
    const reader = await openRequestStore({ postgres: { url }, readonly: true });
    opened.push(reader);
    expect((await reader.listRequests()).requests.map((r) => r.id)).toEqual(['seen']);
    await expect(reader.insertBatch([record()])).rejects.toThrow(/read-only/);
  });

  it('fails to open an unreachable database with a message naming it without its credentials', async () => {
    const url = 'postgres://anyrouter:hunter2-PGPASSWORD@127.0.0.1:1/logs';
    const error = (await PostgresRequestStore.open({ url, connectTimeoutMs: 1000 }).catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('postgres://127.0.0.1:1/logs');
    expect(error.message).not.toContain('hunter2');
    expect(error.message).not.toContain('anyrouter:');
  });
});

describe.skipIf(!db.available)('startRequestLog with PostgreSQL (worker thread)', () => {
  it('writes a burst of 5,000 records through the worker batch by batch, dropping none', async () => {
    const url = await db.fresh();
    const log = await startRequestLog({ postgres: { url }, secrets: [SECRET], queue: { capacity: 10_000 } });
    expect(log.path).toMatch(/^postgres:\/\/127\.0\.0\.1:5432\/test$/);
    const started = Date.now();
    for (let i = 0; i < 5_000; i++) expect(log.record(record({ id: `burst${i}`, time: T0 + i }))).toBe(true);
    await log.close();
    const stats = log.stats();
    expect(stats).toMatchObject({ accepted: 5_000, written: 5_000, dropped: 0 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await db.requests(url)).toBe(5_000);
  });

  it('answers the admin queries from the worker, and a failing database drops and counts records without throwing', async () => {
    const url = await db.fresh();
    const errors: unknown[] = [];
    const log = await startRequestLog({ postgres: { url }, queue: { flushIntervalMs: 10 }, onError: (e) => errors.push(e) });
    opened.push(log);
    log.record(record({ id: 'kept' }));
    await until(() => log.stats().written === 1);
    expect((await log.reader.getRequest('kept'))?.id).toBe('kept');
    expect((await log.reader.usage({ groupBy: 'model' }))[0]).toMatchObject({ group: 'openai/gpt-5.4-mini', requests: 1 });

    await db.query(`DROP TABLE "${schemaOf(url)}".requests`); // the database fails every write from now on
    for (let i = 0; i < 10; i++) expect(log.record(record({ id: `lost${i}` }))).toBe(true);
    await until(() => log.stats().droppedWriteFailed === 10);
    expect(log.stats()).toMatchObject({ dropped: 10, written: 1 });
    expect(errors.length).toBeGreaterThan(0);
    await expect(log.reader.listRequests()).rejects.toThrow(/requests/);
  });

  it('purges by retention days', async () => {
    const url = await db.fresh();
    const log = await startRequestLog({ postgres: { url }, retentionDays: 1, queue: { flushIntervalMs: 10 } });
    opened.push(log);
    log.record(record({ id: 'ancient', time: Date.now() - 3 * 86_400_000 }));
    log.record(record({ id: 'fresh', time: Date.now() }));
    await until(() => log.stats().written === 2);
    expect(await log.purge()).toBe(1);
    expect((await log.reader.listRequests()).requests.map((r) => r.id)).toEqual(['fresh']);
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
