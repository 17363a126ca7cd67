/**
 * Prompt-cache stickiness and the response cache shared through `state.redis` (the machine's Redis, a fresh
 * prefix per run), between two gateways over real HTTP: a conversation gateway A served on upstream `a`
 * lands on `a` through gateway B although B's own draw picks `b`; an answer cached through A is a hit on B,
 * byte for byte, JSON and stream, without an upstream call, and another gateway key does not see it; a Redis
 * that dies leaves both serving (cache misses, stickiness local), counted on /metrics. Entries outlive
 * restarts and reloads and are shared by every gateway on the prefix, so they are partitioned by what cannot
 * collide: two gateways whose keys share a name but not a secret, or two gateways without keys, never read
 * each other's answers; a preset whose system prompt changed misses after a reload.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { MODEL, provider, useE2E, type GatewayConfig, type GatewayFixture } from './harness.js';
import { freshPrefix, PrivateRedis, REDIS_URL, redisAvailable } from '../support/redis-server.js';
import { compile } from '../../src/compiler/compile.js';
import { gatewaysOnOneRedis, waitFor } from './redis-pair.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';

const e2e = useE2E();
const KEY_ONE = 'sk-ar-shared-cache-one-0123456789abcdef0123';
const KEY_TWO = 'sk-ar-shared-cache-two-0123456789abcdef0123';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const SYSTEM = 'You review pull requests against the house style guide. '.repeat(50);
let available = false;
beforeAll(async () => {
  available = await redisAvailable();
});

/** `a` and `b` tied in priority: which one serves a new conversation is each gateway's own draw. */
const tiedModel: ModelInput = { id: MODEL, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'a', model: 'a-model', priority: 1 }, { provider: 'b', model: 'b-model', priority: 1 }] };

interface Pair {
  a: GatewayFixture;
  b: GatewayFixture;
  upA: MockUpstream;
  upB: MockUpstream;
}

/** Two gateways on one Redis prefix; A's draw always puts `a` first, B's always `b`. */
async function pairOfGateways(redisUrl: string, extra: Partial<GatewayConfig> = {}): Promise<Pair> {
  const upA = await e2e.mock();
  const upB = await e2e.mock();
  let n = 0;
  // every upstream answer differs, so a repeated answer can only come from a cache
  upA.setDefault(() => ({ content: `from a, answer ${++n}` }));
  upB.setDefault(() => ({ content: `from b, answer ${++n}` }));
  const { a, b } = await gatewaysOnOneRedis(e2e, { providers: { a: provider('a', upA), b: provider('b', upB) }, models: [tiedModel], ...extra } as GatewayConfig, redisUrl);
  a.gateway.state.random = () => 0;
  b.gateway.state.random = () => 0.999_999;
  return { a, b, upA, upB };
}

const conversation = (topic: string, turn: number): OpenAI.ChatCompletionMessageParam[] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: `review ${topic}` },
  ...Array.from({ length: turn }, (_, i): OpenAI.ChatCompletionMessageParam[] => [{ role: 'assistant', content: `reply ${i}` }, { role: 'user', content: `follow-up ${i}` }]).flat(),
];

async function upstreamOf(gw: GatewayFixture, topic: string, turn: number): Promise<string | null> {
  const { response } = await gw.client().chat.completions.create({ model: MODEL, messages: conversation(topic, turn) }).withResponse();
  return response.headers.get('x-anyrouter-upstream');
}

const chats = (mock: MockUpstream) => mock.requests.filter((r) => r.path === '/v1/chat/completions').length;
const metricsOf = async (gw: GatewayFixture) => (await fetch(`${gw.url}/metrics`)).text();
/** A counter's value in /metrics text (0 when the series is absent). */
const sample = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(series + ' '))?.slice(series.length + 1) ?? 0);

describe('e2e: stickiness and the response cache shared through Redis', () => {
  it('a conversation A served on upstream a lands on a through B, whose own draw picks b', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b, upB } = await pairOfGateways(REDIS_URL);
    // B's own draw, for a conversation nobody has served: b
    expect(await upstreamOf(b, 'the control change', 0)).toBe('b');
    expect(await upstreamOf(a, 'the shared change', 0)).toBe('a');
    // the entry reaches B's local view over the channel (B's control entry is there already)
    await waitFor(() => b.gateway.state.sticky.size === 2);
    const onB = chats(upB);
    for (let turn = 1; turn <= 3; turn++) expect(await upstreamOf(b, 'the shared change', turn)).toBe('a');
    expect(chats(upB)).toBe(onB);
    // and back the other way: B's control conversation continues on b through A
    await waitFor(() => a.gateway.state.sticky.size === 2);
    expect(await upstreamOf(a, 'the control change', 1)).toBe('b');
  });

  it('an answer cached through A is a hit on B with the same bytes, JSON and stream, without an upstream call; another gateway key misses', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b, upA, upB } = await pairOfGateways(REDIS_URL, { auth: { gatewayKeys: [{ name: 'one', sha256: sha256(KEY_ONE) }, { name: 'two', sha256: sha256(KEY_TWO) }] } } as Partial<GatewayConfig>);
    const asOne = { authorization: `Bearer ${KEY_ONE}` };
    const body = { model: MODEL, messages: conversation('the cached change', 0), cache: { ttl: 60 } };
    const stored = (gw: GatewayFixture, n: number) => waitFor(() => gw.gateway.state.responseCache.counts.stores >= n);

    const first = await a.postChat(body, { headers: asOne });
    const firstBytes = await first.text();
    expect(first.headers.get('x-anyrouter-cache')).toBe('miss');
    await stored(a, 1);
    const upstreamCalls = chats(upA) + chats(upB);
    const hit = await b.postChat(body, { headers: asOne });
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-anyrouter-cache')).toBe('hit');
    expect(hit.headers.get('x-anyrouter-attempts')).toBe('0');
    expect(await hit.text()).toBe(firstBytes);

    // a stream, replayed on B as the same SSE bytes, which the SDK reads
    const streamed = await (await a.postChat({ ...body, stream: true }, { headers: asOne })).text();
    await stored(a, 2);
    const replay = await b.postChat({ ...body, stream: true }, { headers: asOne });
    expect(replay.headers.get('x-anyrouter-cache')).toBe('hit');
    expect(replay.headers.get('content-type')).toContain('text/event-stream');
    expect(await replay.text()).toBe(streamed);
    const sdk = await b.client({ apiKey: KEY_ONE }).chat.completions.create({ model: MODEL, messages: body.messages, stream: true }, { headers: { 'cache-control': 'max-age=60' } });
    let text = '';
    for await (const chunk of sdk) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/^from a, answer \d+$/);
    expect(chats(upA) + chats(upB)).toBe(upstreamCalls + 1);

    // another gateway key: its own partition, so a miss and an upstream call
    const other = await b.postChat(body, { headers: { authorization: `Bearer ${KEY_TWO}` } });
    expect(other.headers.get('x-anyrouter-cache')).toBe('miss');
    expect(await other.text()).not.toBe(firstBytes);
    expect(chats(upA) + chats(upB)).toBe(upstreamCalls + 2);

    const metrics = await metricsOf(b);
    expect(sample(metrics, 'anyrouter_cache_hits_total{backend="redis"}')).toBe(3);
    expect(sample(metrics, 'anyrouter_cache_misses_total{backend="redis"}')).toBe(1);
    expect(sample(await metricsOf(a), 'anyrouter_cache_stores_total{backend="redis"}')).toBe(2);
    expect(metrics).toContain('# TYPE anyrouter_cache_evictions_total counter');
    expect(metrics).toContain('# TYPE anyrouter_cache_bytes gauge');
  });

  it('a request that did not opt in never reads the shared cache', async (ctx) => {
    if (!available) ctx.skip();
    const { a, b } = await pairOfGateways(REDIS_URL);
    for (const gw of [a, b]) expect((await gw.postChat({ model: MODEL, messages: conversation('uncached', 0) })).headers.get('x-anyrouter-cache')).toBeNull();
    for (const gw of [a, b]) {
      const counts = gw.gateway.state.responseCache.counts;
      expect(counts.hits + counts.misses + counts.stores + counts.errors).toBe(0);
    }
  });

  it('Redis dying leaves both serving: cached requests miss (counted), conversations stay on their upstream locally', async (ctx) => {
    if (!available) ctx.skip();
    const redis = await PrivateRedis.start();
    try {
      const { a, b } = await pairOfGateways(redis.url);
      expect(await upstreamOf(a, 'before the outage', 0)).toBe('a');
      await redis.stop();
      const body = { model: MODEL, messages: conversation('during the outage', 0), cache: { ttl: 60 } };
      for (const gw of [a, b, a, b]) {
        const res = await gw.postChat(body);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-anyrouter-cache')).toBe('miss');
        await res.arrayBuffer();
      }
      // stickiness holds on each gateway's own view: A keeps a, B keeps the b its draw gave
      for (let turn = 1; turn <= 3; turn++) expect(await upstreamOf(a, 'before the outage', turn)).toBe('a');
      expect(await upstreamOf(b, 'during the outage', 0)).toBe('b');
      for (let turn = 1; turn <= 3; turn++) expect(await upstreamOf(b, 'during the outage', turn)).toBe('b');

      for (const gw of [a, b]) {
        const metrics = await metricsOf(gw);
        expect(metrics).toMatch(/anyrouter_state_backend_up 0/);
        expect(sample(metrics, 'anyrouter_cache_misses_total{backend="redis"}')).toBe(2);
        expect(sample(metrics, 'anyrouter_cache_errors_total{backend="redis"}')).toBeGreaterThanOrEqual(2);
        expect(sample(metrics, 'anyrouter_cache_hits_total{backend="redis"}')).toBe(0);
      }
    } finally {
      await redis.stop();
    }
  });
});

describe('e2e: shared cache entries are partitioned by who asked and what the routing adds', () => {
  /** A gateway on `prefix` of the machine's Redis, its upstream answering differently every time. */
  async function gatewayOn(prefix: string, extra: Partial<GatewayConfig> = {}) {
    const up = await e2e.mock();
    let n = 0;
    up.setDefault(() => ({ content: `answer ${++n} from port ${up.port}` }));
    const gw = await e2e.gateway({ providers: { a: provider('a', up) }, models: [{ ...tiedModel, upstreams: [{ provider: 'a', model: 'a-model' }] }], state: { redis: { url: { env: 'REDIS_URL' }, prefix } }, ...extra } as GatewayConfig, { REDIS_URL });
    return { gw, up };
  }
  const body = { model: MODEL, messages: conversation('the partitioned change', 0), cache: { ttl: 60 } };
  const stored = (gw: GatewayFixture) => waitFor(() => gw.gateway.state.responseCache.counts.stores >= 1);

  it('two gateways on one prefix whose keys share a name but not a secret do not share entries; the same secret does', async (ctx) => {
    if (!available) ctx.skip();
    const prefix = freshPrefix();
    const one = await gatewayOn(prefix, { auth: { gatewayKeys: [{ name: 'ci', sha256: sha256(KEY_ONE) }] } } as Partial<GatewayConfig>);
    const two = await gatewayOn(prefix, { auth: { gatewayKeys: [{ name: 'ci', sha256: sha256(KEY_TWO) }] } } as Partial<GatewayConfig>);
    const same = await gatewayOn(prefix, { auth: { gatewayKeys: [{ name: 'ci', sha256: sha256(KEY_ONE) }] } } as Partial<GatewayConfig>);
    const first = await one.gw.postChat(body, { headers: { authorization: `Bearer ${KEY_ONE}` } });
    const firstText = await first.text();
    expect(first.headers.get('x-anyrouter-cache')).toBe('miss');
    await stored(one.gw);

    const other = await two.gw.postChat(body, { headers: { authorization: `Bearer ${KEY_TWO}` } });
    expect(other.headers.get('x-anyrouter-cache')).toBe('miss');
    expect(await other.text()).not.toBe(firstText);
    expect(chats(two.up)).toBe(1);

    // the key itself, through another gateway of the same routing: its own entry
    const again = await same.gw.postChat(body, { headers: { authorization: `Bearer ${KEY_ONE}` } });
    expect(again.headers.get('x-anyrouter-cache')).toBe('hit');
    expect(await again.text()).toBe(firstText);
    expect(chats(same.up)).toBe(0);
  });

  it('two gateways without keys on one prefix (each "anonymous") do not share entries', async (ctx) => {
    if (!available) ctx.skip();
    const prefix = freshPrefix();
    const one = await gatewayOn(prefix);
    const two = await gatewayOn(prefix, { server: { bodyLimitBytes: 1_000_000 } } as Partial<GatewayConfig>);
    const firstText = await (await one.gw.postChat(body)).text();
    await stored(one.gw);
    const other = await two.gw.postChat(body);
    expect(other.headers.get('x-anyrouter-cache')).toBe('miss');
    expect(await other.text()).not.toBe(firstText);
    expect(chats(two.up)).toBe(1);
  });

  it("a preset whose system prompt changed misses after a reload; one that did not still hits", async (ctx) => {
    if (!available) ctx.skip();
    const presets = [
      { name: 'reviewer', model: MODEL, system: 'Answer in one line.', cache: { ttl: 60 } },
      { name: 'steady', model: MODEL, system: 'Answer in haiku.', cache: { ttl: 60 } },
    ];
    const { gw, up } = await gatewayOn(freshPrefix(), { presets, auth: { gatewayKeys: [{ name: 'ci', sha256: sha256(KEY_ONE) }] } } as Partial<GatewayConfig>);
    const ask = (preset: string) => gw.postChat({ model: `${MODEL}@preset/${preset}`, messages: conversation('the preset change', 0) }, { headers: { authorization: `Bearer ${KEY_ONE}` } });
    for (const preset of ['reviewer', 'steady']) expect((await ask(preset)).headers.get('x-anyrouter-cache')).toBe('miss');
    await waitFor(() => gw.gateway.state.responseCache.counts.stores >= 2);
    expect((await ask('reviewer')).headers.get('x-anyrouter-cache')).toBe('hit');

    const config = await readFile(gw.configPath, 'utf8');
    await writeFile(gw.configPath, config.replace('Answer in one line.', 'Answer in three paragraphs.'));
    const { bundle } = await compile(gw.configPath);
    gw.gateway.reload(bundle!);
    const calls = chats(up);
    const changed = await ask('reviewer');
    expect(changed.headers.get('x-anyrouter-cache')).toBe('miss');
    expect(chats(up)).toBe(calls + 1);
    expect(up.requests.at(-1)?.body).toMatchObject({ messages: [{ role: 'system', content: expect.stringContaining('Answer in three paragraphs.') }, expect.anything(), expect.anything()] });
    expect((await ask('steady')).headers.get('x-anyrouter-cache')).toBe('hit');
  });
});
