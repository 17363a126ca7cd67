/**
 * The response cache over real HTTP with the official SDKs: a second identical request is answered
 * without an upstream call, with the same bytes (a stream replayed as the same SSE), and marked
 * `x-anyrouter-cache: hit`; another gateway key does not see the first key's entry; `no-store` and
 * `cache: false` bypass it, `no-cache` refreshes it; a model's `cache: { ttl }` opts its requests in.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { MODEL, messages, provider } from './harness.js';
import { anthropicClient, anthropicProvider, post, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();
const KEY_A = 'sk-ar-e2e-cache-a-000000000000000000000000000';
const KEY_B = 'sk-ar-e2e-cache-b-000000000000000000000000000';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const chats = (mock: { requests: Array<{ path: string }> }) => mock.requests.filter((r) => r.path === '/v1/chat/completions').length;

function model(extra: Partial<ModelInput> = {}): ModelInput {
  return { id: MODEL, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'up', model: 'up-model' }], ...extra };
}

async function cachedGateway(extra: Partial<ModelInput> = {}, keys = false) {
  const up = await e2e.mock();
  let n = 0;
  // every upstream answer differs, so a repeated answer can only come from the cache
  up.setDefault(() => ({ content: `answer number ${++n}` }));
  const gw = await e2e.gateway({
    providers: { up: provider('up', up) },
    models: [model(extra)],
    ...(keys ? { auth: { gatewayKeys: [{ name: 'a', sha256: sha256(KEY_A) }, { name: 'b', sha256: sha256(KEY_B) }] } } : {}),
  });
  const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) => gw.postChat({ model: MODEL, messages, ...body }, { headers });
  return { up, gw, chat };
}

describe('e2e: the response cache', () => {
  it('answers a second identical request from the cache, byte for byte, without an upstream call', async () => {
    const { up, chat } = await cachedGateway();
    const first = await chat({ cache: { ttl: 60 } });
    const firstBody = await first.text();
    expect(first.headers.get('x-anyrouter-cache')).toBe('miss');
    const second = await chat({ cache: { ttl: 60 } });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-anyrouter-cache')).toBe('hit');
    expect(second.headers.get('x-anyrouter-attempts')).toBe('0');
    expect(second.headers.get('x-anyrouter-request-id')).not.toBe(first.headers.get('x-anyrouter-request-id'));
    expect(await second.text()).toBe(firstBody);
    expect(chats(up)).toBe(1);
    // the upstream never saw the gateway's own field
    expect((up.requests[0]!.body as Record<string, unknown>).cache).toBeUndefined();
    // a different request is a different entry
    const other = await chat({ cache: { ttl: 60 }, temperature: 0.5 });
    expect(other.headers.get('x-anyrouter-cache')).toBe('miss');
    expect(chats(up)).toBe(2);
  });

  it('replays a stream as the same SSE bytes, and the SDK reads it', async () => {
    const { up, gw, chat } = await cachedGateway();
    const first = await (await chat({ stream: true }, { 'cache-control': 'max-age=60' })).text();
    const replay = await chat({ stream: true }, { 'cache-control': 'max-age=60' });
    expect(replay.headers.get('x-anyrouter-cache')).toBe('hit');
    expect(replay.headers.get('content-type')).toContain('text/event-stream');
    expect(await replay.text()).toBe(first);
    expect(chats(up)).toBe(1);
    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true }, { headers: { 'cache-control': 'max-age=60' } });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('answer number 1');
    expect(chats(up)).toBe(1);
  });

  it('keeps one gateway key from seeing another key\'s entries', async () => {
    const { up, chat } = await cachedGateway({}, true);
    const asA = { authorization: `Bearer ${KEY_A}` };
    const asB = { authorization: `Bearer ${KEY_B}` };
    const a1 = await (await chat({ cache: { ttl: 60 } }, asA)).text();
    const b1 = await chat({ cache: { ttl: 60 } }, asB);
    expect(b1.headers.get('x-anyrouter-cache')).toBe('miss');
    expect(await b1.text()).not.toBe(a1);
    expect((await chat({ cache: { ttl: 60 } }, asA)).headers.get('x-anyrouter-cache')).toBe('hit');
    expect(chats(up)).toBe(2);
  });

  it('no-store and cache: false bypass it; no-cache refreshes it; a model with cache.ttl opts its requests in', async () => {
    const { up, chat } = await cachedGateway({ cache: { ttl: 60 } });
    const first = await chat({});
    expect(first.headers.get('x-anyrouter-cache')).toBe('miss');
    expect((await chat({})).headers.get('x-anyrouter-cache')).toBe('hit');
    expect(chats(up)).toBe(1);
    const bypass = await chat({}, { 'cache-control': 'no-store' });
    expect(bypass.headers.get('x-anyrouter-cache')).toBeNull();
    expect((await chat({ cache: false })).headers.get('x-anyrouter-cache')).toBeNull();
    expect(chats(up)).toBe(3);
    // no-cache: fetched again and stored; the next read gets the new answer
    const fresh = await (await chat({}, { 'cache-control': 'no-cache' })).text();
    expect(chats(up)).toBe(4);
    expect(await (await chat({})).text()).toBe(fresh);
    expect(chats(up)).toBe(4);
    const bad = await chat({ cache: { ttl: -1 } });
    expect(bad.status).toBe(400);
  });

  it('keeps no answer over cache.maxEntryBytes, and counts hits, misses, stores and bytes for the memory backend on /metrics', async () => {
    const up = await e2e.mock();
    up.setDefault({ content: 'x'.repeat(2_000) });
    const gw = await e2e.gateway({ providers: { up: provider('up', up) }, models: [model()], cache: { maxBytes: 100_000, maxEntryBytes: 1_500 } });
    const ask = (content: string) => gw.postChat({ model: MODEL, messages: [{ role: 'user', content }], cache: { ttl: 60 } });
    for (let i = 0; i < 2; i++) expect((await ask('long')).headers.get('x-anyrouter-cache')).toBe('miss');
    up.setDefault({ content: 'short' });
    await (await ask('short')).arrayBuffer();
    expect((await ask('short')).headers.get('x-anyrouter-cache')).toBe('hit');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const sample = (series: string) => Number(metrics.split('\n').find((line) => line.startsWith(series + ' '))?.slice(series.length + 1));
    expect(sample('anyrouter_cache_hits_total{backend="memory"}')).toBe(1);
    expect(sample('anyrouter_cache_misses_total{backend="memory"}')).toBe(3);
    expect(sample('anyrouter_cache_stores_total{backend="memory"}')).toBe(1);
    expect(sample('anyrouter_cache_evictions_total{backend="memory"}')).toBe(0);
    expect(sample('anyrouter_cache_bytes{backend="memory"}')).toBeGreaterThan(0);
    expect(sample('anyrouter_cache_bytes{backend="memory"}')).toBeLessThanOrEqual(1_500);
  });

  it('does not store errors', async () => {
    const { up, chat } = await cachedGateway();
    up.script([{ status: 400, message: 'bad request' }]);
    expect((await chat({ cache: { ttl: 60 } })).status).toBe(400);
    expect((await chat({ cache: { ttl: 60 } })).headers.get('x-anyrouter-cache')).toBe('miss');
    expect(chats(up)).toBe(2);
  });

  it('caches Anthropic Messages answers too (a hit is the same message)', async () => {
    const claude = await e2e.anthropicMock();
    const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude) }, models: [{ ...model(), upstreams: [{ provider: 'claude', model: 'claude-model' }], cache: { ttl: 60 } }] });
    const client = anthropicClient(gw);
    const first = await client.messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    const { data: second, response } = await client.messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(response.headers.get('x-anyrouter-cache')).toBe('hit');
    expect(second).toEqual(first);
    expect(claude.requests.filter((r) => r.path.endsWith('/messages'))).toHaveLength(1);
    expect((await post(gw, '/v1/messages', { model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })).headers.get('x-anyrouter-cache')).toBe('hit');
  });
});
