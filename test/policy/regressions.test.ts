/** Bugs the policy properties found, each pinned by the smallest example that showed it. */
import { describe, expect, it } from 'vitest';
import type { BundlePricing } from '../../src/bundle/format.js';
import { checkProviderPreferences, parseClientBody } from '../../src/runtime/http/client-body.js';
import { openAIChatClient } from '../../src/runtime/http/openai-chat-client.js';
import type { Percentiles } from '../../src/runtime/policy/upstream-stats.js';
import { handModel, handProvider, handWorld, isRouteError, route, tableOf } from './arbitraries.js';

const dear: BundlePricing = { prompt: 5, completion: 5 };
const cheap: BundlePricing = { prompt: 1, completion: 1 };
const p50 = (v: number): Percentiles => ({ p50: v, p75: v, p90: v, p99: v });

function twoProviders() {
  const model = handModel('v/a', ['dear', 'cheap']);
  model.candidates[0]!.pricing = dear;
  model.candidates[1]!.pricing = cheap;
  return tableOf(handWorld({ providers: [handProvider('dear'), handProvider('cheap')], models: [model] }));
}
const messages = [{ role: 'user', content: 'hi' }];
const order = (r: ReturnType<typeof route>) => (isRouteError(r) ? r.message : r.ranked.map((c) => c.upstream));

describe('policy regressions', () => {
  it('a provider named twice in order is tried once', () => {
    expect(order(route(twoProviders(), { model: 'v/a', messages, provider: { order: ['cheap', 'CHEAP'] } }))).toEqual(['cheap/a', 'dear/a']);
  });

  it('partition none keeps the ordered providers first', () => {
    const r = route(twoProviders(), { model: 'v/a', messages, provider: { order: ['dear'], sort: { by: 'price', partition: 'none' } } });
    expect(order(r)).toEqual(['dear/a', 'cheap/a']);
  });

  it('partition none still moves a candidate missing the preferred latency to the end', () => {
    const stats = { ttfb: (u: string) => (u === 'cheap/a' ? p50(900) : p50(10)), throughput: () => undefined };
    const r = route(twoProviders(), { model: 'v/a', messages, provider: { preferred_max_latency: 100, sort: { by: 'price', partition: 'none' } } }, { stats });
    expect(order(r)).toEqual(['dear/a', 'cheap/a']);
  });

  it('allow_fallbacks false with an order none of whose providers serve the model is an error, not the primary', () => {
    const r = route(twoProviders(), { model: 'v/a', messages, provider: { order: ['other'], allow_fallbacks: false } });
    expect(isRouteError(r) && r.status).toBe(404);
  });

  it('a malformed provider object is a 400 naming the field, not a crash', async () => {
    for (const provider of [{ only: 'cheap' }, { order: 'x' }, { sort: 'cheapest' }, { sort: { by: 'fast' } }, { max_price: 5 }, { sort: { by: 'price', partition: 'all' } }]) {
      const parsed = parseClientBody(Buffer.from(JSON.stringify({ model: 'v/a', messages, provider })), openAIChatClient);
      if (!parsed.ok) throw new Error('the body itself is fine');
      expect(await checkProviderPreferences(parsed.body)).toMatchObject({ status: 400, code: 'invalid_provider', message: expect.stringContaining('provider.') });
    }
    expect(await checkProviderPreferences({ model: 'v/a', provider: { sort: 'price', only: ['cheap'] } })).toBeUndefined();
  });

  it('a small-context model is not skipped for a prompt that fits, whatever the body size', () => {
    const model = handModel('v/small', ['cheap'], { context: 2048 });
    const table = tableOf(handWorld({ providers: [handProvider('cheap')], models: [model] }));
    const body = { model: 'v/small', messages: [{ role: 'user', content: 'x'.repeat(3000) }], metadata: { padding: 'y'.repeat(6000) } };
    expect(order(route(table, body))).toEqual(['cheap/small']);
  });

  it("a preset's max_tokens counts against the model's output limit", () => {
    const model = handModel('v/a', ['cheap'], { maxOutput: 16_384 });
    const preset = { name: 'long', model: 'v/a', models: [], params: { max_tokens: 50_000 } };
    const table = tableOf(handWorld({ providers: [handProvider('cheap')], models: [model], presets: [preset] }));
    const r = route(table, { model: '@preset/long', messages });
    expect(isRouteError(r) && r.message).toContain('max_tokens');
  });
});
