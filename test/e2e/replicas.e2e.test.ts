/**
 * Two replicas with one config holding both `state.redis` and `logging.postgres` (the machine's Redis with a
 * fresh prefix, PostgreSQL with a fresh schema): a quarantine made through A holds for B, and B's admin API
 * lists the requests A served.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayConfig } from './harness.js';
import { REDIS_URL, freshPrefix, redisAvailable } from '../support/redis-server.js';
import { usePostgres } from '../support/postgres.js';

const e2e = useE2E();
const pgdb = await usePostgres('replicas');
let redis = false;
beforeAll(async () => {
  redis = await redisAvailable();
});

describe.skipIf(!pgdb.available)('e2e: replicas sharing Redis and PostgreSQL', () => {
  it('a 429 through A keeps B off that key, and B lists what A served', async (ctx) => {
    if (!redis) ctx.skip();
    const upstream = await e2e.mock();
    const config = {
      providers: { primary: provider('primary', upstream, { keys: ['k1', 'k2'] }) },
      models: [chatModel(['primary'])],
      state: { redis: { url: { env: 'REDIS_URL' }, prefix: freshPrefix() } },
    } as GatewayConfig;
    const url = await pgdb.fresh();
    const a = await e2e.gateway(config, { REDIS_URL }, { postgresLog: url });
    const b = await e2e.gateway(config, { REDIS_URL }, { postgresLog: url });
    const k1 = a.env[Object.keys(a.env).find((k) => k.includes('PRIMARY') && k.endsWith('K1'))!]!;
    upstream.setByKey({ [k1]: { status: 429, headers: { 'retry-after': '30' } } });
    const { response } = await a.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    const servedByA = response.headers.get('x-anyrouter-request-id');
    upstream.setByKey({});
    await sleep(100);
    for (let i = 0; i < 3; i++) await b.client().chat.completions.create({ model: MODEL, messages });
    expect(upstream.requests.filter((r) => r.apiKey === k1)).toHaveLength(1);

    let ids: string[] = [];
    for (let i = 0; i < 50 && !ids.includes(servedByA!); i++) {
      const page = (await (await fetch(`${b.url}/api/requests?limit=10`)).json()) as { data: Array<{ id: string }> };
      ids = page.data.map((r) => r.id);
      if (!ids.includes(servedByA!)) await sleep(100);
    }
    expect(ids).toContain(servedByA);
    const trace = (await (await fetch(`${b.url}/api/requests/${servedByA}`)).json()) as { attempts: Array<{ keyName: string; status: number }> };
    expect(trace.attempts.map((x) => [x.keyName, x.status])).toEqual([
      ['k1', 429],
      ['k2', 200],
    ]);
  });

  it('a key created through A works on B at once, and revoked through A it fails on B at once', async (ctx) => {
    if (!redis) ctx.skip();
    const upstream = await e2e.mock();
    const admin = 'sk-ar-admin-replicas-000000000000000000000000000';
    const config = {
      providers: { primary: provider('primary', upstream) },
      models: [chatModel(['primary'])],
      state: { redis: { url: { env: 'REDIS_URL' }, prefix: freshPrefix() } },
      auth: { adminKeys: [{ name: 'ops', sha256: createHash('sha256').update(admin).digest('hex') }] },
    } as GatewayConfig;
    const url = await pgdb.fresh();
    const a = await e2e.gateway(config, { REDIS_URL }, { postgresLog: url });
    const b = await e2e.gateway(config, { REDIS_URL }, { postgresLog: url });
    const created = await fetch(`${a.url}/api/keys`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'shared' }) });
    const { key } = (await created.json()) as { key: string };
    const onB = async () => {
      const res = await b.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      return res.status;
    };
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = await onB();
      if (status !== 200) await sleep(25);
    }
    expect(status).toBe(200);
    const revoked = await fetch(`${a.url}/api/keys/shared`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(revoked.status, await revoked.clone().text()).toBe(200);
    for (let i = 0; i < 40 && status !== 401; i++) {
      status = await onB();
      if (status !== 401) await sleep(25);
    }
    // with no key left in force the gateway does not fall open: a keyless request is refused too
    const keyless = await b.postChat({ model: MODEL, messages });
    expect(keyless.status).toBe(401);
    expect(status).toBe(401);
  });
});
