import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthState, keyId, upstreamId } from '../../src/runtime/engine/health.js';

const markArb = fc.record({ id: fc.constantFrom('a', 'b', 'c'), until: fc.integer({ min: 0, max: 10_000 }), at: fc.integer({ min: 0, max: 10_000 }) });

describe('HealthState (properties)', () => {
  it('a later mark never shortens an earlier one; cooling/quarantine holds exactly while now < until', () => {
    fc.assert(
      fc.property(fc.array(markArb, { maxLength: 12 }), fc.boolean(), fc.integer({ min: 0, max: 11_000 }), (marks, asKey, now) => {
        const health = new HealthState();
        const longest = new Map<string, number>();
        for (const m of marks) {
          if (asKey) health.quarantineKey(m.id, m.until, 'http_429', m.at);
          else health.coolUpstream(m.id, m.until, 'http_503', m.at);
          longest.set(m.id, Math.max(longest.get(m.id) ?? -Infinity, m.until));
        }
        for (const id of ['a', 'b', 'c']) {
          const expected = longest.get(id);
          const got = asKey ? health.keyQuarantinedUntil(id, now) : health.upstreamCoolingUntil(id, now);
          expect(got).toBe(expected !== undefined && expected > now ? expected : undefined);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('retain keeps only the marks of ids that still exist', () => {
    const health = new HealthState();
    health.coolUpstream(upstreamId('openai', 'gpt'), 10, 'http_503', 0);
    health.coolUpstream(upstreamId('gone', 'gpt'), 10, 'http_503', 0);
    health.quarantineKey(keyId('openai', 'main'), 10, 'http_401', 0);
    health.quarantineKey(keyId('openai', 'old'), 10, 'http_401', 0);
    health.retain(new Set(['openai/gpt']), new Set(['openai#main']));
    expect([...health.upstreams.keys()]).toEqual(['openai/gpt']);
    expect([...health.keys.keys()]).toEqual(['openai#main']);
  });
});
