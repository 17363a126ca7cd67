/**
 * Two gateways with one `state.redis` (the machine's Redis, a fresh prefix per run) and shared mock
 * upstreams: a key quarantined through A is skipped by B, an upstream ejected through A goes last for B,
 * a gateway key's rpm holds across both, and a Redis that dies mid-run leaves both serving (limits open)
 * and shares marks again once it is back.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayConfig, type GatewayFixture } from './harness.js';
import { PrivateRedis, REDIS_URL, redisAvailable } from '../support/redis-server.js';
import { gatewaysOnOneRedis, waitFor } from './redis-pair.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';

const e2e = useE2E();
const TEAM_KEY = 'sk-ar-shared-state-team-0123456789abcdef';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
let available = false;
beforeAll(async () => {
  available = await redisAvailable();
});

async function pairOfGateways(redisUrl: string, extra: Partial<GatewayConfig> = {}): Promise<{ a: GatewayFixture; b: GatewayFixture; primary: MockUpstream; secondary: MockUpstream }> {
  const primary = await e2e.mock();
  const secondary = await e2e.mock();
  primary.setDefault({ content: 'from primary' });
  secondary.setDefault({ content: 'from secondary' });
  const config = {
    providers: { primary: provider('primary', primary, { keys: ['k1', 'k2'] }), secondary: provider('secondary', secondary) },
    models: [chatModel(['primary', 'secondary'])],
    ...extra,
  } as GatewayConfig;
  return { ...(await gatewaysOnOneRedis(e2e, config, redisUrl)), primary, secondary };
}

const keyOf = (gw: GatewayFixture, name: string) => gw.env[Object.keys(gw.env).find((k) => k.endsWith(name.toUpperCase()) && k.includes('PRIMARY'))!]!;
const chat = (mock: MockUpstream) => mock.requests.filter((r) => r.path === '/v1/chat/completions');

async function health(gw: GatewayFixture): Promise<{ upstreams: Record<string, { state: string }>; providers: Record<string, { keys: Record<string, { state: string }> }> }> {
  return (await (await fetch(`${gw.url}/health`)).json()) as never;
}

describe('e2e: shared state in Redis', () => {
  it('a 429 with Retry-After: 30 on k1 through A keeps B off k1; a 503 ejection through A puts that upstream last for B', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b, primary } = await pairOfGateways(REDIS_URL, { routing: { outlier: { consecutive: 1 } } });
    const k1 = keyOf(a, 'k1');
    primary.setByKey({ [k1]: { status: 429, headers: { 'retry-after': '30' } } });
    const first = await a.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(first.response.headers.get('x-anyrouter-attempts')).toBe('2');
    await waitFor(async () => (await health(b)).providers.primary?.keys.k1?.state === 'quarantined');
    primary.setByKey({});
    const before = chat(primary).filter((r) => r.apiKey === k1).length;
    for (let i = 0; i < 5; i++) {
      const { response } = await b.client().chat.completions.create({ model: MODEL, messages }).withResponse();
      expect(response.headers.get('x-anyrouter-upstream')).toBe('primary');
    }
    expect(chat(primary).filter((r) => r.apiKey === k1).length).toBe(before);

    // an ejection through A (one 503 with consecutive: 1): B tries the secondary first
    primary.script([{ status: 503 }]);
    await a.client().chat.completions.create({ model: MODEL, messages });
    await waitFor(async () => (await health(b)).upstreams['primary/primary-model']?.state === 'ejected');
    const { response } = await b.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(response.headers.get('x-anyrouter-upstream')).toBe('secondary');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('1');
  });

  it('a gateway key with rpm: 10 gets at most 10 successes across A and B together', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b } = await pairOfGateways(REDIS_URL, { auth: { gatewayKeys: [{ name: 'team', sha256: sha256(TEAM_KEY), rpm: 10 }] }, server: { host: '127.0.0.1' } } as Partial<GatewayConfig>);
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const gw = i % 2 === 0 ? a : b;
        const res = await gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${TEAM_KEY}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }),
    );
    // the minute window may turn over during the run: at most 10 per window, so at most 20 in all
    const ok = statuses.filter((s) => s === 200).length;
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(new Date().getSeconds() < 2 ? 20 : 10);
    expect(statuses.filter((s) => s === 429).length).toBe(24 - ok);
  });

  it('a gateway key with tpm: 100 counts the tokens answered through A against B too', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b } = await pairOfGateways(REDIS_URL, { auth: { gatewayKeys: [{ name: 'team', sha256: sha256(TEAM_KEY), tpm: 100 }] } } as Partial<GatewayConfig>);
    let used = 0;
    for (let i = 0; i < 50 && used < 100; i++) {
      const answer = await a.client({ apiKey: TEAM_KEY }).chat.completions.create({ model: MODEL, messages });
      used += (answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0);
    }
    expect(used).toBeGreaterThanOrEqual(100);
    // B has answered nothing itself; it learns the shared total over <prefix>totals (or, at the latest, with its own first answer's count)
    let refusedOnB = false;
    for (let i = 0; i < 3 && !refusedOnB; i++) {
      const res = await b.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${TEAM_KEY}` } });
      await res.arrayBuffer();
      refusedOnB = res.status === 429;
    }
    expect(refusedOnB).toBe(true);
  });

  it('Redis dying mid-run leaves both serving with limits open; once it is back, a new quarantine is shared again', async (ctx) => {
    if (!available) ctx.skip();
    const redis = await PrivateRedis.start();
    try {
      const { a, b, primary } = await pairOfGateways(redis.url, { auth: { gatewayKeys: [{ name: 'team', sha256: sha256(TEAM_KEY), rpm: 1000 }] } } as Partial<GatewayConfig>);
      const ask = (gw: GatewayFixture) => gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${TEAM_KEY}` } });
      expect((await ask(a)).status).toBe(200);
      await redis.stop();
      for (let i = 0; i < 5; i++) {
        expect((await ask(a)).status).toBe(200);
        expect((await ask(b)).status).toBe(200);
      }
      const metrics = await (await fetch(`${a.url}/metrics`)).text();
      expect(metrics).toMatch(/anyrouter_state_backend_up 0/);

      await redis.start();
      await waitFor(async () => /anyrouter_state_backend_up 1/.test(await (await fetch(`${a.url}/metrics`)).text()) && /anyrouter_state_backend_up 1/.test(await (await fetch(`${b.url}/metrics`)).text()), 10_000);
      const k1 = keyOf(a, 'k1');
      primary.setByKey({ [k1]: { status: 429, headers: { 'retry-after': '30' } } });
      expect((await ask(a)).status).toBe(200);
      await waitFor(async () => (await health(b)).providers.primary?.keys.k1?.state === 'quarantined');
    } finally {
      await redis.stop();
    }
  });
});
