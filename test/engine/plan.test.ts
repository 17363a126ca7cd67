import { describe, expect, it } from 'vitest';
import { HealthState, keyId } from '../../src/runtime/engine/health.js';
import { KeyPool } from '../../src/runtime/engine/key-pool.js';
import { makeCandidate, planAttempts, type EngineKey, type EngineProvider } from '../../src/runtime/engine/plan.js';

const NOW = 1_000_000;

function provider(id: string, keys: Array<Partial<EngineKey> & { name: string }> = [{ name: 'main' }]): EngineProvider {
  return {
    id,
    pool: new KeyPool(
      keys.map((k) => ({ weight: 1, tier: 'shared' as const, present: true, ...k })),
      'fallback',
    ),
  };
}

describe('planAttempts (examples)', () => {
  const openai = provider('openai');
  const openrouter = provider('openrouter');
  const azure = provider('azure');
  const a = makeCandidate(openai, 'gpt-5.4-mini');
  const b = makeCandidate(openrouter, 'openai/gpt-5.4-mini');
  const c = makeCandidate(azure, 'gpt-5.4-mini');

  it('keeps rank order when everything is healthy', () => {
    const plan = planAttempts({ candidates: [a, b, c], health: new HealthState(), now: NOW });
    expect(plan.order).toEqual([a, b, c]);
    expect(plan).toMatchObject({ healthy: 3, panic: false, failFast: false });
    expect(plan.decisions.map((d) => d.reason)).toEqual(['rank 1', 'rank 2', 'rank 3']);
  });

  it('puts an ejected upstream after the healthy ones until its ejection ends; quarantined keys keep their place', () => {
    const health = new HealthState();
    health.coolUpstream(a.upstream, NOW + 30_000, 'http_503', NOW);
    health.quarantineKey(keyId('openrouter', 'main'), NOW + 10_000, 'http_429', NOW);
    expect(planAttempts({ candidates: [a, b, c], health, now: NOW })).toMatchObject({ order: [b, c, a], healthy: 2, panic: false });
    expect(planAttempts({ candidates: [a, b, c], health, now: NOW + 29_999 }).order).toEqual([b, c, a]);
    expect(planAttempts({ candidates: [a, b, c], health, now: NOW + 30_000 })).toMatchObject({ order: [a, b, c], healthy: 3 });
    // allow_fallbacks: false keeps the old contract: ejected and fully quarantined candidates are out
    expect(planAttempts({ candidates: [a, b, c], health, now: NOW, failFast: true }).order).toEqual([c]);
    expect(planAttempts({ candidates: [a, b, c], health, now: NOW + 10_000, failFast: true }).order).toEqual([b, c]);
  });

  it('a provider with one quarantined key of two is still eligible', () => {
    const two = provider('two', [{ name: 'k0' }, { name: 'k1' }]);
    const cand = makeCandidate(two, 'm');
    const health = new HealthState();
    health.quarantineKey(keyId('two', 'k0'), NOW + 60_000, 'http_401', NOW);
    expect(planAttempts({ candidates: [cand], health, now: NOW }).order).toEqual([cand]);
  });

  it('routes in panic mode, every candidate in rank order, when all are ejected', () => {
    const health = new HealthState();
    health.coolUpstream(a.upstream, NOW + 30_000, 'http_503', NOW);
    health.coolUpstream(b.upstream, NOW + 5_000, 'http_503', NOW);
    health.coolUpstream(c.upstream, NOW + 5_000, 'http_503', NOW);
    const plan = planAttempts({ candidates: [a, b, c], health, now: NOW });
    expect(plan).toMatchObject({ order: [a, b, c], healthy: 0, panic: true });
    expect(plan.decisions[0]!.reason).toMatch(/^panic/);
  });

  it('refuses a cooling pinned provider without falling back (case-insensitive pin)', () => {
    const health = new HealthState();
    health.coolUpstream(a.upstream, NOW + 30_000, 'http_503', NOW);
    const plan = planAttempts({ candidates: [a, b, c], health, now: NOW, pinnedProvider: 'OpenAI' });
    expect(plan.order).toEqual([]);
    expect(plan.panic).toBe(false);
    expect(plan.refusal).toMatchObject({ kind: 'pinned-cooling', retryAt: NOW + 30_000 });
  });

  it('a pinned provider only plans its own upstreams', () => {
    const plan = planAttempts({ candidates: [a, b, c], health: new HealthState(), now: NOW, pinnedProvider: 'openrouter' });
    expect(plan.order).toEqual([b]);
  });

  it('refuses a pinned provider that does not serve the model', () => {
    const plan = planAttempts({ candidates: [a, b], health: new HealthState(), now: NOW, pinnedProvider: 'azure' });
    expect(plan.refusal?.kind).toBe('pinned-unavailable');
  });

  it('refuses with no-key when no upstream has a key in the environment', () => {
    const absent = provider('absent', [{ name: 'main', present: false }]);
    const plan = planAttempts({ candidates: [makeCandidate(absent, 'm')], health: new HealthState(), now: NOW });
    expect(plan.order).toEqual([]);
    expect(plan.refusal?.kind).toBe('no-key');
  });
});
