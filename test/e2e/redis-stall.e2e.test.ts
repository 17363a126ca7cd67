/**
 * A Redis that is connected but never answers (test/support/stalling-redis.ts) must not hang the request path:
 * a cached request's lookup gives up after `state.redis.commandTimeoutMs` and the request is served from the
 * upstream, counted as an error and a miss; a client that goes away during the stalled lookup gets no upstream
 * call made for it; a key's shared rpm goes by `onError` (open admits, closed answers 429). The request
 * completing at all is the proof of the bound: without it each of these requests waits forever.
 */
import { createHash } from 'node:crypto';
import { APIUserAbortError, RateLimitError } from 'openai';
import { describe, expect, it } from 'vitest';
import { chatModel, messages, MODEL, provider, useE2E, type GatewayConfig } from './harness.js';
import { waitFor } from './redis-pair.js';
import { StallingRedis } from '../support/stalling-redis.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';

const e2e = useE2E();
const KEY = 'sk-ar-stalled-redis-0123456789abcdef0123456789';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const chats = (mock: MockUpstream) => mock.requests.filter((r) => r.path === '/v1/chat/completions').length;
/** A counter's value in /metrics text (0 when the series is absent). */
const sample = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(series + ' '))?.slice(series.length + 1) ?? 0);

async function gatewayOnStalledRedis(extra: Partial<GatewayConfig> = {}, onError: 'open' | 'closed' = 'open') {
  const redis = await StallingRedis.start();
  const up = await e2e.mock();
  const gw = await e2e.gateway(
    { providers: { up: provider('up', up) }, models: [chatModel(['up'])], state: { redis: { url: { env: 'REDIS_URL' }, prefix: 'stalled:', onError, commandTimeoutMs: 100 } }, ...extra } as GatewayConfig,
    { REDIS_URL: redis.url },
  );
  return { redis, up, gw, close: () => redis.close() };
}

describe('e2e: a Redis that stalls bounds the request path', () => {
  it('a cached request is served from the upstream once the lookup times out, counted as an error and a miss', async () => {
    const { redis, up, gw, close } = await gatewayOnStalledRedis();
    try {
      const { data, response } = await gw.client().chat.completions.create({ model: MODEL, messages }, { headers: { 'cache-control': 'max-age=60' } }).withResponse();
      expect(data.choices[0]?.message.content).toBeTruthy();
      expect(response.headers.get('x-anyrouter-cache')).toBe('miss');
      expect(redis.sent('GET')).toHaveLength(1);
      expect(chats(up)).toBe(1);
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(sample(metrics, 'anyrouter_cache_misses_total{backend="redis"}')).toBe(1);
      expect(sample(metrics, 'anyrouter_cache_hits_total{backend="redis"}')).toBe(0);
      expect(sample(metrics, 'anyrouter_cache_errors_total{backend="redis"}')).toBeGreaterThanOrEqual(1);
    } finally {
      await close();
    }
  });

  it('a client that goes away during the stalled lookup gets no upstream call', async () => {
    const { redis, up, gw, close } = await gatewayOnStalledRedis();
    try {
      const abort = new AbortController();
      const asked = gw.client().chat.completions.create({ model: MODEL, messages }, { headers: { 'cache-control': 'max-age=60' }, signal: abort.signal });
      await waitFor(() => redis.sent('GET').length === 1);
      abort.abort();
      await expect(asked).rejects.toBeInstanceOf(APIUserAbortError);
      // the lookup times out, then the request ends as the client's abort (499), having called no upstream
      await waitFor(async () => (await (await fetch(`${gw.url}/metrics`)).text()).includes('anyrouter_requests_total{'));
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      expect(metrics).toMatch(/anyrouter_requests_total\{[^}]*status="499"[^}]*\} 1/);
      expect(metrics).not.toMatch(/anyrouter_requests_total\{[^}]*status="200"/);
      expect(chats(up)).toBe(0);
    } finally {
      await close();
    }
  });

  it("a key's shared rpm under a stalled Redis: onError open admits, closed answers 429", async () => {
    const auth = { auth: { gatewayKeys: [{ name: 'ci', sha256: sha256(KEY), rpm: 600 }] } } as Partial<GatewayConfig>;
    const open = await gatewayOnStalledRedis(auth, 'open');
    const closed = await gatewayOnStalledRedis(auth, 'closed');
    try {
      const served = await open.gw.client({ apiKey: KEY }).chat.completions.create({ model: MODEL, messages });
      expect(served.choices[0]?.message.content).toBeTruthy();
      expect(open.redis.sent('EVALSHA').length + open.redis.sent('EVAL').length).toBeGreaterThanOrEqual(1);
      const refused = await closed.gw.client({ apiKey: KEY }).chat.completions.create({ model: MODEL, messages }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(RateLimitError);
      expect((refused as RateLimitError).code).toBe('rate_limit_unavailable');
      expect(chats(closed.up)).toBe(0);
    } finally {
      await open.close();
      await closed.close();
    }
  });
});
