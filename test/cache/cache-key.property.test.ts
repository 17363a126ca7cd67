/**
 * The response cache's key: equal (partition, canonical request, routing) give equal keys, whatever the
 * members' order; any difference in the partition (who may read), the request, the resolved models and
 * their upstream models, or what the preset adds (system prompt, params, provider preferences) gives
 * another key. The key is a sha256 (base64url), so it shows nothing of what it is made of.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundleModel, BundlePreset } from '../../src/bundle/format.js';
import { canonicalJson, responseCacheKey } from '../../src/runtime/cache/cache-policy.js';
import type { ServeModel } from '../../src/runtime/routing-table.js';

interface Case {
  protocol: string;
  partition: string;
  /** Model ids with their upstream model each. */
  models: Array<[string, string]>;
  preset: { system?: string; params: Record<string, unknown>; provider?: { order: string[] } } | undefined;
  presetName: string;
  body: Record<string, unknown>;
}

// small domains, so equal cases come up often
const value = fc.oneof(fc.constantFrom(0, 1, 0.5, 'x', 'y', true, null), fc.array(fc.constantFrom(1, 'a'), { maxLength: 2 }), fc.dictionary(fc.constantFrom('p', 'q'), fc.constantFrom(1, 'b'), { maxKeys: 2 }));
const caseArb: fc.Arbitrary<Case> = fc.record({
  protocol: fc.constantFrom('openai-chat', 'anthropic-messages'),
  partition: fc.constantFrom('key:aa', 'key:bb', 'deployment:sha256:cc', 'key:aa\u0000'),
  models: fc.array(fc.tuple(fc.constantFrom('m/one', 'm/two', 'm/one,m/two'), fc.constantFrom('up-1', 'up-2')), { minLength: 1, maxLength: 2 }),
  preset: fc.option(
    fc.record(
      { system: fc.constantFrom('Be brief.', 'Be thorough.', ''), params: fc.dictionary(fc.constantFrom('temperature', 'top_p'), fc.constantFrom(0, 1), { maxKeys: 2 }), provider: fc.record({ order: fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }) }) },
      { requiredKeys: ['params'] },
    ),
    { nil: undefined },
  ),
  presetName: fc.constantFrom('one', 'two'),
  // `model`, `models`, `preset` and `cache` route the request: the resolved models and preset stand for them
  body: fc.dictionary(fc.constantFrom('messages', 'temperature', 'stream', 'max_tokens', 'model', 'cache'), value, { maxKeys: 4 }),
});

/** Members in reverse order at every level: the same request, another text. */
function reordered<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(reordered) as T;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reordered(v)])) as T;
}

function keyOf(c: Case): string {
  const models = c.models.map(([id, upstream]) => ({ spec: { id, candidates: [{ provider: 'p', model: upstream }] } as unknown as BundleModel }) as ServeModel);
  const preset: BundlePreset | undefined = c.preset === undefined ? undefined : { name: c.presetName, model: models[0]!.spec.id, models: [], ...c.preset };
  return responseCacheKey(c.protocol, c.partition, preset === undefined ? { models } : { models, preset }, c.body);
}

/** What the key must tell apart: everything but the routing members of the body and the preset's name. */
function meaning(c: Case): string {
  const { model: _model, cache: _cache, ...asked } = c.body;
  return canonicalJson([c.protocol, c.partition, c.models, c.preset ?? 'none', asked]);
}

describe('response cache key', () => {
  it('equal cases give equal keys and any difference another key (property)', () => {
    fc.assert(
      fc.property(caseArb, caseArb, (a, b) => {
        expect(keyOf(a) === keyOf(b)).toBe(meaning(a) === meaning(b));
      }),
      { numRuns: 2_000 },
    );
  });

  it("the members' order changes nothing, and the key is a sha256 (property)", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const key = keyOf(c);
        expect(keyOf(reordered(c))).toBe(key);
        expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      }),
      { numRuns: 500 },
    );
  });

  it('a gateway key named the same but with another secret, a changed preset system prompt, or another upstream model gives another key', () => {
    const base: Case = { protocol: 'openai-chat', partition: 'key:one', models: [['m/one', 'up-1']], preset: { system: 'Be brief.', params: {} }, presetName: 'p', body: { messages: [{ role: 'user', content: 'hi' }] } };
    const key = keyOf(base);
    expect(keyOf({ ...base, partition: 'key:two' })).not.toBe(key);
    expect(keyOf({ ...base, preset: { system: 'Be thorough.', params: {} } })).not.toBe(key);
    expect(keyOf({ ...base, models: [['m/one', 'up-2']] })).not.toBe(key);
    expect(keyOf({ ...base, presetName: 'q' })).toBe(key);
  });
});
