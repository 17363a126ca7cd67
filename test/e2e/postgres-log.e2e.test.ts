/**
 * The PostgreSQL request log through the real gateway (the real server on 127.0.0.1:5432, a fresh schema
 * per test): the same requests to a SQLite gateway and a PostgreSQL gateway give the same admin API
 * answers (lists, full traces with `routing`, usage) but for ids and times; two gateways with one URL
 * list each other's requests; `anyrouter logs` and `anyrouter usage` read it with `--db postgres://...`
 * or the config; a burst of 5,000 requests drops no record.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { schemaOf, usePostgres } from '../support/postgres.js';
import { POSTGRES_MIGRATIONS } from '../../src/runtime/observability/postgres-schema.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';
import { chatModel, messages, provider, useE2E, type E2E, type GatewayFixture } from './harness.js';

const db = await usePostgres('e2e');
const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));
const run = promisify(execFile);

/** Outlier detection that ejects after one failure and may eject every upstream: attempts then carry `routing`. */
const ROUTING = { cooldownMs: 60_000, outlier: { consecutive: 1, maxEjectionPercent: 100 } };

async function world(e2e: E2E, log: { postgres?: string; sqlite?: true }): Promise<{ gw: GatewayFixture; primary: MockUpstream; secondary: MockUpstream }> {
  const primary = await e2e.mock();
  const secondary = await e2e.mock();
  const gw = await e2e.gateway(
    {
      providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) },
      models: [chatModel(['primary', 'secondary'])],
      routing: ROUTING,
      ...(log.sqlite ? { logging: { enabled: true } } : {}),
    },
    {},
    log.postgres !== undefined ? { postgresLog: log.postgres } : {},
  );
  return { gw, primary, secondary };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

interface Listed {
  data: Array<Record<string, unknown> & { id: string }>;
  next_cursor: string | null;
}

async function waitForCount(gw: GatewayFixture, n: number, timeoutMs = 10_000): Promise<Listed['data']> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const list = await getJson<Listed>(`${gw.url}/api/requests?limit=1000`);
    if (list.data.length >= n) return list.data;
    if (Date.now() > end) throw new Error(`${list.data.length} of ${n} requests reached the log`);
    await sleep(30);
  }
}

/** The same request sequence on one world: a plain success, failovers that eject, a failure, a stream, an unknown model. */
async function sequence(w: { gw: GatewayFixture; primary: MockUpstream; secondary: MockUpstream }): Promise<string[]> {
  const client = w.gw.client();
  const ids: string[] = [];
  const send = async (stream = false) => {
    const headers = { 'X-Title': 'parity-app' };
    if (stream) {
      const { data, response } = await client.chat.completions.create({ model: 'chat', messages, stream: true, stream_options: { include_usage: true } }, { headers }).withResponse();
      for await (const _chunk of data) void _chunk;
      ids.push(response.headers.get('x-anyrouter-request-id')!);
      return;
    }
    const res = await w.gw.postChat({ model: 'chat', messages }, { headers });
    await res.text();
    ids.push(res.headers.get('x-anyrouter-request-id')!);
  };
  await send(); // primary serves
  w.primary.script([{ status: 503 }]);
  await send(); // primary fails (ejected), secondary serves
  w.secondary.script([{ status: 503 }]);
  await send(); // secondary first, fails (ejected); the ejected primary serves: routing 'ejected'
  w.primary.script([{ status: 500 }]);
  w.secondary.script([{ status: 502 }]);
  await send(); // both fail: 502 to the client
  await send();
  await send(true);
  const unknown = await w.gw.postChat({ model: 'no/such-model', messages });
  ids.push(unknown.headers.get('x-anyrouter-request-id')!);
  await unknown.text();
  return ids;
}

/** A record or summary without what differs between two gateways serving the same requests. */
function comparable(value: unknown, ids: Map<string, number>): unknown {
  if (Array.isArray(value)) return value.map((v) => comparable(v, ids));
  if (value === null || typeof value !== 'object') return typeof value === 'string' && ids.has(value) ? `#${ids.get(value)}` : value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (['time', 'startedAt', 'latencyMs', 'ttfbMs', 'p50LatencyMs', 'p99LatencyMs', 'bucketStart', 'next_cursor'].includes(key)) continue;
    out[key] = comparable(v, ids);
  }
  return out;
}

describe.skipIf(!db.available)('e2e: the request log in PostgreSQL', () => {
  const e2e = useE2E();

  it('answers /api/requests, /api/requests/{id} and /api/usage as the SQLite log does for the same requests', async () => {
    const lite = await world(e2e, { sqlite: true });
    const pgw = await world(e2e, { postgres: await db.fresh() });
    const liteIds = await sequence(lite);
    const pgIds = await sequence(pgw);
    expect(pgIds).toHaveLength(liteIds.length);
    await waitForCount(lite.gw, liteIds.length);
    await waitForCount(pgw.gw, pgIds.length);
    const liteMap = new Map(liteIds.map((id, i) => [id, i]));
    const pgMap = new Map(pgIds.map((id, i) => [id, i]));

    for (const query of ['limit=1000', 'status=failed', 'status=ok', 'upstream=primary', 'upstream=secondary/secondary-model', 'model=chat', 'model=test/chat', 'limit=2']) {
      const [a, b] = await Promise.all([getJson<Listed>(`${lite.gw.url}/api/requests?${query}`), getJson<Listed>(`${pgw.gw.url}/api/requests?${query}`)]);
      expect(comparable(b, pgMap), query).toEqual(comparable(a, liteMap));
      expect(b.data.length, query).toBeGreaterThan(0);
    }
    // the cursor pages through every request on PostgreSQL too
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Listed = await getJson<Listed>(`${pgw.gw.url}/api/requests?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.data.map((r) => r.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual([...pgIds].reverse());

    const routing: unknown[] = [];
    for (let i = 0; i < liteIds.length; i++) {
      const [a, b] = await Promise.all([getJson<Record<string, unknown>>(`${lite.gw.url}/api/requests/${liteIds[i]}`), getJson<Record<string, unknown>>(`${pgw.gw.url}/api/requests/${pgIds[i]}`)]);
      expect(comparable(b, pgMap), `request ${i}`).toEqual(comparable(a, liteMap));
      routing.push(...(b.attempts as Array<{ routing?: string }>).map((t) => t.routing));
    }
    // the gateway always leaves one upstream of a model un-ejected, so only 'ejected' shows here;
    // 'panic' round-trips in test/observability/postgres-store.test.ts
    expect(routing).toContain('ejected');

    for (const query of ['', 'group_by=model', 'group_by=upstream&bucket=hour', 'group_by=key&bucket=day', 'group_by=app&from=24h']) {
      const [a, b] = await Promise.all([getJson<unknown>(`${lite.gw.url}/api/usage?${query}`), getJson<unknown>(`${pgw.gw.url}/api/usage?${query}`)]);
      expect(comparable(b, pgMap), query).toEqual(comparable(a, liteMap));
    }
    expect((await fetch(`${pgw.gw.url}/api/requests/nope`)).status).toBe(404);
    expect((await fetch(`${pgw.gw.url}/api/requests?cursor=garbage`)).status).toBe(400);
  });

  it('two gateways with the same URL list each other’s requests; the second start applies no migration', async () => {
    const url = await db.fresh();
    const a = await world(e2e, { postgres: url });
    const b = await world(e2e, { postgres: url });
    const viaA = await a.gw.postChat({ model: 'chat', messages });
    const viaB = await b.gw.postChat({ model: 'chat', messages });
    const [idA, idB] = [viaA.headers.get('x-anyrouter-request-id')!, viaB.headers.get('x-anyrouter-request-id')!];
    await Promise.all([viaA.text(), viaB.text()]);
    for (const gw of [a.gw, b.gw]) expect((await waitForCount(gw, 2)).map((r) => r.id).sort()).toEqual([idA, idB].sort());
    const trace = await getJson<{ id: string; attempts: Array<{ upstream: string; status: number }> }>(`${b.gw.url}/api/requests/${idA}`);
    expect(trace).toMatchObject({ id: idA, attempts: [{ upstream: 'primary/primary-model', status: 200 }] });
    const usage = await getJson<{ data: Array<{ requests: number }> }>(`${a.gw.url}/api/usage`);
    expect(usage.data).toEqual([expect.objectContaining({ requests: 2 })]);
    const { rows } = await db.query<{ version: number }>(`SELECT version FROM "${schemaOf(url)}".schema_migrations`);
    expect(rows.map((r) => r.version).sort((x, y) => x - y)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
  });

  it('`anyrouter logs` and `anyrouter usage` read it with --db postgres://... and with --config', async () => {
    const url = await db.fresh();
    const w = await world(e2e, { postgres: url });
    w.primary.script([{ status: 503 }]);
    const res = await w.gw.postChat({ model: 'chat', messages });
    const id = res.headers.get('x-anyrouter-request-id')!;
    await res.text();
    await waitForCount(w.gw, 1);
    const logs = await run(process.execPath, [BIN, 'logs', '--db', url]);
    expect(logs.stdout).toContain(id);
    expect(logs.stdout).toMatch(/test\/chat\s+secondary\/secondary-model\s+200\s+primary 503 → secondary 200\s/);
    const trace = await run(process.execPath, [BIN, 'logs', '--db', url, '--id', id]);
    expect(trace.stdout).toContain('attempts (2):');
    expect(trace.stdout).toMatch(/1\s+primary\/primary-model\s+\S+ \(\w+\)\s+503 /);
    expect(trace.stdout).toMatch(/2\s+secondary\/secondary-model\s+\S+ \(\w+\)\s+200 /);
    const traceJson = JSON.parse((await run(process.execPath, [BIN, 'logs', '--db', url, '--id', id, '--format', 'json'])).stdout) as { id: string; attempts: Array<{ status: number }> };
    expect(traceJson).toMatchObject({ id, attempts: [{ status: 503 }, { status: 200 }] });
    const usage = await run(process.execPath, [BIN, 'usage', '--by', 'upstream', '--db', url]);
    expect(usage.stdout).toMatch(/secondary\/secondary-model\s+1\s+0\.0%/);
    const viaConfig = await run(process.execPath, [BIN, 'logs', '--config', w.gw.configPath], { env: { ...process.env, ...w.gw.env } });
    expect(viaConfig.stdout).toContain(id);
    const missing = await run(process.execPath, [BIN, 'logs', '--config', w.gw.configPath], { env: { ...process.env, E2E_DATABASE_URL: '' } }).catch((e: { stderr: string; code: number }) => e);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('E2E_DATABASE_URL is not set') });
  });

  it('a burst of 5,000 requests through the gateway reaches the log whole: none dropped', async () => {
    const url = await db.fresh();
    const w = await world(e2e, { postgres: url });
    const total = 5_000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        next++;
        const res = await w.gw.postChat({ model: 'chat', messages });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    const end = Date.now() + 15_000;
    let stored = 0;
    while (stored < total && Date.now() < end) {
      stored = await db.requests(url);
      if (stored < total) await sleep(50);
    }
    expect(stored).toBe(total);
    const metrics = await (await fetch(`${w.gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^anyrouter_log_records_dropped(?:\{[^}]*\})? 0$/m);
  }, 60_000);
});
