/**
 * Budget spend and tpm tokens across two gateways on one Redis (a fresh prefix per pair): what A counts
 * reaches B's in-memory view over `<prefix>totals`, so B refuses a used-up key at its first request, without
 * having served that key itself; a Redis that was down while A spent gets A's spend once it is back.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayConfig, type GatewayFixture } from './harness.js';
import { PrivateRedis, REDIS_URL, redisAvailable } from '../support/redis-server.js';
import { gatewaysOnOneRedis, waitFor } from './redis-pair.js';

const e2e = useE2E();
const KEY = 'sk-ar-shared-counters-0123456789abcdef01234';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
let available = false;
beforeAll(async () => {
  available = await redisAvailable();
});

/** $1 per 1k prompt tokens, $3 per 1k completion tokens, and 1,000 + 1,000 tokens an answer: $4 and 2,000 tokens a request. */
async function pair(redisUrl: string, key: Record<string, unknown>): Promise<{ a: GatewayFixture; b: GatewayFixture; calls: () => number }> {
  const upstream = await e2e.mock();
  upstream.setDefault({ content: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
  const config = {
    providers: { primary: provider('primary', upstream) },
    models: [{ ...chatModel(['primary']), pricing: { prompt: 1000, completion: 3000 } }],
    auth: { gatewayKeys: [{ name: 'team', sha256: sha256(KEY), ...key }] },
  } as GatewayConfig;
  return { ...(await gatewaysOnOneRedis(e2e, config, redisUrl)), calls: () => upstream.requests.length };
}

const post = async (gw: GatewayFixture) => {
  const res = await gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${KEY}` } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
};

/** Whether a gateway's in-memory view refuses the key's budget, read without a request (it serves nothing for that). */
const refusedBy = (gw: GatewayFixture) => {
  const verdict = gw.gateway.state.budgets?.check('team', undefined, Date.now());
  return verdict !== undefined && 'status' in verdict;
};

describe('e2e: budget spend and tpm shared live between gateways', () => {
  it("a key's daily budget spent through A is refused (402) at B's first request, B having served nothing for it", async (ctx) => {
    if (!available) ctx.skip();
    const { a, b, calls } = await pair(REDIS_URL, { budget: { usd: 5, period: 'day' } });
    expect((await post(a)).status).toBe(200);
    expect((await post(a)).status).toBe(200);
    await waitFor(() => refusedBy(b));
    const before = calls();
    const refused = await post(b);
    expect(refused.status).toBe(402);
    expect(refused.body.error?.code).toBe('budget_exceeded');
    expect(refused.body.error?.message).toContain('($8.00 spent)');
    expect(calls()).toBe(before);
  });

  it("a key's tpm used through A is refused (429) at B's first request", async (ctx) => {
    if (!available) ctx.skip();
    const { a, b, calls } = await pair(REDIS_URL, { tpm: 3000 });
    expect((await post(a)).status).toBe(200);
    expect((await post(a)).status).toBe(200);
    // 4,000 tokens this minute (were the minute to turn between the answers, neither window would be over: no assertion holds then)
    if (new Date().getSeconds() === 0) ctx.skip();
    await waitFor(() => {
      const verdict = b.gateway.state.auth.authenticate(KEY, Date.now());
      return 'status' in verdict && verdict.status === 429;
    });
    const before = calls();
    const refused = await post(b);
    expect(refused.status).toBe(429);
    expect(refused.body.error?.code).toBe('token_rate_limit_exceeded');
    expect(calls()).toBe(before);
  });

  it('a budget a reload brings is shared too (the new ledger counts in Redis)', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b } = await pair(REDIS_URL, {});
    for (const gw of [a, b]) {
      const next = structuredClone(gw.gateway.state.table.bundle);
      next.auth.gatewayKeys[0]!.budget = { usd: 5, period: 'day' };
      gw.gateway.reload(next);
    }
    expect((await post(a)).status).toBe(200);
    expect((await post(a)).status).toBe(200);
    await waitFor(() => refusedBy(b));
    expect((await post(b)).status).toBe(402);
  });

  it('spend made while Redis was down is added to it once it is back, and reaches the other gateway', async (ctx) => {
    if (!available) ctx.skip();
    const redis = await PrivateRedis.start();
    try {
      const { a, b } = await pair(redis.url, { budget: { usd: 5, period: 'day' } });
      await redis.stop();
      await waitFor(async () => !(a.gateway.state.shared?.up ?? true));
      // A counts locally: its second answer uses the budget up for A alone
      expect((await post(a)).status).toBe(200);
      expect((await post(a)).status).toBe(200);
      expect((await post(a)).status).toBe(402);
      expect(refusedBy(b)).toBe(false);
      await redis.start();
      await waitFor(() => refusedBy(b), 10_000);
      expect((await post(b)).status).toBe(402);
    } finally {
      await redis.stop();
    }
  });
});
